package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Rope}: a hand-computed rotation, then its laws on seeded random inputs (each failure
 * names the seed and shape): identity at position 0, norm preservation, logits that depend only
 * on the position difference, and agreement of the two pairings after
 * {@link Rope#interleavedToSplitHalves(int)}.
 */
class RopeTest {
    private static final RopePairing[] PAIRINGS = RopePairing.values();

    @Test
    void positionOneRotatesTheFirstPairByOneRadian() {
        // P = 2: one pair, angle 1 · θ^0 = 1 rad. (1, 0) → (cos 1, sin 1); (0, 1) → (−sin 1, cos 1).
        // cos 1 = 0.54030230586813971740…, sin 1 = 0.84147098480789650665…
        for (RopePairing pairing : PAIRINGS) {
            Tensor out = Rope.standard(2, pairing).apply(Tensor.of(new double[] {0, 0, 1, 0, 0, 1}, 3, 2), new int[] {0, 1, 1});
            double[] v = out.toArray();
            assertEquals(0.0, v[0], pairing.name());
            assertEquals(0.0, v[1], pairing.name());
            assertEquals(0.54030230586813971740, v[2], Tolerances.ROTATION_EXACT_ANGLE, pairing.name());
            assertEquals(0.84147098480789650665, v[3], Tolerances.ROTATION_EXACT_ANGLE, pairing.name());
            assertEquals(-0.84147098480789650665, v[4], Tolerances.ROTATION_EXACT_ANGLE, pairing.name());
            assertEquals(0.54030230586813971740, v[5], Tolerances.ROTATION_EXACT_ANGLE, pairing.name());
        }
    }

    @Test
    void secondPairTurnsSlowerAndEachPairingPicksItsOwnPartners() {
        // P = 4, θ = 10000, position 1: pair 0 turns 1 rad, pair 1 turns 10000^(−2/4) = 0.01 rad.
        // cos 0.01 = 0.99995000041666527778…, sin 0.01 = 0.0099998333341666646825…
        double cos1 = 0.54030230586813971740;
        double sin1 = 0.84147098480789650665;
        double cosSmall = 0.99995000041666527778;
        double sinSmall = 0.0099998333341666646825;
        // Interleaved pairs (0, 1), (2, 3): x = (1, 0, 1, 0) → (cos 1, sin 1, cos .01, sin .01).
        double[] interleaved = Rope.standard(4, RopePairing.INTERLEAVED)
                .apply(Tensor.of(new double[] {1, 0, 1, 0}, 1, 4), 1).toArray();
        assertArrayEquals(new double[] {cos1, sin1, cosSmall, sinSmall}, interleaved, Tolerances.ROTATION_ROUNDED_ANGLE);
        // Split halves pairs (0, 2), (1, 3): x = (1, 1, 0, 0) → (cos 1, cos .01, sin 1, sin .01).
        double[] split = Rope.standard(4, RopePairing.SPLIT_HALVES)
                .apply(Tensor.of(new double[] {1, 1, 0, 0}, 1, 4), 1).toArray();
        assertArrayEquals(new double[] {cos1, cosSmall, sin1, sinSmall}, split, Tolerances.ROTATION_ROUNDED_ANGLE);
    }

    @Test
    void angleIsPositionTimesThetaToTheMinusTwoIOverP() {
        Rope rope = Rope.standard(4, RopePairing.INTERLEAVED);
        assertEquals(10000.0, rope.theta());
        // 3 · 10000^0 = 3; 3 · 10000^(−1/2) = 0.03; 0 · anything = 0.
        assertEquals(3.0, rope.angle(3, 0));
        assertEquals(0.03, rope.angle(3, 1), Tolerances.ANGLE);
        assertEquals(0.0, rope.angle(0, 1));
        // θ = 4, P = 2, pair 0 is always θ^0; P = 4, pair 1 is 4^(−1/2) = 0.5 per position.
        assertEquals(2.5, new Rope(4, 4.0, RopePairing.SPLIT_HALVES).angle(5, 1));
    }

    @Test
    void positionZeroIsTheIdentity() {
        // cos 0 = 1 and sin 0 = 0 exactly, so x·1 − y·0 = x bit for bit.
        for (long seed = 1; seed <= 5; seed++) {
            for (RopePairing pairing : PAIRINGS) {
                SeededRandom random = new SeededRandom(seed);
                int[] shape = {2, 1 + random.nextInt(3), 1 + random.nextInt(4), 2 * (1 + random.nextInt(4))};
                Tensor x = Tensor.randn(random, 1.0, shape);
                Tensor out = Rope.standard(shape[3], pairing).apply(x, new int[shape[2]]);
                assertTrue(out.bitwiseEquals(x), "seed " + seed + ", shape " + Arrays.toString(shape) + ", " + pairing);
            }
        }
    }

    @Test
    void rotationPreservesNormsAndPassesExtraDimensionsThrough() {
        for (long seed = 1; seed <= 20; seed++) {
            for (RopePairing pairing : PAIRINGS) {
                SeededRandom random = new SeededRandom(seed);
                int rotary = 2 * (1 + random.nextInt(4));
                int extra = random.nextInt(3);
                int[] shape = {1 + random.nextInt(2), 1 + random.nextInt(5), rotary + extra};
                Tensor x = Tensor.randn(random, 1.0, shape);
                int start = random.nextInt(5000);
                double[] in = x.toArray();
                double[] out = Rope.standard(rotary, pairing).apply(x, start).toArray();
                String where = "seed " + seed + ", shape " + Arrays.toString(shape) + ", P " + rotary + ", start "
                        + start + ", " + pairing;
                int width = shape[2];
                for (int row = 0; row < in.length / width; row++) {
                    double before = 0;
                    double after = 0;
                    for (int d = 0; d < rotary; d++) {
                        before += in[row * width + d] * in[row * width + d];
                        after += out[row * width + d] * out[row * width + d];
                    }
                    // Each pair's rotation keeps a² + b² up to a few roundings: relative 1e-14.
                    assertEquals(before, after, Tolerances.ROTATION_NORM_RELATIVE * before, where + ", row " + row);
                    for (int d = rotary; d < width; d++) {
                        assertEquals(in[row * width + d], out[row * width + d], where + ", pass-through " + d);
                    }
                }
            }
        }
    }

    @Test
    void logitDependsOnlyOnThePositionDifference() {
        // ⟨R(m)q, R(n)k⟩ = ⟨q, R(n − m)k⟩: shifting both positions by Δ leaves it unchanged.
        for (long seed = 1; seed <= 20; seed++) {
            for (RopePairing pairing : PAIRINGS) {
                SeededRandom random = new SeededRandom(seed);
                int rotary = 2 * (1 + random.nextInt(8));
                Rope rope = Rope.standard(rotary, pairing);
                Tensor q = Tensor.randn(random, 1.0, 1, rotary);
                Tensor k = Tensor.randn(random, 1.0, 1, rotary);
                int m = random.nextInt(100);
                int n = random.nextInt(100);
                int shift = random.nextInt(3000);
                double logit = dot(rope.apply(q, m), rope.apply(k, n));
                double shifted = dot(rope.apply(q, m + shift), rope.apply(k, n + shift));
                // Angles up to ~3100 rad lose ~3100·2⁻⁵³ ≈ 3.4e-13 to rounding before cos/sin.
                assertEquals(logit, shifted, Tolerances.SHIFTED_LOGIT, "seed " + seed + ", P " + rotary + ", m " + m + ", n " + n
                        + ", shift " + shift + ", " + pairing);
            }
        }
    }

    @Test
    void pairingsAgreeAfterThePermutation() {
        // splitHalves(perm(x)) = perm(interleaved(x)) exactly: the same pair meets the same angle
        // with the same arithmetic, only stored elsewhere. Logits then agree to rounding.
        for (long seed = 1; seed <= 20; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int rotary = 2 * (1 + random.nextInt(8));
            int rows = 1 + random.nextInt(6);
            int start = random.nextInt(1000);
            int[] perm = Rope.interleavedToSplitHalves(rotary);
            Tensor q = Tensor.randn(random, 1.0, rows, rotary);
            Tensor k = Tensor.randn(random, 1.0, rows, rotary);
            Tensor qInterleaved = Rope.standard(rotary, RopePairing.INTERLEAVED).apply(q, start);
            Tensor kInterleaved = Rope.standard(rotary, RopePairing.INTERLEAVED).apply(k, start);
            Tensor qSplit = Rope.standard(rotary, RopePairing.SPLIT_HALVES).apply(permuteLast(q, perm), start);
            Tensor kSplit = Rope.standard(rotary, RopePairing.SPLIT_HALVES).apply(permuteLast(k, perm), start);
            String where = "seed " + seed + ", rows " + rows + ", P " + rotary + ", start " + start;
            assertTrue(qSplit.bitwiseEquals(permuteLast(qInterleaved, perm)), where);
            assertEquals(dot(qInterleaved, kInterleaved), dot(qSplit, kSplit), Tolerances.REORDERED_DOT, where);
        }
    }

    @Test
    void interleavedToSplitHalvesSendsEvenIndicesFirst() {
        // splitHalves[j] = interleaved[perm[j]]: first half 0, 2, 4; second half 1, 3, 5.
        assertArrayEquals(new int[] {0, 2, 4, 1, 3, 5}, Rope.interleavedToSplitHalves(6));
        assertArrayEquals(new int[] {0, 1}, Rope.interleavedToSplitHalves(2));
        assertEquals("rotaryDim (3) must be even: dimensions rotate in pairs",
                assertThrows(IllegalArgumentException.class, () -> Rope.interleavedToSplitHalves(3)).getMessage());
        assertEquals("rotaryDim (0) must be positive",
                assertThrows(IllegalArgumentException.class, () -> Rope.interleavedToSplitHalves(0)).getMessage());
    }

    @Test
    void startOffsetNumbersRowsFromStart() {
        // apply(x, 7) on three rows is apply(x, {7, 8, 9}); the batch axis repeats the positions.
        Rope rope = Rope.standard(4, RopePairing.SPLIT_HALVES);
        Tensor x = Tensor.randn(new SeededRandom(6), 1.0, 2, 3, 4);
        assertTrue(rope.apply(x, 7).bitwiseEquals(rope.apply(x, new int[] {7, 8, 9})));
        // Batch row 1, t = 2 is at position 9 whatever the batch.
        Tensor row = x.narrow(0, 1, 1).narrow(1, 2, 1).contiguous().view(1, 4);
        Tensor alone = rope.apply(row, 9);
        assertArrayEquals(alone.toArray(), rope.apply(x, 7).narrow(0, 1, 1).narrow(1, 2, 1).toArray());
    }

    @Test
    void rejectsBadConfigurationsAndInputs() {
        assertEquals("rotaryDim (3) must be even: dimensions rotate in pairs", rejects(() -> Rope.standard(3, RopePairing.INTERLEAVED)));
        assertEquals("rotaryDim (0) must be positive", rejects(() -> Rope.standard(0, RopePairing.INTERLEAVED)));
        assertEquals("theta (0.0) must be finite and positive", rejects(() -> new Rope(4, 0.0, RopePairing.INTERLEAVED)));
        assertEquals("theta (Infinity) must be finite and positive",
                rejects(() -> new Rope(4, Double.POSITIVE_INFINITY, RopePairing.INTERLEAVED)));
        assertEquals("pairing must not be null", rejects(() -> new Rope(4, 10000, null)));
        Rope rope = Rope.standard(4, RopePairing.INTERLEAVED);
        assertEquals("RoPE input has shape [3, 2]; expected [..., 3, ≥4] (one row per position)",
                rejects(() -> rope.apply(Tensor.zeros(3, 2), 0)));
        assertEquals("RoPE input has shape [3, 4]; expected [..., 2, ≥4] (one row per position)",
                rejects(() -> rope.apply(Tensor.zeros(3, 4), new int[] {0, 1})));
        assertEquals("position (-1) must be non-negative", rejects(() -> rope.apply(Tensor.zeros(1, 4), new int[] {-1})));
        assertEquals("start position (-2) must be non-negative", rejects(() -> rope.apply(Tensor.zeros(1, 4), -2)));
    }

    private static String rejects(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toArray();
        double[] y = b.toArray();
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /** out[..., j] = x[..., perm[j]] over the last axis. */
    private static Tensor permuteLast(Tensor x, int[] perm) {
        double[] in = x.toArray();
        double[] out = new double[in.length];
        int width = perm.length;
        for (int row = 0; row < in.length / width; row++) {
            for (int j = 0; j < width; j++) {
                out[row * width + j] = in[row * width + perm[j]];
            }
        }
        return Tensor.of(out, x.shape());
    }
}
