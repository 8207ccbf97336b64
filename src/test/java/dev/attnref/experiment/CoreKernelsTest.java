package dev.attnref.experiment;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every layout and engine of {@link CoreKernels} against {@link OracleAttention}, the float64 loop
 * reference, on odd sizes that cross the block boundary ({@value CoreKernels#BLOCK} keys) and split
 * between threads. Each layout is rewritten as the GQA problem it equals:
 * LATENT = MQA with key [c | k_R] (width C + P) and value c (width C);
 * KEY_REUSE = MQA with key RoPE(k̄, s) and value k̄.
 */
class CoreKernelsTest {
    private static final long SEED = 20240611L;
    /** float64 kernels re-associate sums (blocks, thread split): a few ulps of O(1) outputs. */
    private static final double F64_TOLERANCE = 1e-12;
    /** float32 storage and accumulation over ≤ 200 keys of O(1) values: ~1e-6, with margin. */
    private static final double F32_TOLERANCE = 2e-5;

    private record Case(CoreShape shape, int length, double[] keys, double[] values, double[] queries,
                        double[] oracleKeys, double[] oracleValues, int oracleDk, int oracleDv) {
    }

    private static Case groupedCase(int length, int queryCount) {
        CoreShape shape = CoreShape.grouped("GQA", 6, 2, 10, 7);
        SeededRandom random = new SeededRandom(SEED);
        double[] k = random.uniforms(2 * length * 10, -1, 1);
        double[] v = random.uniforms(2 * length * 7, -1, 1);
        double[] q = random.uniforms(queryCount * 6 * 10, -1, 1);
        return new Case(shape, length, k, v, q, k, v, 10, 7);
    }

    private static Case latentCase(int length, int queryCount) {
        int c = 12;
        int p = 4;
        CoreShape shape = CoreShape.mlaAbsorbed(5, c, p);
        SeededRandom random = new SeededRandom(SEED + 1);
        double[] rows = random.uniforms(length * (c + p), -1, 1);
        double[] q = random.uniforms(queryCount * 5 * (c + p), -1, 1);
        double[] values = new double[length * c];
        for (int s = 0; s < length; s++) {
            System.arraycopy(rows, s * (c + p), values, s * c, c);    // value = c_kv, the first C entries
        }
        return new Case(shape, length, rows, null, q, rows, values, c + p, c);
    }

    private static Case keyReuseCase(int length, int queryCount) {
        int c = 8;
        CoreShape shape = CoreShape.mfaKeyReuse(3, c);
        SeededRandom random = new SeededRandom(SEED + 2);
        double[] kbar = random.uniforms(length * c, -1, 1);
        double[] q = random.uniforms(queryCount * 3 * c, -1, 1);
        double[] rotated = Rope.standard(c, RopePairing.INTERLEAVED).apply(Tensor.of(kbar, 1, 1, length, c), 0).toArray();
        return new Case(shape, length, kbar, null, q, rotated, kbar, c, c);
    }

    /** OracleAttention on the case's GQA form: T queries at positions given by {@code causal}. */
    private static double[] oracle(Case c, int queryFrom, int queryCount, boolean causal, double scale) {
        CoreShape shape = c.shape();
        double[] q = new double[queryCount * shape.numHeads() * shape.keyWidth()];
        // cache queries are [T, H, Dk]; the oracle wants [B=1, H, T, Dk]
        for (int t = 0; t < queryCount; t++) {
            for (int h = 0; h < shape.numHeads(); h++) {
                System.arraycopy(c.queries(), ((queryFrom + t) * shape.numHeads() + h) * shape.keyWidth(), q,
                        (h * queryCount + t) * shape.keyWidth(), shape.keyWidth());
            }
        }
        AttentionProblem.Builder b = AttentionProblem.builder().batch(1).numHeads(shape.numHeads())
                .numKvHeads(shape.numKvHeads()).qLen(queryCount).newKvLen(c.length()).headDim(c.oracleDk())
                .valueHeadDim(c.oracleDv()).query(q).key(c.oracleKeys()).value(c.oracleValues()).scale(scale);
        if (causal) {
            b.causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT));
        }
        double[] out = OracleAttention.attend(b.build()).output();   // [1, H, T, Dv]
        double[] reordered = new double[out.length];                  // → [T, H, Dv]
        int dv = c.oracleDv();
        for (int h = 0; h < shape.numHeads(); h++) {
            for (int t = 0; t < queryCount; t++) {
                System.arraycopy(out, (h * queryCount + t) * dv, reordered, (t * shape.numHeads() + h) * dv, dv);
            }
        }
        return reordered;
    }

    private static double maxRelative(double[] actual, double[] expected) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
        }
        return diff / scale;
    }

    private static void decodeAgrees(Case c) {
        double scale = 0.37;
        double[] expected = oracle(c, 1, 1, false, scale);
        for (CoreKernels.Engine engine : CoreKernels.Engine.values()) {
            for (int threads : new int[] {1, 2}) {
                CoreCache cache = CoreCache.of(c.shape(), c.length(), 2, engine.float64(), c.keys(), c.values(), c.queries());
                double[] out = new double[c.shape().numHeads() * c.shape().valueWidth()];
                try (CoreKernels kernels = new CoreKernels(engine, threads)) {
                    kernels.decode(cache, 1, c.length(), scale, out);
                }
                double error = maxRelative(out, expected);
                double tolerance = engine.float64() ? F64_TOLERANCE : F32_TOLERANCE;
                assertTrue(error <= tolerance, c.shape().label() + " " + engine + " threads " + threads
                        + ": max relative error " + error + " > " + tolerance + " (seed " + SEED + ")");
            }
        }
    }

    @Test
    void groupedDecodeEqualsOracleGqaForEveryEngineAndThreadCount() {
        decodeAgrees(groupedCase(203, 2));
    }

    @Test
    void latentDecodeEqualsOracleMqaWithValueAsPrefixOfKey() {
        decodeAgrees(latentCase(150, 2));
    }

    @Test
    void keyReuseDecodeEqualsOracleMqaWithRotatedKeyAndUnrotatedValue() {
        decodeAgrees(keyReuseCase(170, 2));
    }

    @Test
    void causalPrefillEqualsOracleTopLeftCausal() {
        for (Case c : new Case[] {groupedCase(97, 97), latentCase(70, 70), keyReuseCase(80, 80)}) {
            double scale = 1 / Math.sqrt(c.shape().keyWidth());
            double[] expected = oracle(c, 0, c.length(), true, scale);
            for (CoreKernels.Engine engine : CoreKernels.Engine.values()) {
                CoreCache cache = CoreCache.of(c.shape(), c.length(), c.length(), engine.float64(), c.keys(), c.values(),
                        c.queries());
                double[] out = new double[c.length() * c.shape().numHeads() * c.shape().valueWidth()];
                try (CoreKernels kernels = new CoreKernels(engine, 2)) {
                    kernels.prefill(cache, c.length(), scale, out);
                }
                double error = maxRelative(out, expected);
                assertTrue(error <= (engine.float64() ? F64_TOLERANCE : F32_TOLERANCE),
                        c.shape().label() + " prefill " + engine + ": max relative error " + error);
            }
        }
    }

    @Test
    void engineAndCachePrecisionMustMatch() {
        Case c = groupedCase(10, 1);
        CoreCache cache = CoreCache.of(c.shape(), 10, 1, false, c.keys(), c.values(), c.queries());
        try (CoreKernels kernels = new CoreKernels(CoreKernels.Engine.F64_LOOPS, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.decode(cache, 0, 10, 1, new double[6 * 7]));
            assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64 loops"), e.getMessage());
        }
    }

    @Test
    void lengthBeyondCapacityIsRejectedNamingTheBound() {
        Case c = groupedCase(10, 1);
        CoreCache cache = CoreCache.of(c.shape(), 10, 1, true, c.keys(), c.values(), c.queries());
        try (CoreKernels kernels = new CoreKernels(CoreKernels.Engine.F64_LOOPS, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.decode(cache, 0, 11, 1, new double[6 * 7]));
            assertEquals("length (11) must be in [1, 10]", e.getMessage());
        }
    }
}
