package dev.attnref.golden;

import dev.attnref.core.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the reference computed for one case: named float64 (or int64) tensors in a fixed order, each
 * with its axis labels, or the error the mirrored published code raises instead (then there are no
 * tensors).
 */
public final class CaseOutputs {

    /** One output: the tensor and its axis labels. */
    public record Output(StoredTensor tensor, List<String> axes) {
        public Output {
            axes = List.copyOf(axes);
            if (axes.size() != tensor.shape().length) {
                throw new IllegalArgumentException("output has " + axes.size() + " axis labels for shape "
                        + java.util.Arrays.toString(tensor.shape()));
            }
        }
    }

    /**
     * The error a case's published code raises: the Python exception class ({@code TypeError},
     * {@code RuntimeError}, {@code AssertionError}), where ({@code construct} or {@code forward}) and the message.
     */
    public record ExpectedError(String kind, String stage, String message) {
    }

    private final Map<String, Output> outputs = new LinkedHashMap<>();
    private ExpectedError error;

    /** Adds a float64 output. */
    public CaseOutputs add(String name, Tensor value, List<String> axes) {
        return add(name, StoredTensor.f64(value.contiguous()), axes);
    }

    /** Adds a float64 output from a flat array of the given shape. */
    public CaseOutputs add(String name, double[] values, List<String> axes, int... shape) {
        return add(name, new StoredTensor(DType.F64, shape, values.clone(), null), axes);
    }

    /** Adds any stored output. */
    public CaseOutputs add(String name, StoredTensor value, List<String> axes) {
        if (error != null) {
            throw new IllegalStateException("a case that raises has no outputs");
        }
        if (outputs.put(name, new Output(value, axes)) != null) {
            throw new IllegalStateException("output " + name + " added twice");
        }
        return this;
    }

    /** The outputs of a case whose published code raises {@code error}. */
    public static CaseOutputs raising(ExpectedError error) {
        CaseOutputs out = new CaseOutputs();
        out.error = error;
        return out;
    }

    /** Outputs by name, in the order the variant produced them. */
    public Map<String, Output> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    /** The expected error, or null when the case computes outputs. */
    public ExpectedError error() {
        return error;
    }

    /** The output tensor {@code name}. */
    public StoredTensor get(String name) {
        Output o = outputs.get(name);
        if (o == null) {
            throw new IllegalArgumentException("no output \"" + name + "\"");
        }
        return o.tensor();
    }
}
