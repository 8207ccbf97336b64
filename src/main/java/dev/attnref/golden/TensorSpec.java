package dev.attnref.golden;

import java.util.Arrays;
import java.util.List;

/**
 * What a variant requires of one input tensor of a golden case: its name, element kind, shape (or
 * the shape it must broadcast to) and axis letters, and how the generator fills it.
 *
 * <table>
 *   <caption>Shape rules</caption>
 *   <tr><th>rule</th><th>a tensor matches when</th></tr>
 *   <tr><td>{@link ShapeRule#EXACT}</td><td>its shape equals {@link #shape()}</td></tr>
 *   <tr><td>{@link ShapeRule#BROADCAST}</td><td>its rank is 1 … rank of {@link #shape()} and each axis, aligned
 *       from the right, equals the target's or is 1 (NumPy broadcasting without enlarging the target)</td></tr>
 * </table>
 *
 * @param name  the tensor's name in the payload
 * @param kind  {@link Kind#FLOAT} (stored F64, F32, F16 or BF16), {@link Kind#BOOL} or {@link Kind#I64}
 * @param shape the exact shape, or the broadcast target
 * @param rule  how {@code shape} is matched
 * @param axes  one axis label per entry of {@code shape} (docs/MATH.md's letters)
 * @param fill  how the generator draws it when a case does not give it
 * @param fanIn for {@link Fill#WEIGHT}: the {@code in_features} of the owning Linear layer (0 otherwise)
 */
public record TensorSpec(String name, Kind kind, int[] shape, ShapeRule rule, List<String> axes, Fill fill, int fanIn) {

    /** Element kinds of the format. */
    public enum Kind {
        FLOAT,
        BOOL,
        I64
    }

    /** How a shape is matched. */
    public enum ShapeRule {
        EXACT,
        BROADCAST
    }

    /** How the generator draws a tensor that the case definition does not give explicitly. */
    public enum Fill {
        /** U(−1, 1): activations. */
        ACTIVATION,
        /** U(−1/√fan_in, 1/√fan_in): PyTorch's nn.Linear default, for weights and their biases. */
        WEIGHT,
        /** U(0.5, 1.5): norm gains. */
        GAIN,
        /** U(−0.25, 0.25): norm biases and MFA-KR's α. */
        SMALL,
        /** Never drawn: the case definition must give it (masks, lengths, token ids, fan-in-free biases). */
        GIVEN
    }

    public TensorSpec {
        shape = shape.clone();
        axes = List.copyOf(axes);
        if (axes.size() != shape.length) {
            throw new IllegalArgumentException("tensor spec " + name + " has " + axes.size() + " axis labels for shape "
                    + Arrays.toString(shape));
        }
    }

    /** A float tensor of exactly {@code shape}. */
    public static TensorSpec floats(String name, Fill fill, List<String> axes, int... shape) {
        return new TensorSpec(name, Kind.FLOAT, shape, ShapeRule.EXACT, axes, fill, 0);
    }

    /** A Linear weight {@code [out, in]} drawn as PyTorch initialises it. */
    public static TensorSpec weight(String name, String outAxis, String inAxis, int out, int in) {
        return new TensorSpec(name, Kind.FLOAT, new int[] {out, in}, ShapeRule.EXACT, List.of(outAxis, inAxis),
                Fill.WEIGHT, in);
    }

    /** A Linear bias {@code [out]}, drawn with the bound of its weight's fan-in. */
    public static TensorSpec bias(String name, String axis, int out, int fanIn) {
        return new TensorSpec(name, Kind.FLOAT, new int[] {out}, ShapeRule.EXACT, List.of(axis), Fill.WEIGHT, fanIn);
    }

    /** A float mask that must broadcast to {@code target}. */
    public static TensorSpec broadcastFloats(String name, List<String> axes, int... target) {
        return new TensorSpec(name, Kind.FLOAT, target, ShapeRule.BROADCAST, axes, Fill.GIVEN, 0);
    }

    /** A boolean mask that must broadcast to {@code target}. */
    public static TensorSpec broadcastBools(String name, List<String> axes, int... target) {
        return new TensorSpec(name, Kind.BOOL, target, ShapeRule.BROADCAST, axes, Fill.GIVEN, 0);
    }

    /** An int64 tensor of exactly {@code shape}, given by the case. */
    public static TensorSpec integers(String name, List<String> axes, int... shape) {
        return new TensorSpec(name, Kind.I64, shape, ShapeRule.EXACT, axes, Fill.GIVEN, 0);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Axis labels of a tensor of this spec with the given shape (the trailing labels for a broadcast mask). */
    public List<String> axesFor(int[] actual) {
        return axes.subList(axes.size() - actual.length, axes.size());
    }

    /** Null when {@code actual} matches this spec, else why not. */
    public String mismatch(int[] actual) {
        if (rule == ShapeRule.EXACT) {
            return Arrays.equals(actual, shape) ? null
                    : "has shape " + Arrays.toString(actual) + "; expected " + Arrays.toString(shape) + " " + axes;
        }
        if (actual.length < 1 || actual.length > shape.length) {
            return "has shape " + Arrays.toString(actual) + " of rank " + actual.length + "; expected rank 1 to "
                    + shape.length + ", broadcasting to " + Arrays.toString(shape) + " " + axes;
        }
        for (int i = 1; i <= actual.length; i++) {
            int have = actual[actual.length - i];
            int want = shape[shape.length - i];
            if (have != 1 && have != want) {
                return "has shape " + Arrays.toString(actual) + ", which does not broadcast to " + Arrays.toString(shape)
                        + " " + axes + " (axis " + axes.get(shape.length - i) + ": " + have + " is neither 1 nor " + want + ")";
            }
        }
        return null;
    }
}
