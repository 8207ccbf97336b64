package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Laws 6 and 7.
 * <ul>
 *   <li>6: {@link Mfa} is MQA with head width C and the factorized query projection: it equals an
 *       MQA written here in plain loops (one shared key/value head of width C, H query heads,
 *       scale 1/√C, RoPE on q and k) fed the query latent {@code RMSNorm(S_Q x) ⊙ w_q}; and its
 *       cache holds 2·C values per token whatever H is.</li>
 *   <li>7: {@link MfaKeyReuse}: α = 0 gives v ≡ k̄ (it equals {@link Mfa} with S_V = S_K, and the
 *       folded W_O is W_O bit for bit); folding the value map into W_O equals forming the values
 *       explicitly (it equals {@link Mfa} with S_V = (I + diag(α) N) S_K, whose cache holds those
 *       values); rotating the cached k̄ when logits are formed equals caching rotated keys (same
 *       logits and probabilities as {@link Mfa}, whose cache holds RoPE(k̄)).</li>
 * </ul>
 * Each comparison runs a prefill from a random start and then decode steps.
 */
class MfaLawTest {

    private static final int TRIES = 25;

    @Test
    void mfaIsMultiQueryAttentionWithHeadWidthCAndAFactorizedQuery() {
        Property.of("mfaEqualsMqaWidthC", LatentCases.mfaSizes(Dims.spec(), "").size("B", 1, 2).size("T", 1, 6)
                .size("start", 0, 20))
                .tries(TRIES).check(MfaLawTest::mfaIsMqa);
    }

    @Test
    void mfaCacheDoesNotDependOnTheNumberOfQueryHeads() {
        Property.of("mfaCacheIndependentOfH", LatentCases.mfaSizes(Dims.spec(), "").size("extraHeads", 1, 5)
                .size("B", 1, 2)
                .size("T", 1, 6)).tries(TRIES).check(MfaLawTest::cacheIndependentOfHeads);
    }

    @Test
    void keyReuseWithAlphaZeroUsesTheKeyBeforeRopeAsValue() {
        Property.of("mfaKrAlphaZeroImpliesValueIsKey", keyReuseSizes())
                .tries(TRIES).check(MfaLawTest::alphaZeroMeansValueIsKey);
    }

    @Test
    void foldingTheValueMapIntoTheOutputEqualsExplicitValues() {
        Property.of("mfaKrFoldedEqualsExplicit", keyReuseSizes()).tries(TRIES).check(MfaLawTest::foldedEqualsExplicit);
    }

    @Test
    void rotatingCachedKeysAtReadEqualsCachingRotatedKeys() {
        Property.of("mfaKrRotateAtReadEqualsCacheRotated", keyReuseSizes()).tries(TRIES)
                .check(MfaLawTest::rotateAtReadEqualsCachedRotation);
    }

    // ---------------------------------------------------------------- law 6

    /** Law 6 on one random case: prefill only (the loop MQA below is causal over one call). */
    static void mfaIsMqa(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, false);
        MfaSettings settings = LatentCases.mfaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Mfa mfa = Mfa.random(shape, settings, random);
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        ForwardResult module = mfa.forward(x, mfa.newCache(batch, start));

