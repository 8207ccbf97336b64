package dev.attnref.mirror;

import static dev.attnref.mirror.MirrorTolerances.FLOAT64_REORDERED;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.SimplifiedMla;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FIXED mirrors equal the canonical modules of {@code dev.attnref.attention} on random cases with the
 * same weights: the fixed snippet is the canonical model, written the snippet's way.
 *
 * <p>Seed 000 §4.1's fixed MLA against {@link SimplifiedMla}: the canonical up-projection W_UQ has no
 * bias, the fixed snippet's {@code Wq_u} has one (it keeps the published {@code W_qk} bias as
 * {@code b_qk,h = Wk_u,hᵀ b_q,h}); on the canonical model's weights that bias is zero.
 */
class MirrorCanonicalAgreementTest {

    @Test
    void fixedSimplifiedMlaEqualsCanonicalSimplifiedMla() {
        for (long seed = 1; seed <= 8; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(4));
            int qLatent = 1 + random.nextInt(5);
            int kvLatent = 1 + random.nextInt(5);
            int len = 1 + random.nextInt(5);
            int batch = 1 + random.nextInt(2);
            SimplifiedMla canonical = SimplifiedMla.random(new SimplifiedMla.Config(dModel, heads, qLatent, kvLatent),
                    random);
            Seed000MultiHeadLatentAttention mirror = new Seed000MultiHeadLatentAttention(dModel, heads, qLatent,
                    kvLatent, Fidelity.FIXED, random);
            Map<String, Tensor> state = new LinkedHashMap<>();
            put(state, "Wq_d", canonical.queryDown());
            state.put("Wq_u.weight", canonical.queryUp());
            state.put("Wq_u.bias", Tensor.zeros(heads * (dModel / heads)));
            state.put("Wk_u.weight", canonical.keyUp());
            put(state, "Wkv_d", canonical.kvDown());
            put(state, "Wv_u", canonical.valueUp());
            put(state, "Wo", canonical.output());
            mirror.loadStateDict(state);
            Tensor x = Tensor.randn(random, 1.0, batch, len, dModel);
            String where = "seed " + seed + " d_model " + dModel + " heads " + heads + " C_q " + qLatent + " C "
                    + kvLatent + " T " + len + " B " + batch;
            double absorbed = LoopReference.maxRelativeDiff(mirror.forward(x).toArray(),
                    canonical.forwardAbsorbed(x).output().toArray());
            double naive = LoopReference.maxRelativeDiff(mirror.forward(x, false, false).toArray(),
                    canonical.forwardNaive(x).output().toArray());
            assertTrue(absorbed <= FLOAT64_REORDERED && naive <= FLOAT64_REORDERED,
                    where + ": absorbed diff " + absorbed + ", naive diff " + naive);
            double product = LoopReference.maxRelativeDiff(mirror.qkLinear().weight().toArray(),
                    canonical.queryKeyProduct().toArray());
            assertTrue(product <= FLOAT64_REORDERED, where + ": W_qk differs by " + product);
        }
    }

    private static void put(Map<String, Tensor> state, String name, Linear layer) {
        state.put(name + ".weight", layer.weight());
        state.put(name + ".bias", layer.bias());
    }
}
