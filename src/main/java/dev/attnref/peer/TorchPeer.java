package dev.attnref.peer;

import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.kBool;
import static org.bytedeco.pytorch.global.torch.kDouble;
import static org.bytedeco.pytorch.global.torch.kFloat;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;
import static org.bytedeco.pytorch.global.torch.set_num_threads;

import dev.attnref.core.Checks;
import dev.attnref.fast.AttentionDims;
import java.util.Arrays;
import org.bytedeco.javacpp.BooleanPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * PyTorch 2.10's {@code torch.nn.functional.scaled_dot_product_attention} (libtorch CPU, in-process
 * through JavaCPP {@code org.bytedeco:pytorch 2.10.0-1.5.13}) as a peer: the one place in attnref that
 * opens PyTorch, for the golden judge and the race alike. An outside implementation, so agreement with
 * the oracle is evidence, not a tautology.
 *
 * <h2>Equation (PyTorch's documentation of {@code scaled_dot_product_attention})</h2>
 * <pre>
 *   g(h)         = ⌊h / R⌋, R = H / G                 enable_gqa (repeat_interleave of K, V over heads)
 *   score[t, s]  = q[t] · k[s] / √D  (+ mask[t, s] when additive)
 *   hidden       = keep[t, s] false  ∨  (is_causal ∧ s &gt; t)       → score = −∞
 *   out[t]       = Σ_s softmax_s(score[t, ·]) · v[s]
 * </pre>
 *
 * <table>
 *   <caption>Arguments (flat, row-major; read only)</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>q</td><td>[B, H, T, D]</td><td>float32 or float64; length {@code dims.queryCount()}</td></tr>
 *   <tr><td>k</td><td>[B, G, S, D]</td><td>same precision; G divides H</td></tr>
 *   <tr><td>v</td><td>[B, G, S, Dv]</td><td>same precision</td></tr>
 *   <tr><td>mask</td><td>broadcasts to [B, H, T, S]</td><td>optional ({@code null}): boolean, true = the key takes part; or additive</td></tr>
 *   <tr><td>result</td><td>[B, H, T, Dv]</td><td>a new array in the call's precision</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>{@code isCausal} is PyTorch's: <b>top-left</b> alignment, query t sees keys s ≤ t whatever S − T
 *       is (the oracle's {@code QueryPositions.aligned(TOP_LEFT)}), not the bottom-right of decoding.</li>
 *   <li>{@code enable_gqa} is set exactly when G &lt; H; the scale is PyTorch's default 1/√D; dropout 0.</li>
 *   <li>A mask and {@code isCausal} are not combined (PyTorch refuses both at once).</li>
 *   <li>A row with every key hidden (boolean mask or additive −∞) gives zeros, as the oracle's
 *       default {@code FullyMaskedRows.ZEROS}; so do both the flash and the math backend of 2.10.</li>
 *   <li>Intra-op threads: {@code at::set_num_threads(threads)} before every call (a process-wide
 *       setting, so peers with different counts must not run at the same time).</li>
 *   <li>Which SDPA backend runs (math or the CPU flash kernel) is PyTorch's choice: the JavaCPP API
 *       exposes no {@code _fused_sdp_choice} to read it, only the switches of
 *       {@code globalContext().setSDPUseFlash / setSDPUseMath}. With them, float32 and float64 SDPA
 *       (H = G and G &lt; H, causal, additive mask; T = S = 64, D = 32) gave bit for bit the flash-only
 *       output and differed from math-only: by default the CPU flash kernel ran.</li>
 *   <li>Native memory: each call allocates its tensors in a {@link PointerScope} and frees them on return.</li>
 * </ul>
 *
 * <p>Differs from source: nothing computed here; this class only lays out arrays and calls PyTorch.
 *
 * <p>Checked by {@code TorchPeerTest} (float64 against the oracle, float32 against a plain float32 loop).
 */
public final class TorchPeer {
    private final int threads;

    /**
     * Loads libtorch (once per process; JavaCPP caches it) for calls on {@code threads} intra-op threads.
     *
     * @throws IllegalStateException when the natives cannot be loaded (not linux-x86_64, or not on the class path)
     */
    public TorchPeer(int threads) {
        this.threads = Checks.positive("threads", threads);
        try {
            Loader.load(torch.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new IllegalStateException("PyTorch 2.10 (org.bytedeco:pytorch 2.10.0-1.5.13) did not load on "
                    + Loader.getPlatform() + ": " + e + "; expected linux-x86_64 with the natives of pom.xml on the class path");
        }
    }

    /**
     * A mask broadcasting NumPy-style to [B, H, T, S]: boolean ({@link #keep}) or additive ({@link #additive}).
     * Exactly one of {@code keep} and {@code additive} is non-null.
     */
    public record Mask(boolean[] keep, double[] additive, long[] shape) {
        /** A boolean mask: {@code keep[i]} true lets the key take part (PyTorch's convention, not ONNX's opposite). */
        public static Mask keep(boolean[] keep, long... shape) {
            return new Mask(keep, null, shape);
        }

        /** An additive mask: added to the scaled scores; −∞ hides a key. */
        public static Mask additive(double[] bias, long... shape) {
            return new Mask(null, bias, shape);
        }

        public Mask {
            if ((keep == null) == (additive == null)) {
                throw new IllegalArgumentException("a mask holds either keep flags or additive values; got "
                        + (keep == null ? "neither" : "both"));
            }
            long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            int length = keep != null ? keep.length : additive.length;
            if (count != length) {
                throw new IllegalArgumentException("mask has " + length + " entries; its shape "
                        + Arrays.toString(shape) + " needs " + count);
            }
        }

        /** The mask as a tensor: kBool, or additive in the call's precision. */
        private Tensor tensor(ScalarType precision) {
            if (keep != null) {
                return from_blob(new BooleanPointer(keep), shape, new TensorOptions(kBool()));
            }
            return from_blob(new DoublePointer(additive), shape, new TensorOptions(kDouble())).to(precision);
        }
    }

    /** Float64 attention: {@code out [B, H, T, Dv]}. */
    public double[] attend(AttentionDims dims, double[] q, double[] k, double[] v, boolean isCausal, Mask mask) {
        checkLengths(dims, q.length, k.length, v.length, isCausal, mask);
        try (PointerScope scope = new PointerScope()) {
            TensorOptions float64 = new TensorOptions(kDouble());
            Tensor out = sdpa(dims, isCausal, mask, kDouble(),
                    from_blob(new DoublePointer(q), queryShape(dims), float64),      // [B, H, T, D]
                    from_blob(new DoublePointer(k), keyShape(dims, dims.headDim()), float64),        // [B, G, S, D]
                    from_blob(new DoublePointer(v), keyShape(dims, dims.valueHeadDim()), float64));  // [B, G, S, Dv]
            double[] result = new double[dims.outputCount()];
            out.contiguous().data_ptr_double().get(result);                        // [B, H, T, Dv]
            return result;
        }
    }

    /** Float32 attention: {@code out [B, H, T, Dv]}; an additive mask is rounded to float32 first. */
    public float[] attend(AttentionDims dims, float[] q, float[] k, float[] v, boolean isCausal, Mask mask) {
        checkLengths(dims, q.length, k.length, v.length, isCausal, mask);
        try (PointerScope scope = new PointerScope()) {
            TensorOptions float32 = new TensorOptions(kFloat());
            Tensor out = sdpa(dims, isCausal, mask, kFloat(),
                    from_blob(new FloatPointer(q), queryShape(dims), float32),
                    from_blob(new FloatPointer(k), keyShape(dims, dims.headDim()), float32),
                    from_blob(new FloatPointer(v), keyShape(dims, dims.valueHeadDim()), float32));
            float[] result = new float[dims.outputCount()];
            out.contiguous().data_ptr_float().get(result);
            return result;
        }
    }

    private Tensor sdpa(AttentionDims dims, boolean isCausal, Mask mask, ScalarType precision, Tensor q, Tensor k, Tensor v) {
        set_num_threads(threads);
        TensorOptional attnMask = mask == null ? new TensorOptional() : new TensorOptional(mask.tensor(precision));
        // F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p=0, is_causal, scale=None, enable_gqa)
        return scaled_dot_product_attention(q, k, v, attnMask, 0.0, isCausal, new DoubleOptional(),
                dims.numKvHeads() < dims.numHeads());
    }

    private static void checkLengths(AttentionDims dims, int q, int k, int v, boolean isCausal, Mask mask) {
        checkLength("q [B, H, T, D]", q, dims.queryCount(), dims);
        checkLength("k [B, G, S, D]", k, dims.keyCount(), dims);
        checkLength("v [B, G, S, Dv]", v, dims.valueCount(), dims);
        if (isCausal && mask != null) {
            throw new IllegalArgumentException("isCausal and a mask were both given; PyTorch's SDPA takes one or the other");
        }
    }

    private static void checkLength(String name, int length, int expected, AttentionDims dims) {
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " values; " + dims + " needs " + expected);
        }
    }

    private static long[] queryShape(AttentionDims dims) {
        return new long[] {dims.batch(), dims.numHeads(), dims.qLen(), dims.headDim()};
    }

    private static long[] keyShape(AttentionDims dims, int width) {
        return new long[] {dims.batch(), dims.numKvHeads(), dims.kvLen(), width};
    }

    /** The two 16-bit float types of {@link #attendInHalfPrecision} and {@link #roundTrip}. */
    public enum HalfPrecision {
        BFLOAT16(ScalarType.BFloat16),
        FLOAT16(ScalarType.Half);

        private final ScalarType type;

        HalfPrecision(ScalarType type) {
            this.type = type;
        }
    }

    /**
     * Attention in bf16 or fp16: q, k, v (and an additive mask) are cast from float32 to {@code half} by
     * {@code .to(dtype)}, exactly when they already hold values of that precision; SDPA runs on the cast tensors
     * as PyTorch 2.10 chooses (its CPU kernels accumulate in float32 and round the output to {@code half}); the
     * output is widened back to float32, exactly. {@code out [B, H, T, Dv]}; no {@code is_causal} (give a mask).
     */
    public float[] attendInHalfPrecision(AttentionDims dims, float[] q, float[] k, float[] v, Mask mask, HalfPrecision half) {
        checkLengths(dims, q.length, k.length, v.length, false, mask);
        try (PointerScope scope = new PointerScope()) {
            TensorOptions float32 = new TensorOptions(kFloat());
            Tensor out = sdpa(dims, false, mask, half.type,
                    from_blob(new FloatPointer(q), queryShape(dims), float32).to(half.type),
                    from_blob(new FloatPointer(k), keyShape(dims, dims.headDim()), float32).to(half.type),
                    from_blob(new FloatPointer(v), keyShape(dims, dims.valueHeadDim()), float32).to(half.type));
            float[] result = new float[dims.outputCount()];
            out.to(kFloat()).contiguous().data_ptr_float().get(result);                         // [B, H, T, Dv]
            return result;
        }
    }

    /** PyTorch's rounding of each value to {@code half}: {@code x.to(dtype).float()} on a float32 tensor. */
    public float[] roundTrip(float[] values, HalfPrecision half) {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = from_blob(new FloatPointer(values), new long[] {values.length}, new TensorOptions(kFloat()));
            float[] result = new float[values.length];
            x.to(half.type).to(kFloat()).contiguous().data_ptr_float().get(result);
            return result;
        }
    }
}
