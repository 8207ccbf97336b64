package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.attention.LatentCompare.relativeError;
import static dev.attnref.Tolerances.MUTANT_VISIBLE;
import static dev.attnref.Tolerances.RANK_THRESHOLD;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SimplifiedMla}, seed 000 §4.1 in canonical form: a hand-computed case; naive = absorbed
 * on random shapes; both equal a plain-loop transcription of the equations; the seed's scale
 * 1/√C in the absorbed path alone breaks the equality (S000-MLA-SCALE); each head's W_qk has
 * rank ≤ D (S000-MLA-FREE-WQK); no mask and no position (S000-MLA-NOMASK): reversing the tokens
 * reverses the outputs.
 */
class SimplifiedMlaTest {

    private static final int TRIES = 25;


    private static Tensor matrix(int rows, int cols, double... values) {
        return Tensor.of(values, rows, cols);
    }

    @Test
    void twoTokensOneHeadMatchHandArithmetic() {
        // M 2, H 1 (D 2), C_q 2, C 2. x₀ = (1, 0), x₁ = (0, 1).
        // W_DQ = W_DKV = I, no bias → c_q = c_kv = x.  W_UQ = I, W_UK = diag(2, 1) → q = x, k₀ = (2, 0), k₁ = (0, 1).
        // logit / √2: l₀₀ = 2/√2 = √2, l₀₁ = 0, l₁₀ = 0, l₁₁ = 1/√2 (no mask: every token sees both).
        // W_UV = I, b_UV = (1, 0) → v₀ = (2, 0), v₁ = (1, 1).  W_O = I, b_O = (0, 1).
        // o_t = p_t0 (2, 0) + p_t1 (1, 1) = (1 + p_t0, 1 − p_t0) → out_t = (1 + p_t0, 2 − p_t0).
        Tensor eye = matrix(2, 2, 1, 0, 0, 1);
        SimplifiedMla mla = new SimplifiedMla(new SimplifiedMla.Config(2, 1, 2, 2), new Linear(eye, Tensor.zeros(2)), eye,
                new Linear(eye, Tensor.zeros(2)), matrix(2, 2, 2, 0, 0, 1), new Linear(eye, Tensor.of(new double[] {1, 0}, 2)),
                new Linear(eye, Tensor.of(new double[] {0, 1}, 2)));
        Tensor x = Tensor.of(new double[] {1, 0, 0, 1}, 1, 2, 2);
        double root2 = Math.sqrt(2);
        double p00 = 1 / (1 + Math.exp(-root2));                 // softmax(√2, 0)[0]
        double p10 = 1 / (1 + Math.exp(1 / root2));              // softmax(0, 1/√2)[0]
        // W_qk = W_UKᵀ W_UQ = diag(2, 1).
        assertArrayEquals(new double[] {2, 0, 0, 1}, mla.queryKeyProduct().toArray(), 0.0);
        for (ForwardResult result : List.of(mla.forwardNaive(x), mla.forwardAbsorbed(x))) {
            assertArrayEquals(new double[] {root2, 0, 0, 1 / root2}, result.logits().toArray(), Tolerances.HAND_COMPUTED_LATENT);
            assertArrayEquals(new double[] {p00, 1 - p00, p10, 1 - p10}, result.probabilities().toArray(), Tolerances.HAND_COMPUTED_LATENT);
            assertArrayEquals(new double[] {1 + p00, 2 - p00, 1 + p10, 2 - p10}, result.output().toArray(), Tolerances.HAND_COMPUTED_LATENT);
        }
    }

    @Test
    void absorbedFormWithBuiltQueryKeyMatrixEqualsNaiveForm() {
        Property.of("simplifiedMlaAbsorbedEqualsNaiveEqualsLoops", moduleSizes(0).size("B", 1, 2).size("T", 1, 5))
                .tries(TRIES)
                .check(SimplifiedMlaTest::bothFormsEqualLoops);
    }

    @Test
    void seedScaleOverLatentWidthInTheAbsorbedPathBreaksEquality() {
        Property.of("seedScaleOverSqrtCIsCaught", moduleSizes(1).size("B", 1, 2).size("T", 2, 5)).tries(TRIES)
                .check(SimplifiedMlaTest::seedScaleIsCaught);
    }

