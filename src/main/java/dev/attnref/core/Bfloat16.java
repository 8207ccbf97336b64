package dev.attnref.core;

/**
 * bfloat16 conversions: the upper 16 bits of an IEEE 754 binary32 (sign, the same 8-bit exponent,
 * 7 mantissa bits), so every float32 exponent, subnormals included, is kept and only mantissa bits are
 * dropped. Rounding is to nearest, ties to even; values past the largest finite bfloat16
 * (≈ 3.3895·10³⁸) round to ±∞; NaN stays a quiet NaN of the same sign. Checked by {@code Bfloat16Test}
 * (bit patterns worked out by hand, and PyTorch 2.10's {@code .to(torch.bfloat16)} bit for bit).
 */
public final class Bfloat16 {
    private Bfloat16() {
    }

    /** {@code x} rounded to the nearest bfloat16 value, as a double (through binary32 first, as PyTorch casts a double). */
    public static double round(double x) {
        return toDouble(toBits((float) x));
    }

    /** binary32 → bfloat16 bits. */
    public static short toBits(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);                      // keep the sign, set the quiet bit
        }
        // Add half an ulp of the kept part, minus one when the kept part is even: ties go to even,
        // and a carry out of the mantissa raises the exponent (up to ∞) exactly as rounding should.
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** bfloat16 bits → value (exact: the bits are the top half of a binary32). */
    public static double toDouble(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
