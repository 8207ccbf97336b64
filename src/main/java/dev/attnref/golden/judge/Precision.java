package dev.attnref.golden.judge;

/**
 * The precision a runtime is judged in. Inputs are handed over exactly representable in it: the golden
 * inputs are float32 already; for bf16 they are rounded to nearest-even first, and the float64 reference
 * is recomputed on the rounded values, so the judged error is the runtime's own.
 */
enum Precision {
    FLOAT32("float32"),
    BF16("bf16");

    private final String id;

    Precision(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }

    /** x rounded to this precision (x is a float32 value, as every golden input is). */
    double round(double x) {
        return this == FLOAT32 ? (float) x : bf16(x);
    }

    /**
     * x rounded to bfloat16 (8 significant bits: the top 16 bits of a float32), to nearest, ties to even;
     * ±∞ and NaN kept. bf16(x) = float32 bits of x + 0x7FFF + (bit 16), low 16 bits cleared.
     */
    static double bf16(double x) {
        float f = (float) x;
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            return f;
        }
        int bits = Float.floatToRawIntBits(f);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }
}
