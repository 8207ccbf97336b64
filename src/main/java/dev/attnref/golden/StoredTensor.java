package dev.attnref.golden;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: element type, shape, and values in row-major order. Float and
 * bool tensors hold their values as {@code double} (F32, F16 and BF16 values are exactly representable;
 * BOOL is 0.0/1.0); I64 tensors hold {@code long}s.
 */
public record StoredTensor(DType dtype, int[] shape, double[] values, long[] integers) {
    public StoredTensor {
        shape = shape.clone();
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative size");
            }
            n *= s;
        }
        int count = dtype.isFloatLike() ? values.length : integers.length;
        if (count != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values; got " + count);
        }
    }

    /** A float64 tensor. */
    public static StoredTensor f64(Tensor t) {
        return new StoredTensor(DType.F64, t.shape(), t.toArray(), null);
    }

    /** A float tensor of the given float dtype; values are rounded to it (round to nearest even). */
    public static StoredTensor ofFloats(DType dtype, int[] shape, double[] values) {
        double[] rounded = values.clone();
        for (int i = 0; i < rounded.length; i++) {
            rounded[i] = switch (dtype) {
                case F64 -> rounded[i];
                case F32 -> (float) rounded[i];
                case F16 -> Float16.round(rounded[i]);
                case BF16 -> Bfloat16.round(rounded[i]);
                case BOOL -> {
                    if (rounded[i] != 0.0 && rounded[i] != 1.0) {
                        throw new IllegalArgumentException("BOOL value " + rounded[i] + " at index " + i + " is not 0 or 1");
                    }
                    yield rounded[i];
                }
                case I64 -> throw new IllegalArgumentException("I64 values must be given as longs");
            };
        }
        return new StoredTensor(dtype, shape, rounded, null);
    }

    /** A 0/1 boolean tensor. */
    public static StoredTensor bool(Tensor t) {
        return ofFloats(DType.BOOL, t.shape(), t.toArray());
    }

    /** An int64 tensor. */
    public static StoredTensor i64(int[] shape, long[] values) {
        return new StoredTensor(DType.I64, shape, null, values.clone());
    }

    /** The values as a float64 tensor (I64 converted exactly when |v| ≤ 2⁵³). */
    public Tensor toTensor() {
        if (dtype.isFloatLike()) {
            return Tensor.of(values.clone(), shape);
        }
        double[] d = new double[integers.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = integers[i];
        }
        return Tensor.of(d, shape);
    }

    public int numel() {
        return dtype.isFloatLike() ? values.length : integers.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor other && dtype == other.dtype && Arrays.equals(shape, other.shape)
                && Arrays.equals(values, other.values) && Arrays.equals(integers, other.integers);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values) + Arrays.hashCode(integers);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
