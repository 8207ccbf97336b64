package dev.attnref.core;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.floatToFloat16}). Rounding is to
 * nearest, ties to even; overflow gives ±∞; NaN stays NaN. Checked by {@code Float16Test}.
 */
public final class Float16 {
    private Float16() {
    }

    /** {@code x} rounded to the nearest binary16 value, as a double (through binary32 first, as ONNX casts). */
    public static double round(double x) {
        return toDouble(toBits((float) x));
    }

    /** binary32 → binary16 bits. */
    public static short toBits(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;                 // rebias 127 → 15
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;            // below half the smallest subnormal: ±0
            }
            // Subnormal: value = m · 2^(e−25) with the implicit 1 restored; keep 10 − (1 − e) bits.
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;                             // a carry into the exponent is the correct rounding, up to ∞
        }
        return (short) (sign | half);
    }

    /** binary16 bits → value. */
    public static double toDouble(short h) {
        int bits = h & 0xFFFF;
        double sign = (bits & 0x8000) != 0 ? -1.0 : 1.0;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            return sign * mant * 0x1.0p-24;
        }
        if (exp == 0x1F) {
            return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return sign * (1024 + mant) * Math.scalb(1.0, exp - 25);
    }
}