        // The factorized query projection's input: c_q = RMSNorm(S_Q x) ⊙ w_q, in loops.
        double[] queryLatent = loopRmsNorm(loopLinear(x.toArray(), batch * seqLen, shape.modelWidth(), mfa.sQ()),
                batch * seqLen, shape.queryRank(), mfa.qNorm().toArray(), settings.rmsEps());
        double[] expected = loopMqa(queryLatent, x.toArray(), batch, seqLen, shape, mfa, start);
        assertClose("MFA output vs loop MQA of width C", module.output(),
                Tensor.of(expected, batch, seqLen, shape.modelWidth()), SAME_MATH);
    }

    /**
     * MQA, plain loops: {@code q_h = RoPE(W_Q,h c_q)}, {@code k = RoPE(W_K x)}, {@code v = W_V x} of
     * width C; {@code logit = q_h·k / √C} for s ≤ t; {@code out = W_O [Σ_s p v]_h}. Here W_Q = Q_c,
     * W_K = S_K, W_V = S_V.
     */
    private static double[] loopMqa(double[] queryLatent, double[] x, int batch, int seqLen, MfaShape shape, Mfa mfa,
            int start) {
        int numHeads = shape.numHeads();
        int width = shape.headDim();
        int rows = batch * seqLen;
        Rope rope = new Rope(width, mfa.settings().ropeTheta(), mfa.settings().pairing());
        double[] q = loopLinear(queryLatent, rows, shape.queryRank(), mfa.qC());          // [B·T, H·C]
        Tensor queries = rope.apply(Tensor.of(q, batch, seqLen, numHeads, width).transpose(1, 2), start);   // [B, H, T, C]
        double[] rotatedQ = queries.toArray();
        double[] k = rope.apply(Tensor.of(loopLinear(x, rows, shape.modelWidth(), mfa.sK()), batch, seqLen, width), start)
                .toArray();                                                                  // [B, T, C]
        double[] v = loopLinear(x, rows, shape.modelWidth(), mfa.sV());                    // [B, T, C]
        double[] heads = new double[rows * numHeads * width];                              // [B, T, H·C]
        double scale = 1.0 / Math.sqrt(width);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    double[] logit = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0.0;
                        for (int d = 0; d < width; d++) {
                            dot += rotatedQ[((b * numHeads + h) * seqLen + t) * width + d] * k[(b * seqLen + s) * width + d];
                        }
                        logit[s] = dot * scale;
                        max = Math.max(max, logit[s]);
                    }
                    double sum = 0.0;
                    for (int s = 0; s <= t; s++) {
                        logit[s] = Math.exp(logit[s] - max);
                        sum += logit[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < width; d++) {
                            heads[(b * seqLen + t) * numHeads * width + h * width + d] +=
                                    logit[s] / sum * v[(b * seqLen + s) * width + d];
                        }
                    }
                }
            }
        }
        return loopLinear(heads, rows, numHeads * width, mfa.wO());
    }

    /** {@code y = x·Wᵀ}, W {@code [out, in]}, x {@code [rows, in]}. */
    private static double[] loopLinear(double[] x, int rows, int in, Tensor weight) {
        int out = weight.size(0);
        double[] w = weight.toArray();
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    y[r * out + o] += w[o * in + i] * x[r * in + i];
                }
            }
        }
        return y;
    }

    private static double[] loopRmsNorm(double[] x, int rows, int width, double[] weight, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double squares = 0.0;
            for (int d = 0; d < width; d++) {
                squares += x[r * width + d] * x[r * width + d];
            }
            double rms = Math.sqrt(squares / width + eps);
            for (int d = 0; d < width; d++) {
                y[r * width + d] = x[r * width + d] / rms * weight[d];
            }
        }
        return y;
    }

    /** Law 6, cache part: the same widths with H and H' query heads cache the same 2·C values per token. */
    static void cacheIndependentOfHeads(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, false);
        int otherHeads = shape.numHeads() + d.get("extraHeads");
        MfaShape wider = new MfaShape(shape.modelWidth(), otherHeads, shape.queryRank(), shape.headDim(), false);
        MfaSettings settings = LatentCases.mfaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        Mfa few = Mfa.random(shape, settings, random);
        Mfa many = Mfa.random(wider, settings, random);
        KvCache fewCache = few.newCache(batch);
        KvCache manyCache = many.newCache(batch);
        few.forward(x, fewCache);
        many.forward(x, manyCache);
        assertEquals(2L * shape.headDim(), fewCache.valuesPerToken(), "H = " + shape.numHeads());
        assertEquals(fewCache.valuesPerToken(), manyCache.valuesPerToken(), "H = " + otherHeads);
        assertSameShape(fewCache.keys(), manyCache.keys());
        assertSameShape(fewCache.values(), manyCache.values());
    }

    private static void assertSameShape(Tensor a, Tensor b) {
        assertEquals(Arrays.toString(a.shape()), Arrays.toString(b.shape()), "cached tensor shape");
    }

    // ---------------------------------------------------------------- law 7

    /** An MFA-KR shape and the sizes of {@link #agreeOverPrefillAndDecode}: B 1–2, prefill 1–4, decode steps 1–3, start 0–20. */
    private static Dims.Spec keyReuseSizes() {
        return LatentCases.mfaSizes(Dims.spec(), "").size("B", 1, 2).size("prefill", 1, 4).size("decodeSteps", 1, 3)
                .size("start", 0, 20);
    }

    /** Law 7a on one random case. */
    static void alphaZeroMeansValueIsKey(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, true);
        MfaSettings settings = LatentCases.mfaSettings(d);
        MfaKeyReuse keyReuse = MfaKeyReuse.random(shape, settings, random);
        assertTrue(keyReuse.alpha().bitwiseEquals(Tensor.zeros(shape.headDim())), "α must start at 0");
        assertTrue(keyReuse.foldedOutput().bitwiseEquals(keyReuse.wO()), "with α = 0, I + diag(α) N = I leaves W_O as it is");
        Mfa valueIsKey = mfaWithValue(keyReuse, keyReuse.sK());
        agreeOverPrefillAndDecode(d, random, keyReuse, valueIsKey, true);
    }

    /** Law 7b on one random case, α ≠ 0. */
    static void foldedEqualsExplicit(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, true);
        MfaKeyReuse keyReuse = LatentCases.trainedKeyReuse(shape, LatentCases.mfaSettings(d), random);
        // v = (I + diag(α) N) k̄ = ((I + diag(α) N) S_K) x: an ordinary value projection, formed explicitly by Mfa.
        Tensor mix = Tensor.of(identity(shape.headDim()), shape.headDim(), shape.headDim())
                .add(keyReuse.alpha().unsqueeze(1).mul(keyReuse.n()));                       // [C, C]
        Mfa explicit = mfaWithValue(keyReuse, mix.matmul(keyReuse.sK()));
        agreeOverPrefillAndDecode(d, random, keyReuse, explicit, true);
    }

    /** Law 7c on one random case: logits and probabilities only (the values differ on purpose). */
    static void rotateAtReadEqualsCachedRotation(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, true);
        MfaKeyReuse keyReuse = LatentCases.trainedKeyReuse(shape, LatentCases.mfaSettings(d), random);
        Mfa cachesRotated = mfaWithValue(keyReuse, Tensor.randn(random, 1.0, shape.headDim(), shape.modelWidth()));
        agreeOverPrefillAndDecode(d, random, keyReuse, cachesRotated, false);
    }

    /** An {@link Mfa} with MFA-KR's query, key and output weights and the given S_V. */
    private static Mfa mfaWithValue(MfaKeyReuse keyReuse, Tensor sV) {
        MfaShape s = keyReuse.shape();
        return Mfa.of(new MfaShape(s.modelWidth(), s.numHeads(), s.queryRank(), s.headDim(), false), keyReuse.settings(),
                keyReuse.sQ(), keyReuse.qNorm(), keyReuse.qC(), keyReuse.sK(), sV, keyReuse.wO());
    }

    /**
     * Prefill then decode steps on both modules from one random start; logits and probabilities
     * must agree at every step, outputs too when {@code sameOutputs}. At the end, the MFA-KR
     * cache rotated at read equals the MFA cache's rotated keys.
     */
    private static void agreeOverPrefillAndDecode(Dims d, SeededRandom random, MfaKeyReuse keyReuse, Mfa mfa, boolean sameOutputs) {
        int batch = d.get("B");
        int prefill = d.get("prefill");
        int decodeSteps = d.get("decodeSteps");
        int start = d.get("start");
        LatentCache reuseCache = keyReuse.newCache(batch, start);
        KvCache mfaCache = mfa.newCache(batch, start);
        Tensor x = LatentCases.input(random, batch, prefill + decodeSteps, keyReuse.modelWidth());
        int position = 0;
        for (int chunk : chunks(prefill, decodeSteps)) {
            Tensor part = x.narrow(1, position, chunk);
            ForwardResult reused = keyReuse.forward(part, reuseCache);
            ForwardResult reference = mfa.forward(part, mfaCache);
            String at = " at token " + position;
            assertClose("logits" + at, reused.logits(), reference.logits(), SAME_MATH);
            assertClose("probabilities" + at, reused.probabilities(), reference.probabilities(), SAME_MATH);
            if (sameOutputs) {
                assertClose("output" + at, reused.output(), reference.output(), SAME_MATH);
            }
            position += chunk;
        }
        Tensor rotatedAtRead = keyReuse.rope().apply(reuseCache.latent(), reuseCache.firstPosition());
        assertClose("RoPE(cached k̄) vs cached RoPE(k̄)", rotatedAtRead, mfaCache.keys().squeeze(1), SAME_MATH);
    }

    private static int[] chunks(int prefill, int decodeSteps) {
        int[] sizes = new int[1 + decodeSteps];
        Arrays.fill(sizes, 1);
        sizes[0] = prefill;
        return sizes;
    }

    private static double[] identity(int size) {
        double[] eye = new double[size * size];
        for (int d = 0; d < size; d++) {
            eye[d * size + d] = 1.0;
        }
        return eye;
    }
}
