package dev.attnref.golden;

import dev.attnref.core.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The input tensors of one golden case, already checked against the variant's {@link TensorSpec}s
 * (presence, kind, shape), with typed access for the reference code. Values are read exactly:
 * F32, F16 and BF16 inputs are widened to float64 without rounding.
 */
public final class CaseInputs {
    private final Map<String, StoredTensor> tensors;

    public CaseInputs(Map<String, StoredTensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** Every input, by name. */
    public Map<String, StoredTensor> all() {
        return tensors;
    }

    /** Whether the case carries {@code name}. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    private StoredTensor stored(String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("input tensor \"" + name + "\" is missing");
        }
        return t;
    }

    /** A float or bool input as a float64 tensor (bool as 0/1). */
    public Tensor tensor(String name) {
        return stored(name).toTensor();
    }

    /** A float or bool input as a float64 tensor, or null when the case does not carry it. */
    public Tensor tensorOrNull(String name) {
        return has(name) ? tensor(name) : null;
    }

    /** A float input as a flat row-major array (a copy). */
    public double[] values(String name) {
        return tensor(name).toArray();
    }

    /** A float input as a flat array, or null when absent. */
    public double[] valuesOrNull(String name) {
        return has(name) ? values(name) : null;
    }

    /** A bool input as a flat row-major array. */
    public boolean[] booleans(String name) {
        double[] v = stored(name).values();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] != 0.0;
        }
        return out;
    }

    /** An int64 input as ints, each checked to fit. */
    public int[] ints(String name) {
        long[] v = stored(name).integers();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("input \"" + name + "\"[" + i + "] = " + v[i] + " does not fit in 32 bits");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /**
     * Checks that every entry of an int64 input lies in [lo, hi]; {@code bounds} names the range in the
     * message, e.g. {@code "[0, S] = [0, 4]"}.
     */
    public void requireWithin(String name, long lo, long hi, String bounds) {
        long[] v = stored(name).integers();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < lo || v[i] > hi) {
                throw new IllegalArgumentException("input tensor \"" + name + "\"[" + i + "] (" + v[i] + ") must be in "
                        + bounds);
            }
        }
    }

    /** The shape of an input. */
    public int[] shape(String name) {
        return stored(name).shape();
    }
}
