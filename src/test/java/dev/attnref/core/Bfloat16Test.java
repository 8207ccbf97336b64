package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.peer.TorchPeer;
import org.junit.jupiter.api.Test;

/**
 * bfloat16 (and binary16) rounding: bit patterns worked out by hand from the format (sign | 8-bit exponent,
 * bias 127 | 7-bit mantissa), ties to even, float32 subnormals, overflow to ∞, NaN; then PyTorch 2.10's own
 * conversion ({@code x.to(torch.bfloat16)}, {@code x.to(torch.float16)}) bit for bit on values chosen to sit on
 * and around every kind of boundary.
 */
class Bfloat16Test {
    @Test
    void knownBitPatterns() {
        assertEquals((short) 0x3F80, Bfloat16.toBits(1.0f));                    // 2^0: exponent 127
        assertEquals((short) 0xC000, Bfloat16.toBits(-2.0f));                   // −2^1
        assertEquals((short) 0x3EAB, Bfloat16.toBits(1f / 3));                  // 1.0101011·2^−2 = 0.333984375
        assertEquals(0.333984375, Bfloat16.toDouble((short) 0x3EAB));
        assertEquals((short) 0x7F7F, Bfloat16.toBits(0x1.FEp127f));             // largest finite: (2 − 2^−7)·2^127
        assertEquals((short) 0x0080, Bfloat16.toBits(0x1.0p-126f));             // smallest normal
        assertEquals((short) 0x0001, Bfloat16.toBits(0x1.0p-133f));             // smallest subnormal: 2^−126 · 2^−7
        assertEquals((short) 0x8000, Bfloat16.toBits(-0.0f));
        assertEquals((short) 0x7F80, Bfloat16.toBits(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xFF80, Bfloat16.toBits(Float.NEGATIVE_INFINITY));
    }

    @Test
    void roundsToNearestEvenAndOverflowsToInfinity() {
        // 1 + 2^−8 lies halfway between 1 and 1 + 2^−7: ties go to the even mantissa (1.0).
        assertEquals(1.0, Bfloat16.round(1 + 0x1.0p-8));
        // 1 + 3·2^−8 lies halfway between 1 + 2^−7 (odd) and 1 + 2^−6 (even).
        assertEquals(1 + 0x1.0p-6, Bfloat16.round(1 + 3 * 0x1.0p-8));
        // A hair above the tie rounds up, a hair below rounds down.
        assertEquals(1 + 0x1.0p-7, Bfloat16.round(1 + 0x1.0p-8 + 0x1.0p-20));
        assertEquals(1.0, Bfloat16.round(1 + 0x1.0p-8 - 0x1.0p-20));
        // (2 − 2^−8)·2^127 is halfway between the largest finite and 2^128 (= ∞): the even neighbour is ∞.
        assertEquals(Double.POSITIVE_INFINITY, Bfloat16.round(0x1.FFp127));
        assertEquals(0x1.FEp127, Bfloat16.round(0x1.FEFFFEp127));
        assertEquals(Double.NEGATIVE_INFINITY, Bfloat16.round(-Float.MAX_VALUE));
        // Subnormals: half the smallest bf16 subnormal ties to 0; 1.5 of it ties to 2 (even).
        assertEquals(0.0, Bfloat16.round(0x1.0p-134));
        assertEquals(0x1.0p-132, Bfloat16.round(3 * 0x1.0p-134));
        // float32's smallest subnormal is far below half a bf16 subnormal: 0 with its sign.
        assertEquals((short) 0x8000, Bfloat16.toBits(-Float.MIN_VALUE));
    }

    @Test
    void nanStaysAQuietNanOfTheSameSign() {
        assertEquals((short) 0x7FC0, Bfloat16.toBits(Float.NaN));
        // A signalling NaN whose payload lies only in the dropped bits must not become ∞.
        assertEquals((short) 0x7FC0, Bfloat16.toBits(Float.intBitsToFloat(0x7F800001)));
        assertEquals((short) 0xFFC0, Bfloat16.toBits(Float.intBitsToFloat(0xFF800001)));
        assertTrue(Double.isNaN(Bfloat16.round(Double.NaN)));
    }

    @Test
    void everyBfloat16ValueRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            double v = Bfloat16.toDouble((short) bits);
            if (!Double.isNaN(v)) {
                assertEquals((short) bits, Bfloat16.toBits((float) v), "bits 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void pyTorchRoundsEveryValueAsWeDo() {
        float[] values = boundaryValues();
        TorchPeer torch = new TorchPeer(1);
        float[] bf16 = torch.roundTrip(values, TorchPeer.Precision.BFLOAT16);
        float[] fp16 = torch.roundTrip(values, TorchPeer.Precision.FLOAT16);
        for (int i = 0; i < values.length; i++) {
            String what = "x = " + values[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(values[i])) + ")";
            assertEquals(Float.floatToIntBits((float) Bfloat16.round(values[i])), Float.floatToIntBits(bf16[i]), "bf16 of " + what);
            assertEquals(Float.floatToIntBits((float) Float16.round(values[i])), Float.floatToIntBits(fp16[i]), "fp16 of " + what);
        }
    }

    /**
     * Random float32 bit patterns (every exponent), every bf16 and fp16 tie and its two neighbours, the binary16
     * overflow and subnormal boundaries, ±0, ±∞ and NaN.
     */
    private static float[] boundaryValues() {
        SeededRandom random = new SeededRandom(14);
        float[] values = new float[4096 + 3 * 512 + 3 * 512 + 12];
        int n = 0;
        for (int i = 0; i < 4096; i++) {
            values[n++] = Float.intBitsToFloat((int) random.nextLong());
        }
        for (int i = 0; i < 512; i++) {
            // a bf16 tie: kept bits random, dropped bits exactly 0x8000; and one float ulp either side
            int tie = ((int) random.nextLong() & 0x7F7F0000 | (i & 1) << 31) | 0x8000;
            values[n++] = Float.intBitsToFloat(tie);
            values[n++] = Float.intBitsToFloat(tie + 1);
            values[n++] = Float.intBitsToFloat(tie - 1);
        }
        for (int i = 0; i < 512; i++) {
            // an fp16 tie within binary16's range: 2^−24 … 65504, half an fp16 ulp past a representable value
            float half = (float) Float16.toDouble((short) ((int) (random.nextDouble() * 0x7BFF)));
            float tie = (float) (half + fp16Ulp(half) / 2);                    // exact: 12 significant bits
            values[n++] = tie;
            values[n++] = Math.nextUp(tie);
            values[n++] = Math.nextDown(tie);
        }
        float[] special = {65504f, 65519.99f, 65520f, 0x1.0p-24f, 0x1.0p-25f, 0x1.8p-25f, 0f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -Float.MAX_VALUE};
        System.arraycopy(special, 0, values, n, special.length);
        return values;
    }

    /** The spacing of binary16 values at {@code x} (2^−24 among subnormals). */
    private static double fp16Ulp(float x) {
        int exponent = Math.max(Math.getExponent(x), -14);
        return Math.scalb(1.0, exponent - 10);
    }
}
