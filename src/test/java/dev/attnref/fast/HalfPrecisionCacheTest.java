package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static dev.attnref.fast.Engines.VECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.property.AttentionShapes;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * Decode over a bf16 or fp16 cache ({@link HalfPrecisionCache}): the values it holds are the inputs
 * rounded to nearest even, and its outputs obey two accuracy claims against the float64 oracle:
 * <ol>
 *   <li>on the values the cache holds, it is as accurate as the float32 decode (K times the plain float32
 *       loop's error, floor one float32 ulp of max |v|; {@link Tolerances});</li>
 *   <li>on the unrounded inputs, it is within the bound derived in {@link HalfPrecisionCache} from the
 *       rounding of the cached values, plus claim 1's float32 error.</li>
 * </ol>
 * Claim 1 catches any mistake of widening or layout (they move outputs by far more than float32 error);
 * claim 2 states what a user of a 16-bit cache gets.
 */
class HalfPrecisionCacheTest {
    @Test
    void decodeOverA16BitCacheIsWithinTheRoundingBoundOfTheOracle() {
        Property.of("decodeOverA16BitCacheIsWithinTheRoundingBoundOfTheOracle", FastCase.shapes())
                .tries(24)
                .coverage(AttentionShapes.regimes())
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .classify("Dv > 32 (several int pairs per row)", s -> s.valueDim() > 32)
                .require("S > decode chunk", "Dv > 32 (several int pairs per row)")
                .check(HalfPrecisionCacheTest::withinRoundingBound);
    }

    static void withinRoundingBound(AttnShape shape, SeededRandom data) {
        // one seed and masking mode for the exact case and the case as the cache holds it
        long seed = data.nextLong();
        FastCase.Masking masking = FastCase.Masking.values()[data.nextInt(FastCase.Masking.values().length)];
        FastCase exact = FastCase.draw(shape, new SeededRandom(seed), masking);
        double[] truth = exact.reference();
        for (HalfPrecisionCache.Format format : HalfPrecisionCache.Format.values()) {
            // The same case with k and v as the cache holds them.
            FastCase held = FastCase.draw(shape, new SeededRandom(seed), masking, x -> FastCase.rounded(format, x));
            double[] onHeld = held.reference();
            double plainError = FastCase.maxAbsError(held.plain(), onHeld);
            double float32 = Tolerances.PLAIN_ERROR_MULTIPLE
                    * Math.max(plainError, Tolerances.FLOAT32_ULP * maxAbs(held.v));
            double rounding = roundingBound(format, exact);
            HalfPrecisionCache cache = HalfPrecisionCache.of(format, exact.dims, exact.k, exact.v);
            for (FastAttention fast : BOTH) {
                float[] out = new float[exact.dims.outputCount()];
                fast.decode(exact.dims, exact.q, cache, exact.options, out);
                double errorOnHeld = FastCase.maxAbsError(out, onHeld);
                double errorOnExact = FastCase.maxAbsError(out, truth);
                String what = fast.kernels() + " " + format + " decode of " + exact;
                assertTrue(errorOnHeld <= float32, () -> what + ": max |out − oracle(held k, v)| = " + errorOnHeld
                        + " exceeds K·max(plain error, floor) = " + float32);
                assertTrue(errorOnExact <= rounding + float32, () -> what + ": max |out − oracle(k, v)| = "
                        + errorOnExact + " exceeds the rounding bound " + rounding + " + " + float32);
            }
        }
    }

    /**
     * (e^{2E} − 1)·V + u·V + η, {@link HalfPrecisionCache}'s bound, with E = scale·max over query rows of
     * Σ_d |q_d|(u·max_s |k_{s,d}| + η): every row against the largest key entry of each column, an upper
     * bound on the derivation's E whatever the mask.
     */
    static double roundingBound(HalfPrecisionCache.Format format, FastCase c) {
        double u = format.unitRoundoff();
        double eta = format.subnormalError();
        int d = c.dims.headDim();
        double[] largestKey = new double[d];
        for (int i = 0; i < c.k.length; i++) {
            largestKey[i % d] = Math.max(largestKey[i % d], Math.abs(c.k[i]));
        }
        double worst = 0;
        for (int row = 0; row < c.q.length / d; row++) {
            double sum = 0;
            for (int i = 0; i < d; i++) {
                sum += Math.abs(c.q[row * d + i]) * (u * largestKey[i] + eta);
            }
            worst = Math.max(worst, sum);
        }
        double e = c.options.effectiveScale(c.dims) * worst;
        double v = maxAbs(c.v);
        return Math.expm1(2 * e) * v + u * v + eta;
    }

    @Test
    void roundingIsToNearestEvenAsAFloat64ReferenceRoundsIt() {
        SeededRandom data = new SeededRandom(7);
        for (int i = 0; i < 20_000; i++) {
            // magnitudes over fp16's whole range, subnormals included
            float x = (float) (data.uniform(-1, 1) * Math.scalb(1.0, data.intBetween(-26, 15)));
            assertEquals(reference(x, 8, -126), HalfPrecisionCache.Format.BF16.round(x), 0f, "bf16 of " + x);
            assertEquals(reference(x, 11, -14), HalfPrecisionCache.Format.FP16.round(x), 0f, "fp16 of " + x);
        }
    }

    @Test
    void tiesGoToEvenAndTheEdgesOfFp16AreExact() {
        HalfPrecisionCache.Format bf16 = HalfPrecisionCache.Format.BF16;
        HalfPrecisionCache.Format fp16 = HalfPrecisionCache.Format.FP16;
        // bf16 spacing at 1 is 2⁻⁷: 1 + 2⁻⁸ ties to 1 (even); 1 + 3·2⁻⁸ ties to 1 + 2⁻⁶ (even)
        assertEquals(1f, bf16.round(1f + 0x1.0p-8f));
        assertEquals(1f + 0x1.0p-6f, bf16.round(1f + 3 * 0x1.0p-8f));
        // fp16: 2⁻²⁵ ties to 0, 3·2⁻²⁵ ties to 2⁻²³; 65504 is the largest finite value; −0 keeps its sign
        assertEquals(0f, fp16.round(0x1.0p-25f));
        assertEquals(0x1.0p-23f, fp16.round(3 * 0x1.0p-25f));
        assertEquals(0x1.0p-24f, fp16.round(0x1.0p-24f));
        assertEquals(65504f, fp16.round(65519f));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(fp16.round(-0f)));
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class, () -> fp16.round(65520f));
        assertEquals("value (65520.0) overflows FP16 (largest finite 65504)", overflow.getMessage());
    }

    @Test
    void theCacheHoldsEachValueAtItsPlaceInTheLayout() {
        // B = 1, G = 2, D = 3, Dv = 40 (a row of two 32-value blocks), 70 tokens (two key tiles), appended in two steps
        AttentionDims dims = new AttentionDims(1, 2, 2, 1, 70, 3, 40);
        SeededRandom data = new SeededRandom(8);
        float[] k = data.floats(dims.keyCount(), -1, 1);
        float[] v = data.floats(dims.valueCount(), -1, 1);
        for (HalfPrecisionCache.Format format : HalfPrecisionCache.Format.values()) {
            HalfPrecisionCache cache = HalfPrecisionCache.of(format, dims, k, v);
            boolean fp16 = format == HalfPrecisionCache.Format.FP16;
            for (int g = 0; g < 2; g++) {
                for (int s = 0; s < 70; s++) {
                    for (int d = 0; d < 3; d++) {
                        // Kᵀ tile row (g, ⌊s/64⌋, d) of 32 ints, value s mod 64
                        int row = (g * cache.tiles() + s / TileEngine.TILE) * 3 * (TileEngine.TILE / 2) + d * (TileEngine.TILE / 2);
                        assertEquals(format.round(k[(g * 70 + s) * 3 + d]),
                                HalfPrecisionCache.read(cache.keys(), row, s % TileEngine.TILE, fp16), "k");
                    }
                    for (int e = 0; e < 40; e++) {
                        assertEquals(format.round(v[(g * 70 + s) * 40 + e]),
                                HalfPrecisionCache.read(cache.values(), (g * 70 + s) * cache.valueRow(), e, fp16), "v");
                    }
                }
            }
        }
        // value j sits in int 16·⌊j/32⌋ + j mod 16: j = 0 → 0, 16 → 0 (high half), 33 → 17, 63 → 31
        assertEquals(java.util.List.of(0, 0, 17, 31), java.util.List.of(HalfPrecisionCache.pairIndex(0),
                HalfPrecisionCache.pairIndex(16), HalfPrecisionCache.pairIndex(33), HalfPrecisionCache.pairIndex(63)));
    }

    @Test
    void badInputIsRefusedByName() {
        AttentionDims dims = new AttentionDims(1, 2, 1, 1, 4, 2, 2);
        float[] k = {0, 1, 2, 3, 4, 5, 6, Float.NaN};
        float[] v = new float[8];
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> HalfPrecisionCache.of(HalfPrecisionCache.Format.BF16, dims, k, v));
        assertEquals("k[7] (NaN) is not finite; a BF16 cache holds finite values", nan.getMessage());
        HalfPrecisionCache cache = HalfPrecisionCache.of(HalfPrecisionCache.Format.FP16, dims, new float[8], v);
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                () -> cache.append(new float[2], new float[2], 1));
        assertEquals("appending 1 tokens to 4 exceeds the capacity (4)", full.getMessage());
        AttentionDims longer = new AttentionDims(1, 2, 1, 1, 5, 2, 2);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.decode(longer, new float[4], cache, FastAttentionOptions.none(), new float[4]));
        assertEquals("cache holds [B=1, G=1, S=4, D=2, Dv=2]; expected [B=1, G=1, S=5, D=2, Dv=2]", shape.getMessage());
    }

    /** x rounded to nearest even with {@code bits} significant bits and smallest normal exponent {@code minExponent}, in float64. */
    private static float reference(float x, int bits, int minExponent) {
        double a = x;
        int exponent = Math.max(Math.getExponent(a), minExponent);   // below the normals the spacing stays fixed
        double spacing = Math.scalb(1.0, exponent - (bits - 1));
        return (float) (Math.rint(a / spacing) * spacing);
    }

    private static double maxAbs(float[] x) {
        double max = 0;
        for (float value : x) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
