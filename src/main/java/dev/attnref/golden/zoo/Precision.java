package dev.attnref.golden.zoo;

import dev.attnref.golden.Bfloat16;

/**
 * The number format a {@link PlainPort} stores its tensors in. Every tensor a plain port would hold in
 * memory (inputs, weights, each operation's result) is rounded to it; sums and the insides of one
 * operation (a dot product, a softmax row, a norm) run in float32, as PyTorch's CPU and CUDA kernels do
 * for bf16 tensors.
 *
 * <ul>
 *   <li>{@link #FLOAT32}: IEEE binary32, round to nearest even ({@code (float) x}).</li>
 *   <li>{@link #BF16}: bfloat16 ({@link Bfloat16}: 8 significant bits, unit roundoff 2⁻⁸, round to nearest
 *       even as PyTorch converts). Its exponent range is binary32's: {@code exp} overflows above ≈ 88.72 in
 *       both.</li>
 * </ul>
 */
public enum Precision {
    FLOAT32("float32") {
        @Override
        double round(double x) {
            return (float) x;
        }
    },
    BF16("bf16") {
        @Override
        double round(double x) {
            return Bfloat16.round(x);
        }
    };

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    /** The name in tables and JSON: {@code float32} or {@code bf16}. */
    public String label() {
        return label;
    }

    /** {@code x} as stored in this format, widened back to a double (exactly). */
    abstract double round(double x);

    /** Every element rounded (a copy). */
    double[] round(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = round(x[i]);
        }
        return out;
    }
}