    @Test
    void eachHeadsQueryKeyMatrixHasRankAtMostHeadDim() {
        Property.of("rankOfQueryKeyMatrixAtMostD", moduleSizes(1))
                .tries(TRIES).check(SimplifiedMlaTest::queryKeyRankIsHeadDim);
    }

    @Test
    void withoutMaskOrPositionReversingTheTokensReversesTheOutputs() {
        Property.of("permutationEquivariance", moduleSizes(0).size("T", 2, 6)).tries(TRIES)
                .check(SimplifiedMlaTest::reversalEquivariance);
    }

    @Test
    void badShapesAreRejectedWithWhatWasExpected() {
        assertEquals("numHeads (3) must divide dModel (8)", assertThrows(IllegalArgumentException.class,
                () -> new SimplifiedMla.Config(8, 3, 2, 2)).getMessage());
        SimplifiedMla mla = SimplifiedMla.random(new SimplifiedMla.Config(4, 2, 3, 2), new SeededRandom(1));
        assertEquals("SimplifiedMla of width 4 got input of shape [1, 2, 5]; expected [B ≥ 1, T ≥ 1, 4]",
                assertThrows(IllegalArgumentException.class, () -> mla.forwardNaive(Tensor.zeros(1, 2, 5))).getMessage());
        assertEquals("W_UK has shape [4, 3]; expected [4, 2]", assertThrows(IllegalArgumentException.class,
                () -> new SimplifiedMla(mla.config(), mla.queryDown(), mla.queryUp(), mla.kvDown(), Tensor.zeros(4, 3),
                        mla.valueUp(), mla.output())).getMessage());
    }

    /** H 1–3, D 1–3, and C_q, C either 1–5 or, with a head-dim floor, D + 1–3 each (so C_q, C &gt; D). */
    private static Dims.Spec moduleSizes(int headDimFloor) {
        Dims.Spec spec = Dims.spec().size("H", 1, 3).size("D", 1, 3);
        return headDimFloor > 0 ? spec.size("C_q−D", 1, 3).size("C−D", 1, 3) : spec.size("C_q", 1, 5).size("C", 1, 5);
    }

    private static SimplifiedMla randomModule(Dims d, SeededRandom random, int headDimFloor) {
        int numHeads = d.get("H");
        int headDim = d.get("D");
        int queryRank = headDimFloor > 0 ? headDim + d.get("C_q−D") : d.get("C_q");
        int latentWidth = headDimFloor > 0 ? headDim + d.get("C−D") : d.get("C");
        return SimplifiedMla.random(new SimplifiedMla.Config(numHeads * headDim, numHeads, queryRank, latentWidth), random);
    }

    static void bothFormsEqualLoops(Dims d, SeededRandom random) {
        SimplifiedMla mla = randomModule(d, random, 0);
        Tensor x = LatentCases.input(random, d.get("B"), d.get("T"), mla.config().dModel());
        ForwardResult naive = mla.forwardNaive(x);
        ForwardResult absorbed = mla.forwardAbsorbed(x);
        LoopResult loops = loops(mla, x, mla.softmaxScale());
        for (ForwardResult form : List.of(naive, absorbed)) {
            assertClose("logits", form.logits(), loops.logits, SAME_MATH);
            assertClose("output", form.output(), loops.output, SAME_MATH);
        }
        assertClose("absorbed vs naive probabilities", absorbed.probabilities(), naive.probabilities(), SAME_MATH);
    }

    static void seedScaleIsCaught(Dims d, SeededRandom random) {
        SimplifiedMla mla = randomModule(d, random, 1);
        Tensor x = LatentCases.input(random, d.get("B"), d.get("T"), mla.config().dModel());
        // The seed divides the absorbed scores by √kv_latent_dim; here C > D, so the scales differ.
        LoopResult seedScale = loops(mla, x, 1.0 / Math.sqrt(mla.config().kvLatentDim()));
        ForwardResult naive = mla.forwardNaive(x);
        double error = Math.max(relativeError(seedScale.logits, naive.logits()), relativeError(seedScale.output, naive.output()));
        assertTrue(error > MUTANT_VISIBLE, "scale 1/√C vs 1/√D moved values by only " + error);
    }

