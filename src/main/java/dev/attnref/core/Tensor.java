package dev.attnref.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * A strided float64 tensor with PyTorch's semantics for the operations the seeds use.
 *
 * <p>A tensor is a view {@code (data, offset, shape, strides)} on a flat {@code double[]}: element
 * {@code [i₀, …, iₙ₋₁]} lives at {@code data[offset + Σ iₖ·strideₖ]}. Shape-only operations
 * ({@link #view}, {@link #transpose}, {@link #permute}, {@link #expand}, {@link #narrow},
 * {@link #unsqueeze}) return views that share {@code data}; every arithmetic operation returns a
 * new contiguous tensor. Tensors are never mutated after construction, so sharing is safe.
 *
 * <h2>PyTorch semantics kept on purpose</h2>
 * <ul>
 *   <li>{@link #view} succeeds exactly when {@code torch.Tensor.view} does (ATen's stride
 *       computation, {@code computeStride} in {@code TensorUtils.cpp}) and otherwise throws a
 *       {@link ViewException} naming the shape and strides; {@link #reshape} copies when a view is
 *       impossible. This is what makes seed 003's {@code Q.view(B·H, T, D)} on a transposed
 *       tensor fail here as it does in PyTorch.</li>
 *   <li>{@link #matmul} follows {@code torch.matmul}: 1-D operands are promoted and the added
 *       axis removed; batch axes broadcast; {@link #bmm} requires 3-D operands with equal batch.</li>
 *   <li>Broadcasting aligns shapes from the right; size-1 axes stretch.</li>
 *   <li>{@link #softmax} over a row that is entirely −∞ gives NaN, as PyTorch does; the
 *       attention modules decide their own fully-masked-row policy on top of it.</li>
 *   <li>Boolean tensors are float tensors holding 0.0 / 1.0 ({@link #eq}, {@link #lt});
 *       {@link #maskedFill} treats any non-zero as true.</li>
 * </ul>
 *
 * <h2>Stricter than PyTorch on purpose (an error instead of a silent guess)</h2>
 * <ul>
 *   <li>{@link #squeeze(int)} of an axis whose size is not 1 throws (PyTorch returns the input).</li>
 *   <li>{@link #maskedFill} refuses a mask that would grow the tensor (PyTorch's out-of-place
 *       {@code masked_fill} broadcasts both and returns the larger shape).</li>
 *   <li>{@link #narrow} takes no negative start; {@link #repeatInterleave} needs repeats ≥ 1;
 *       {@link #dropout} needs p &lt; 1.</li>
 * </ul>
 *
 * <p>Axis arguments accept negative values counting from the end, as PyTorch's {@code dim}.
 * Checked by {@code TensorTest} (hand-computed) and {@code TorchOracleTest} (PyTorch 1.13's
 * answers on a few hundred generated view, matmul, broadcast, repeat_interleave, cat and
 * softmax cases).
 */
public final class Tensor {
    private final double[] data;
    private final int offset;
    private final int[] shape;
    private final int[] strides;

    private Tensor(double[] data, int offset, int[] shape, int[] strides) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /** Raised where PyTorch's {@code view} raises: the requested shape cannot share the storage. */
    public static final class ViewException extends IllegalArgumentException {
        ViewException(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- construction

    /** A contiguous tensor over {@code values} (not copied) with the given shape. */
    public static Tensor of(double[] values, int... shape) {
        Checks.notNull("values", values);
        int[] s = shape.clone();
        for (int d = 0; d < s.length; d++) {
            Checks.nonNegative("shape[" + d + "] of " + Arrays.toString(shape), s[d]);
        }
        long n = numel(s);
        if (values.length != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values but " + values.length + " were given");
        }
        return new Tensor(values, 0, s, contiguousStrides(s));
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value) {
        return new Tensor(new double[] {value}, 0, new int[0], new int[0]);
    }

    public static Tensor zeros(int... shape) {
        return full(0.0, shape);
    }

    public static Tensor ones(int... shape) {
        return full(1.0, shape);
    }

    public static Tensor full(double value, int... shape) {
        double[] values = new double[Math.toIntExact(numel(validShape(shape)))];
        Arrays.fill(values, value);
        return of(values, shape);
    }

    /** {@code [0, 1, …, n−1]} as a 1-D tensor. */
    public static Tensor arange(int n) {
        double[] values = new double[Checks.nonNegative("n", n)];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return of(values, n);
    }

    /** Independent normal draws {@code std · N(0, 1)} from {@code random}, in row-major order. */
    public static Tensor randn(SeededRandom random, double std, int... shape) {
        return of(random.gaussians(Math.toIntExact(numel(validShape(shape))), std), shape);
    }

    /** Independent uniform draws in {@code [lo, hi)} from {@code random}, in row-major order. */
    public static Tensor uniform(SeededRandom random, double lo, double hi, int... shape) {
        return of(random.uniforms(Math.toIntExact(numel(validShape(shape))), lo, hi), shape);
    }

    // ---------------------------------------------------------------- shape queries

    public int[] shape() {
        return shape.clone();
    }

    public int[] strides() {
        return strides.clone();
    }

    public int dim() {
        return shape.length;
    }

    /** Size of axis {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[axis(d)];
    }

    public int numel() {
        return Math.toIntExact(numel(shape));
    }

    /** As {@code torch.Tensor.is_contiguous}: row-major strides, ignoring size-1 axes; any empty tensor is. */
    public boolean isContiguous() {
        if (numel(shape) == 0) {
            return true;
        }
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** The element at {@code index} (one coordinate per axis). */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates; tensor has shape " + Arrays.toString(shape));
        }
        int at = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IllegalArgumentException("index " + Arrays.toString(index) + " out of range for shape "
                        + Arrays.toString(shape));
            }
            at += index[d] * strides[d];
        }
        return data[at];
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs one element; shape is " + Arrays.toString(shape));
        }
        return data[offset];
    }

    /** A fresh row-major copy of the elements. */
    public double[] toArray() {
        double[] out = new double[numel()];
        StridedCursor cursor = new StridedCursor(shape, strides, offset);
        for (int i = 0; i < out.length; i++) {
            out[i] = data[cursor.offset];
            cursor.next();
        }
        return out;
    }

    // ---------------------------------------------------------------- views

    /**
     * {@code torch.Tensor.view}: same elements, new shape, no copy. One entry may be −1 (inferred).
     * Fails with {@link ViewException} when the strides cannot express the new shape.
     */
    public Tensor view(int... newShape) {
        int[] target = inferShape(newShape, numel());
        int[] newStrides = viewStrides(shape, strides, target);
        if (newStrides == null) {
            throw new ViewException("view size is not compatible with input tensor's size and stride (at least one"
                    + " dimension spans across two contiguous subspaces): cannot view shape " + Arrays.toString(shape)
                    + " with strides " + Arrays.toString(strides) + " as " + Arrays.toString(target)
                    + ". Use reshape (or contiguous() first) instead.");
        }
        return new Tensor(data, offset, target, newStrides);
    }

    /** {@code torch.reshape}: a view when possible, otherwise a contiguous copy. */
    public Tensor reshape(int... newShape) {
        int[] target = inferShape(newShape, numel());
        int[] newStrides = viewStrides(shape, strides, target);
        if (newStrides != null) {
            return new Tensor(data, offset, target, newStrides);
        }
        return contiguous().view(target);
    }

    /** A contiguous tensor with the same elements; {@code this} when already contiguous. */
    public Tensor contiguous() {
        return isContiguous() ? this : of(toArray(), shape);
    }

    /** Swaps axes {@code d0} and {@code d1} (a view). */
    public Tensor transpose(int d0, int d1) {
        int a = axis(d0);
        int b = axis(d1);
        int[] order = new int[shape.length];
        for (int d = 0; d < order.length; d++) {
            order[d] = d;
        }
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Reorders axes: result axis {@code i} is input axis {@code order[i]} (a view). */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute order " + Arrays.toString(order) + " must name each of the "
                    + shape.length + " axes of shape " + Arrays.toString(shape) + " once");
        }
        boolean[] seen = new boolean[shape.length];
        int[] newShape = new int[shape.length];
        int[] newStrides = new int[shape.length];
        for (int i = 0; i < order.length; i++) {
            int d = axis(order[i]);
            if (seen[d]) {
                throw new IllegalArgumentException("permute order " + Arrays.toString(order) + " repeats axis " + d);
            }
            seen[d] = true;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
        }
        return new Tensor(data, offset, newShape, newStrides);
    }

    /** Inserts a size-1 axis at {@code d} (−1 appends). */
    public Tensor unsqueeze(int d) {
        int at = d < 0 ? d + shape.length + 1 : d;
        if (at < 0 || at > shape.length) {
            throw new IllegalArgumentException("unsqueeze axis " + d + " out of range for shape " + Arrays.toString(shape));
        }
        int[] newShape = new int[shape.length + 1];
        int[] newStrides = new int[shape.length + 1];
        for (int i = 0, j = 0; i < newShape.length; i++) {
            if (i == at) {
                newShape[i] = 1;
                newStrides[i] = j < shape.length ? strides[j] * shape[j] : 1;
            } else {
                newShape[i] = shape[j];
                newStrides[i] = strides[j];
                j++;
            }
        }
        return new Tensor(data, offset, newShape, newStrides);
    }

    /** Removes axis {@code d}, which must have size 1. */
    public Tensor squeeze(int d) {
        int a = axis(d);
        if (shape[a] != 1) {
            throw new IllegalArgumentException("squeeze axis " + d + " has size " + shape[a] + "; expected 1");
        }
        return new Tensor(data, offset, remove(shape, a), remove(strides, a));
    }

    /**
     * {@code torch.Tensor.expand}: size-1 axes stretch to the requested size with stride 0; new
     * leading axes may be added; −1 keeps a size. A view.
     *
     * <p>Strides follow ATen's {@code inferExpandGeometry}: a stretched axis gets stride 0; a new
     * leading axis of size 1 gets {@code size·stride} of the axis after it (as {@link #unsqueeze}
     * would give it); a 0-d input expands with stride 0 everywhere.
     */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length) {
            throw new IllegalArgumentException("expand to " + Arrays.toString(newShape) + " has fewer axes than shape "
                    + Arrays.toString(shape));
        }
        int lead = newShape.length - shape.length;
        int[] outShape = new int[newShape.length];
        int[] outStrides = new int[newShape.length];
        // Right to left, because a new leading axis takes its stride from the axis after it.
        for (int i = newShape.length - 1; i >= 0; i--) {
            if (i < lead) {
                if (newShape[i] < 0) {
                    throw new IllegalArgumentException("expand to " + Arrays.toString(newShape) + ": new leading axis "
                            + i + " cannot be " + newShape[i] + " (expected a size ≥ 0)");
                }
                outShape[i] = newShape[i];
                boolean stretched = newShape[i] != 1 || shape.length == 0;
                outStrides[i] = stretched || i + 1 == newShape.length ? 0 : outShape[i + 1] * outStrides[i + 1];
                continue;
            }
            int have = shape[i - lead];
            int want = newShape[i] == -1 ? have : newShape[i];
            if (want < 0) {
                throw new IllegalArgumentException("expand to " + Arrays.toString(newShape) + ": size " + want
                        + " for axis " + (i - lead) + " is invalid (expected a size ≥ 0, or −1 to keep " + have + ")");
            }
            if (want == have) {
                outShape[i] = have;
                outStrides[i] = strides[i - lead];
            } else if (have == 1) {
                outShape[i] = want;
                outStrides[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: size " + have + " of axis " + (i - lead) + " in shape "
                        + Arrays.toString(shape) + " cannot become " + want + " (only size-1 axes expand)");
            }
        }
        return new Tensor(data, offset, outShape, outStrides);
    }

    /** Elements {@code start … start+length−1} along axis {@code d} (a view). */
    public Tensor narrow(int d, int start, int length) {
        int a = axis(d);
        if (start < 0 || length < 0 || start + length > shape[a]) {
            throw new IllegalArgumentException("narrow(" + d + ", " + start + ", " + length + ") out of range for shape "
                    + Arrays.toString(shape));
        }
        int[] newShape = shape.clone();
        newShape[a] = length;
        return new Tensor(data, offset + start * strides[a], newShape, strides.clone());
    }

    /**
     * {@code torch.split(x, splitSize, d)}: consecutive views of {@code splitSize} (the last may be
     * shorter); an empty axis gives one empty view, as PyTorch.
     */
    public List<Tensor> split(int splitSize, int d) {
        Checks.positive("splitSize", splitSize);
        int a = axis(d);
        List<Tensor> parts = new ArrayList<>();
        if (shape[a] == 0) {
            parts.add(this);
        }
        for (int start = 0; start < shape[a]; start += splitSize) {
            parts.add(narrow(a, start, Math.min(splitSize, shape[a] - start)));
        }
        return parts;
    }

    /** Views of the given sizes along axis {@code d}; the sizes must add up to the axis size. */
    public List<Tensor> split(int[] sizes, int d) {
        int a = axis(d);
        int total = Arrays.stream(sizes).sum();
        if (total != shape[a]) {
            throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " add up to " + total
                    + "; axis " + d + " of shape " + Arrays.toString(shape) + " has " + shape[a]);
        }
        List<Tensor> parts = new ArrayList<>();
        int start = 0;
        for (int size : sizes) {
            parts.add(narrow(a, start, size));
            start += size;
        }
        return parts;
    }

    // ---------------------------------------------------------------- copies that move data

    /** {@code torch.repeat_interleave(x, repeats, d)}: each slice along {@code d} repeated in place. */
    public Tensor repeatInterleave(int repeats, int d) {
        Checks.positive("repeats", repeats);
        int a = axis(d);
        // Insert a stretched axis after a, then merge: [.., n, ..] → [.., n, r, ..] → [.., n·r, ..].
        int[] expanded = new int[shape.length + 1];
        for (int i = 0, j = 0; i < expanded.length; i++) {
            expanded[i] = i == a + 1 ? repeats : shape[j++];
        }
        int[] merged = shape.clone();
        merged[a] = shape[a] * repeats;
        return unsqueeze(a + 1).expand(expanded).contiguous().view(merged);
    }

    /** {@code torch.cat(tensors, d)}: shapes must agree except along {@code d}. */
    public static Tensor cat(List<Tensor> tensors, int d) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat needs at least one tensor");
        }
        Tensor first = tensors.get(0);
        int a = first.axis(d);
        int[] outShape = first.shape();
        int total = 0;
        for (Tensor t : tensors) {
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: shapes " + Arrays.toString(first.shape) + " and "
                        + Arrays.toString(t.shape) + " have different ranks");
            }
            for (int i = 0; i < outShape.length; i++) {
                if (i != a && t.shape[i] != outShape[i]) {
                    throw new IllegalArgumentException("cat along axis " + d + ": shapes " + Arrays.toString(first.shape)
                            + " and " + Arrays.toString(t.shape) + " differ on axis " + i);
                }
            }
            total += t.shape[a];
        }
        outShape[a] = total;
        double[] out = new double[Math.toIntExact(numel(outShape))];
        // Copy each input as a block: rows before axis a are "outer", the rest "inner".
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= outShape[i];
        }
        int innerPerUnit = 1;
        for (int i = a + 1; i < outShape.length; i++) {
            innerPerUnit *= outShape[i];
        }
        int at = 0;
        for (Tensor t : tensors) {
            double[] src = t.toArray();
            int block = t.shape[a] * innerPerUnit;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(src, o * block, out, o * total * innerPerUnit + at, block);
            }
            at += block;
        }
        return of(out, outShape);
    }

    // ---------------------------------------------------------------- elementwise, broadcasting

    public Tensor add(Tensor other) {
        return zip(other, Double::sum);
    }

    public Tensor sub(Tensor other) {
        return zip(other, (x, y) -> x - y);
    }

    public Tensor mul(Tensor other) {
        return zip(other, (x, y) -> x * y);
    }

    public Tensor div(Tensor other) {
        return zip(other, (x, y) -> x / y);
    }

    public Tensor add(double c) {
        return map(x -> x + c);
    }

    public Tensor mul(double c) {
        return map(x -> x * c);
    }

    public Tensor div(double c) {
        return map(x -> x / c);
    }

    public Tensor neg() {
        return map(x -> -x);
    }

    public Tensor exp() {
        return map(Math::exp);
    }

    public Tensor tanh() {
        return map(Math::tanh);
    }

    public Tensor sqrt() {
        return map(Math::sqrt);
    }

    /** {@code x == c} as 0.0 / 1.0. */
    public Tensor eq(double c) {
        return map(x -> x == c ? 1.0 : 0.0);
    }

    /** {@code x < c} as 0.0 / 1.0. */
    public Tensor lt(double c) {
        return map(x -> x < c ? 1.0 : 0.0);
    }

    /** A new contiguous tensor {@code f(x)} elementwise. */
    public Tensor map(DoubleUnaryOperator f) {
        double[] out = new double[numel()];
        StridedCursor cursor = new StridedCursor(shape, strides, offset);
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(data[cursor.offset]);
            cursor.next();
        }
        return of(out, shape);
    }

    /** A new contiguous tensor {@code f(x, y)} over the broadcast of both shapes. */
    public Tensor zip(Tensor other, DoubleBinaryOperator f) {
        int[] outShape = broadcastShapes(shape, other.shape);
        Tensor x = expand(outShape);
        Tensor y = other.expand(outShape);
        double[] out = new double[Math.toIntExact(numel(outShape))];
        StridedCursor cx = new StridedCursor(outShape, x.strides, x.offset);
        StridedCursor cy = new StridedCursor(outShape, y.strides, y.offset);
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(x.data[cx.offset], y.data[cy.offset]);
            cx.next();
            cy.next();
        }
        return of(out, outShape);
    }

    /**
     * {@code torch.Tensor.masked_fill(mask, value)}: where the broadcast {@code mask} is non-zero the
     * result holds {@code value}. The mask must broadcast to this tensor's shape (not beyond it).
     */
    public Tensor maskedFill(Tensor mask, double value) {
        int[] outShape = broadcastShapes(shape, mask.shape);
        if (!Arrays.equals(outShape, shape)) {
            throw new IllegalArgumentException("maskedFill: mask of shape " + Arrays.toString(mask.shape)
                    + " does not broadcast to the tensor's shape " + Arrays.toString(shape));
        }
        return zip(mask, (x, m) -> m != 0.0 ? value : x);
    }

    /**
     * Inverted dropout as {@code torch.nn.functional.dropout} in training mode: each element is
     * zeroed with probability {@code p} and survivors are scaled by {@code 1/(1−p)}. One
     * {@link SeededRandom#nextDouble()} per element, row-major; an element is dropped iff the draw
     * is {@code < p}. (PyTorch's own stream differs; only the law is the same.)
     */
    public Tensor dropout(double p, SeededRandom random) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability p (" + p + ") must be in [0, 1)");
        }
        double keepScale = 1.0 / (1.0 - p);
        return map(x -> random.nextDouble() < p ? 0.0 : x * keepScale);
    }

    // ---------------------------------------------------------------- reductions and softmax

    /** {@code softmax} along axis {@code d}, max-subtracted; an all −∞ row gives NaN, as PyTorch. */
    public Tensor softmax(int d) {
        int a = axis(d);
        Tensor moved = transpose(a, -1);
        double[] values = moved.toArray();
        int n = moved.shape[moved.shape.length - 1];
        for (int row = 0; n > 0 && row < values.length / n; row++) {
            int base = row * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, values[base + i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                values[base + i] = Math.exp(values[base + i] - max);
                sum += values[base + i];
            }
            for (int i = 0; i < n; i++) {
                values[base + i] /= sum;
            }
        }
        return of(values, moved.shape).transpose(a, -1).contiguous();
    }

    /** Sum along axis {@code d}. */
    public Tensor sum(int d, boolean keepDim) {
        return reduce(d, keepDim, 0.0, Double::sum);
    }

    /** Mean along axis {@code d}. */
    public Tensor mean(int d, boolean keepDim) {
        int n = size(d);
        return sum(d, keepDim).div(n);
    }

    /** Maximum along axis {@code d}. */
    public Tensor max(int d, boolean keepDim) {
        return reduce(d, keepDim, Double.NEGATIVE_INFINITY, Math::max);
    }

    /** Sum of all elements. */
    public double sum() {
        double total = 0;
        for (double x : toArray()) {
            total += x;
        }
        return total;
    }

    private Tensor reduce(int d, boolean keepDim, double identity, DoubleBinaryOperator op) {
        int a = axis(d);
        // Move axis a to the end, keeping the other axes in order: [.., n, ..] → [rest…, n].
        int[] order = new int[shape.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                order[j++] = i;
            }
        }
        order[shape.length - 1] = a;
        double[] moved = permute(order).toArray();
        int n = shape[a];
        int[] restShape = remove(shape, a);
        double[] out = new double[Math.toIntExact(numel(restShape))];
        for (int row = 0; row < out.length; row++) {
            double acc = identity;
            for (int i = 0; i < n; i++) {
                acc = op.applyAsDouble(acc, moved[row * n + i]);
            }
            out[row] = acc;
        }
        Tensor reduced = of(out, restShape);
        return keepDim ? reduced.unsqueeze(a) : reduced;
    }

    // ---------------------------------------------------------------- matrix products

    /**
     * {@code torch.matmul}: for operands of rank ≥ 2, {@code [..., n, k] @ [..., k, m] → [..., n, m]}
     * with the batch axes broadcast; a 1-D left operand is treated as {@code [1, k]} and a 1-D right
     * operand as {@code [k, 1]}, the added axis removed from the result.
     */
    public Tensor matmul(Tensor other) {
        if (dim() == 0 || other.dim() == 0) {
            throw new IllegalArgumentException("matmul needs operands of rank ≥ 1; got shapes " + Arrays.toString(shape)
                    + " and " + Arrays.toString(other.shape));
        }
        boolean leftVector = dim() == 1;
        boolean rightVector = other.dim() == 1;
        Tensor a = leftVector ? unsqueeze(0) : this;
        Tensor b = rightVector ? other.unsqueeze(1) : other;
        int n = a.size(-2);
        int k = a.size(-1);
        int m = b.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(shape) + " and "
                    + Arrays.toString(other.shape) + " cannot be multiplied (" + k + " vs " + b.size(-2) + ")");
        }
        int[] batch = broadcastShapes(Arrays.copyOf(a.shape, a.dim() - 2), Arrays.copyOf(b.shape, b.dim() - 2));
        int[] aShape = concat(batch, new int[] {n, k});
        int[] bShape = concat(batch, new int[] {k, m});
        double[] left = a.expand(aShape).toArray();   // [batch…, n, k]
        double[] right = b.expand(bShape).toArray();  // [batch…, k, m]
        int batches = Math.toIntExact(numel(batch));
        double[] out = new double[batches * n * m];   // [batch…, n, m]
        // ik,kj->ij per batch, i-k-j order so the innermost loop runs along contiguous rows.
        for (int bi = 0; bi < batches; bi++) {
            int lBase = bi * n * k;
            int rBase = bi * k * m;
            int oBase = bi * n * m;
            for (int i = 0; i < n; i++) {
                for (int kk = 0; kk < k; kk++) {
                    double aik = left[lBase + i * k + kk];
                    int rRow = rBase + kk * m;
                    int oRow = oBase + i * m;
                    for (int j = 0; j < m; j++) {
                        out[oRow + j] += aik * right[rRow + j];
                    }
                }
            }
        }
        Tensor result = of(out, concat(batch, new int[] {n, m}));
        if (leftVector) {
            result = result.squeeze(-2);
        }
        if (rightVector) {
            result = result.squeeze(-1);
        }
        return result;
    }

    /** {@code torch.bmm}: {@code [b, n, k] @ [b, k, m]}, no broadcasting. */
    public Tensor bmm(Tensor other) {
        if (dim() != 3 || other.dim() != 3 || shape[0] != other.shape[0]) {
            throw new IllegalArgumentException("bmm needs two 3-D tensors with the same batch; got "
                    + Arrays.toString(shape) + " and " + Arrays.toString(other.shape));
        }
        return matmul(other);
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Largest {@code |this − other|} over the broadcast shape (NaN if either side holds NaN). Equal
     * infinities differ by 0 (a masked −∞ logit matches a masked −∞ logit), unequal ones by ∞.
     */
    public double maxAbsDiff(Tensor other) {
        double worst = 0;
        for (double x : zip(other, (p, q) -> p == q ? 0.0 : Math.abs(p - q)).data) {
            if (Double.isNaN(x)) {
                return Double.NaN;
            }
            worst = Math.max(worst, x);
        }
        return worst;
    }

    /** Same shape and bitwise-equal elements (so NaN equals NaN and 0.0 differs from −0.0). */
    public boolean bitwiseEquals(Tensor other) {
        return Arrays.equals(shape, other.shape) && Arrays.equals(toArray(), other.toArray());
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (numel() <= 16 ? Arrays.toString(toArray()) : "");
    }

    // ---------------------------------------------------------------- helpers

    private int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + d + " out of range for shape " + Arrays.toString(shape));
        }
        return a;
    }

    private static int[] validShape(int[] shape) {
        for (int d = 0; d < shape.length; d++) {
            Checks.nonNegative("shape[" + d + "] of " + Arrays.toString(shape), shape[d]);
        }
        return shape;
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    private static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= Math.max(shape[d], 1);
        }
        return strides;
    }

    private static int[] inferShape(int[] requested, int numel) {
        int[] target = requested.clone();
        int inferred = -1;
        long known = 1;
        for (int d = 0; d < target.length; d++) {
            if (target[d] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(requested) + ": only one axis can be -1");
                }
                inferred = d;
            } else if (target[d] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " has invalid size " + target[d]);
            } else {
                known *= target[d];
            }
        }
        if (inferred >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(requested)
                        + " is invalid for input of size " + numel);
            }
            target[inferred] = Math.toIntExact(numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " is invalid for input of size "
                    + numel);
        }
        return target;
    }

    /**
     * The strides that let {@code newShape} share storage with a tensor of {@code oldShape} /
     * {@code oldStrides}, or {@code null} when none exist. A transcription of ATen's
     * {@code computeStride}: walk the old axes from the innermost, grouping runs that are
     * contiguous with each other ("chunks"); each chunk must be covered exactly by a run of new
     * axes.
     */
    private static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] newStrides = new int[newShape.length];
        if (oldShape.length == 0) {
            Arrays.fill(newStrides, 1);
            return newStrides;
        }
        if (numel(oldShape) == 0) {
            // Strides are arbitrary without elements; ATen keeps them for an unchanged shape and
            // otherwise lays the new shape out contiguously.
            return Arrays.equals(oldShape, newShape) ? oldStrides.clone() : contiguousStrides(newShape);
        }
        int viewD = newShape.length - 1;
        long chunkBaseStride = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            boolean chunkEnds = tensorD == 0
                    || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride);
            if (chunkEnds) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = Math.toIntExact(viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    /** NumPy broadcasting: align from the right; each pair of sizes is equal or contains a 1. */
    public static int[] broadcastShapes(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i < n - a.length ? 1 : a[i - (n - a.length)];
            int y = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast (axis " + i + ": " + x + " vs " + y + ")");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] remove(int[] a, int index) {
        int[] out = new int[a.length - 1];
        for (int i = 0, j = 0; i < a.length; i++) {
            if (i != index) {
                out[j++] = a[i];
            }
        }
        return out;
    }

    /** Walks the flat offsets of a strided shape in row-major order (an odometer over indices). */
    private static final class StridedCursor {
        private final int[] shape;
        private final int[] strides;
        private final int[] index;
        int offset;

        StridedCursor(int[] shape, int[] strides, int offset) {
            this.shape = shape;
            this.strides = strides;
            this.index = new int[shape.length];
            this.offset = offset;
        }

        void next() {
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d]) {
                    return;
                }
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
