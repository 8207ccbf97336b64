package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nn.Module behaviour the mirrors rely on: training flag, state-dict names and strict loading, dropout. */
class MirrorModuleTest {

    @Test
    void modulesStartInTrainingModeAndEvalReachesEverySubModule() {
        Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, Fidelity.FIXED, new SeededRandom(1));
        assertTrue(mha.isTraining(), "nn.Module starts in training mode");
        mha.eval();
        assertFalse(mha.isTraining());
        // Dropout is a sub-module: in eval mode two calls on the same input must agree bitwise.
        Tensor x = Tensor.randn(new SeededRandom(2), 1.0, 3, 2, 4);
        assertTrue(mha.forward(x, x, x, null).bitwiseEquals(mha.forward(x, x, x, null)));
        mha.train();
        assertTrue(mha.isTraining());
        assertFalse(mha.forward(x, x, x, null).bitwiseEquals(mha.forward(x, x, x, null)),
                "training mode: dropout draws new masks on every call");
    }

    @Test
    void stateDictUsesPyTorchNamesInRegistrationOrder() {
        Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, 0.1, false, Fidelity.FIXED,
                new SeededRandom(3));
        assertEquals(List.of("query.linear.weight", "key.linear.weight", "value.linear.weight", "output.weight",
                "output.bias"), List.copyOf(mha.stateDict().keySet()));
        Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(4));
        Map<String, Tensor> state = gqa.stateDict();
        assertEquals(List.of("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias", "v_proj.weight",
                "v_proj.bias", "o_proj.weight", "o_proj.bias"), List.copyOf(state.keySet()));
        // k_proj maps M = 8 to G·D = 2·2 = 4: PyTorch layout [out, in].
        assertArrayEquals(new int[] {4, 8}, state.get("k_proj.weight").shape());
    }

    @Test
    void loadStateDictReplacesEveryParameter() {
        Seed002GroupQueryAttention source = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(5));
        Seed002GroupQueryAttention target = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(6));
        Tensor x = Tensor.randn(new SeededRandom(7), 1.0, 2, 3, 8);
        assertFalse(source.forward(x).bitwiseEquals(target.forward(x)));
        target.loadStateDict(source.stateDict());
        assertTrue(source.forward(x).bitwiseEquals(target.forward(x)));
    }

    @Test
    void loadStateDictIsStrictAndAllOrNothing() {
        Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(8));
        Map<String, Tensor> before = gqa.stateDict();

        Map<String, Tensor> missing = new LinkedHashMap<>(before);
        missing.remove("o_proj.bias");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> gqa.loadStateDict(missing));
        assertTrue(e1.getMessage().contains("missing key(s) [o_proj.bias]"), e1.getMessage());

        Map<String, Tensor> unexpected = new LinkedHashMap<>(before);
        unexpected.put("W_qk.weight", Tensor.zeros(2, 2));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> gqa.loadStateDict(unexpected));
        assertTrue(e2.getMessage().contains("unexpected key(s) [W_qk.weight]"), e2.getMessage());

        Map<String, Tensor> wrongShape = new LinkedHashMap<>();
        before.forEach((name, t) -> wrongShape.put(name, Tensor.zeros(t.shape())));
        wrongShape.put("k_proj.weight", Tensor.zeros(8, 8));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> gqa.loadStateDict(wrongShape));
        assertTrue(e3.getMessage().contains("size mismatch for k_proj.weight: copying a param with shape [8, 8], "
                + "the shape in current model is [4, 8]"), e3.getMessage());
        // Nothing was loaded: the zero tensors of the rejected map did not replace any parameter.
        gqa.stateDict().forEach((name, t) -> assertSame(before.get(name), t, name));
    }

    @Test
    void dropoutZeroesOrRescalesInTrainingAndIsTheIdentityInEval() {
        NnDropout dropout = new NnDropout(0.25, new SeededRandom(9));
        Tensor x = Tensor.full(2.0, 4000);
        double[] y = dropout.forward(x).toArray();
        int dropped = 0;
        for (double value : y) {
            // Survivors are scaled by 1/(1 − p): 2 / 0.75 = 8/3.
            assertTrue(value == 0.0 || value == 2.0 / 0.75, "dropout output " + value);
            dropped += value == 0.0 ? 1 : 0;
        }
        // Binomial(4000, 0.25): mean 1000, standard deviation √750 ≈ 27.4; ±150 is beyond 5σ.
        assertTrue(Math.abs(dropped - 1000) < 150, "dropped " + dropped + " of 4000 at p = 0.25");
        dropout.eval();
        assertSame(x, dropout.forward(x));
        assertNotEquals(0, dropped);
    }

    @Test
    void dropoutRejectsAProbabilityOutsideZeroToOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NnDropout(1.5, new SeededRandom(1)));
        assertEquals("dropout probability p (1.5) must be in [0, 1)", e.getMessage());
    }
}
