package dev.attnref.golden;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;

import java.util.Arrays;

/**
 * The precision a port computes in, as {@code golden verify --precision} names it: bf16, fp16, fp32 or fp64.
 * bf16 and fp16 are judged by FlashAttention's rule against a case's stored baseline error
 * ({@link Tolerance#lowPrecision}); fp32 and fp64 by the case's fixed tolerances ({@link Tolerance#FLOAT32},
 * {@link Tolerance#FLOAT64}).
 */
public enum Precision {
    BF16("bf16", DType.BF16),
    FP16("fp16", DType.F16),
    FP32("fp32", DType.F32),
    FP64("fp64", DType.F64);

    private final String cliName;
    private final DType dtype;

    Precision(String cliName, DType dtype) {
        this.cliName = cliName;
        this.dtype = dtype;
    }

    /** The name on the command line and in manifests: bf16, fp16, fp32, fp64. */
    public String cliName() {
        return cliName;
    }

    /** The safetensors dtype of values held in this precision. */
    public DType dtype() {
        return dtype;
    }

    /**
     * The name in the tables and JSON of {@code golden judge} and {@code golden zoo}: float32 and float64 spelled out,
     * as their committed outputs spell them; bf16 and fp16 as on the command line.
     */
    public String label() {
        return switch (this) {
            case FP32 -> "float32";
            case FP64 -> "float64";
            default -> cliName;
        };
    }

    /** Whether the case's stored baseline error, not a fixed tolerance, judges this precision. */
    public boolean isLow() {
        return this == BF16 || this == FP16;
    }

    /** {@code x} rounded to the nearest value of this precision (ties to even; overflow to ±∞). */
    public double round(double x) {
        return switch (this) {
            case BF16 -> Bfloat16.round(x);
            case FP16 -> Float16.round(x);
            case FP32 -> (float) x;
            case FP64 -> x;
        };
    }

    /** Parses bf16, fp16, fp32 or fp64; {@code where} names the option or field in the message. */
    public static Precision parse(String name, String where) {
        for (Precision p : values()) {
            if (p.cliName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(where + " is \"" + name + "\"; expected one of "
                + Arrays.stream(values()).map(Precision::cliName).toList());
    }

    /** The low precision whose values a tensor of {@code dtype} holds (BF16, F16), or null for any other dtype. */
    public static Precision ofStored(DType dtype) {
        return dtype == DType.BF16 ? BF16 : dtype == DType.F16 ? FP16 : null;
    }
}