    static void queryKeyRankIsHeadDim(Dims d, SeededRandom random) {
        SimplifiedMla mla = randomModule(d, random, 1);
        SimplifiedMla.Config c = mla.config();
        for (int h = 0; h < c.numHeads(); h++) {
            Tensor perHead = mla.queryKeyProduct().narrow(0, h * c.kvLatentDim(), c.kvLatentDim());   // [C, C_q]
            assertEquals(c.headDim(), NumericalRank.of(perHead, RANK_THRESHOLD), "head " + h + " of W_qk");
        }
    }

    static void reversalEquivariance(Dims d, SeededRandom random) {
        SimplifiedMla mla = randomModule(d, random, 0);
        int seqLen = d.get("T");
        Tensor x = LatentCases.input(random, 1, seqLen, mla.config().dModel());
        List<Tensor> reversedTokens = new ArrayList<>();
        for (int s = seqLen - 1; s >= 0; s--) {
            reversedTokens.add(x.narrow(1, s, 1));
        }
        Tensor reversedOutput = mla.forwardAbsorbed(Tensor.cat(reversedTokens, 1)).output();
        Tensor output = mla.forwardAbsorbed(x).output();
        for (int s = 0; s < seqLen; s++) {
            assertClose("token " + s, reversedOutput.narrow(1, seqLen - 1 - s, 1), output.narrow(1, s, 1), SAME_MATH);
        }
    }

    private record LoopResult(Tensor logits, Tensor output) {
    }

    /**
     * The equations of the class card in plain loops, with a chosen scale: c_q, c_kv; q_h, k_h;
     * logit = scale·q·k over all pairs (no mask); p = softmax; v_h = W_UV,h c_kv + b; out = W_O o + b.
     */
    private static LoopResult loops(SimplifiedMla mla, Tensor x, double scale) {
        SimplifiedMla.Config c = mla.config();
        int batch = x.size(0);
        int seqLen = x.size(1);
        int numHeads = c.numHeads();
        int headDim = c.headDim();
        int rows = batch * seqLen;
        double[] queryLatent = linear(x.toArray(), rows, mla.queryDown().weight(), mla.queryDown().bias());
        double[] kvLatent = linear(x.toArray(), rows, mla.kvDown().weight(), mla.kvDown().bias());
        double[] q = linear(queryLatent, rows, mla.queryUp(), null);             // [B·T, H·D]
        double[] k = linear(kvLatent, rows, mla.keyUp(), null);                  // [B·T, H·D]
        double[] v = linear(kvLatent, rows, mla.valueUp().weight(), mla.valueUp().bias());
        double[] logits = new double[batch * numHeads * seqLen * seqLen];
        double[] heads = new double[rows * numHeads * headDim];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    int row = ((b * numHeads + h) * seqLen + t) * seqLen;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < seqLen; s++) {
                        double dot = 0.0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[(b * seqLen + t) * numHeads * headDim + h * headDim + d]
                                    * k[(b * seqLen + s) * numHeads * headDim + h * headDim + d];
                        }
                        logits[row + s] = scale * dot;
                        max = Math.max(max, logits[row + s]);
                    }
                    double sum = 0.0;
                    for (int s = 0; s < seqLen; s++) {
                        sum += Math.exp(logits[row + s] - max);
                    }
                    for (int s = 0; s < seqLen; s++) {
                        double p = Math.exp(logits[row + s] - max) / sum;
                        for (int d = 0; d < headDim; d++) {
                            heads[(b * seqLen + t) * numHeads * headDim + h * headDim + d] +=
                                    p * v[(b * seqLen + s) * numHeads * headDim + h * headDim + d];
                        }
                    }
                }
            }
        }
        double[] output = linear(heads, rows, mla.output().weight(), mla.output().bias());
        return new LoopResult(Tensor.of(logits, batch, numHeads, seqLen, seqLen),
                Tensor.of(output, batch, seqLen, c.dModel()));
    }

    /** {@code y = x·Wᵀ + b}, W {@code [out, in]}, x {@code [rows, in]}, b optional. */
    private static double[] linear(double[] x, int rows, Tensor weight, Tensor bias) {
        int out = weight.size(0);
        int in = weight.size(1);
        double[] w = weight.toArray();
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0.0 : bias.get(o);
                for (int i = 0; i < in; i++) {
                    sum += w[o * in + i] * x[r * in + i];
                }
                y[r * out + o] = sum;
            }
        }
        return y;
    }
}
