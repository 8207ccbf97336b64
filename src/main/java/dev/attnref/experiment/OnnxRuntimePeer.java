package dev.attnref.experiment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attnref.fast.AttentionDims;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime (CPU) as an in-process peer of {@code dev.attnref.fast.FastAttention}: the same
 * float32 inputs, laid out as each operator wants them once at construction, then {@link #run()} as
 * often as a race needs. The models are the weight-free ones in
 * {@code src/main/resources/dev/attnref/fast/onnx/} (made by {@code make_models.py} there).
 *
 * <table>
 *   <caption>Operators and layouts</caption>
 *   <tr><th>op</th><th>prefill (causal, T = S)</th><th>decode (T = 1 over S keys; GQA: T ≥ 1 new tokens after a past)</th></tr>
 *   <tr><td>{@link Op#ATTENTION_23} (ONNX, opset 23)</td><td>Q [B,H,T,D], K [B,G,S,D], V [B,G,S,Dv]; is_causal = 1</td>
 *       <td>Q [B,H,1,D] against all of K, V; is_causal = 0</td></tr>
 *   <tr><td>{@link Op#GROUP_QUERY_ATTENTION} (com.microsoft)</td><td>query [B,T,H·D], key/value [B,T,G·D],
 *       seqlens_k = T − 1, total_sequence_length = T</td>
 *       <td>past_key/past_value = the first P = S − T keys [B,G,P,D], key/value = the last T [B,T,G·D],
 *       seqlens_k = S − 1, total_sequence_length = S (T &gt; 1: a chunk over a past, which ORT's CPU kernel
 *       runs causal bottom-right, "continuous decoding", microsoft/onnxruntime#21523; only at B = 1: ORT 1.29
 *       refuses B &gt; 1 with "batch_size must be 1 when sequence_length &gt; 1 and past context is given"); with key
 *       lengths (a ragged batch, T = 1), row b's new token is the one at len_b − 1 and seqlens_k[b] = len_b − 1</td></tr>
 * </table>
 * Inputs and outputs live in direct buffers allocated once, outputs are pinned (ORT writes into
 * them), so a run allocates nothing large. GroupQueryAttention decode also writes the present
 * key/value (a copy of the cache plus one token): that is what the operator does on every step.
 * Session: {@code intra_op_num_threads} = threads, one inter-op thread, spinning off (so idle ORT
 * threads do not steal the two cores from the kernel that runs next).
 */
public final class OnnxRuntimePeer implements AutoCloseable {
    /** Which ONNX Runtime operator. */
    public enum Op {
        ATTENTION_23("ORT Attention-23"),
        GROUP_QUERY_ATTENTION("ORT GroupQueryAttention");

        private final String label;

        Op(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final String MODELS = "/dev/attnref/fast/onnx/";

    private final Op op;
    private final AttentionDims dims;
    private final boolean decode;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
    private final FloatBuffer output;

    /**
     * A peer for {@code dims} on {@code threads} intra-op threads. Prefill is causal with T = S;
     * decode needs T = 1, except GroupQueryAttention's, whose T new tokens follow a past of S − T.
     * q, k, v are the fast kernel's layouts ([B,H,T,D], [B,G,S,D], [B,G,S,Dv]).
     */
    public OnnxRuntimePeer(Op op, boolean decode, AttentionDims dims, int threads, float[] q, float[] k, float[] v)
            throws OrtException {
        this(op, decode, dims, threads, q, k, v, null);
    }

    /**
     * A GroupQueryAttention decode peer over a batch of ragged caches: row b holds its first
     * {@code keyLengths[b]} ≥ 1 keys of k, v (the rest is not read); its past is the first len − 1 of them,
     * its new token the one at len − 1, {@code seqlens_k[b] = len − 1}, {@code total_sequence_length = S}.
     * Null lengths: every row holds all S keys.
     */
    public OnnxRuntimePeer(Op op, boolean decode, AttentionDims dims, int threads, float[] q, float[] k, float[] v,
            int[] keyLengths) throws OrtException {
        if (keyLengths != null && (op != Op.GROUP_QUERY_ATTENTION || !decode)) {
            throw new IllegalArgumentException("key lengths need GroupQueryAttention decode; got " + op.label()
                    + (decode ? " decode" : " prefill"));
        }
        this.op = op;
        this.dims = dims;
        this.decode = decode;
        if (decode && dims.qLen() != 1 && (op != Op.GROUP_QUERY_ATTENTION || keyLengths != null)) {
            throw new IllegalArgumentException("decode peer needs qLen 1, got " + dims.qLen()
                    + (keyLengths != null ? " with key lengths" : " for " + op.label()));
        }
        if (!decode && dims.qLen() != dims.kvLen()) {
            throw new IllegalArgumentException("prefill peer needs qLen (" + dims.qLen() + ") = kvLen (" + dims.kvLen() + ")");
        }
        if (op == Op.GROUP_QUERY_ATTENTION && dims.headDim() != dims.valueHeadDim()) {
            throw new IllegalArgumentException("GroupQueryAttention needs headDim (" + dims.headDim()
                    + ") = valueHeadDim (" + dims.valueHeadDim() + ")");
        }
        this.environment = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.addConfigEntry("session.inter_op.allow_spinning", "0");
        this.session = environment.createSession(model(op, decode, dims), options);
        options.close();
        int b = dims.batch();
        int h = dims.numHeads();
        int g = dims.numKvHeads();
        int t = dims.qLen();
        int s = dims.kvLen();
        int d = dims.headDim();
        int dv = dims.valueHeadDim();
        if (op == Op.ATTENTION_23) {
            inputs.put("Q", tensor(q, b, h, t, d));
            inputs.put("K", tensor(k, b, g, s, d));
            inputs.put("V", tensor(v, b, g, s, dv));
            output = direct(b * h * t * dv);
            outputs.put("Y", OnnxTensor.createTensor(environment, output, new long[] {b, h, t, dv}));
        } else {
            int past = s - t;
            int[] seqlens = new int[b];
            for (int bi = 0; bi < b; bi++) {
                seqlens[bi] = (keyLengths == null ? s : keyLengths[bi]) - 1;
                if (seqlens[bi] < 0 || seqlens[bi] >= s) {
                    throw new IllegalArgumentException("keyLengths[" + bi + "] (" + (seqlens[bi] + 1)
                            + ") must lie in [1, " + s + "]");
                }
            }
            // [B, H, T, D] → [B, T, H·D]; the new keys [B, G, S−T.., D] (ragged: row b's at seqlens[b]) → [B, T, G·D]
            inputs.put("query", tensor(packTokens(q, b, h, t, d, 0, t), b, t, h * d));
            if (decode) {
                inputs.put("key", tensor(keyLengths == null ? packTokens(k, b, g, s, d, past, t) : tokensAt(k, b, g, s, d, seqlens),
                        b, t, g * d));
                inputs.put("value", tensor(keyLengths == null ? packTokens(v, b, g, s, d, past, t) : tokensAt(v, b, g, s, d, seqlens),
                        b, t, g * d));
                inputs.put("past_key", tensor(firstPositions(k, b, g, s, d, past), b, g, past, d));
                inputs.put("past_value", tensor(firstPositions(v, b, g, s, d, past), b, g, past, d));
            } else {
                inputs.put("key", tensor(packTokens(k, b, g, s, d, 0, s), b, s, g * d));
                inputs.put("value", tensor(packTokens(v, b, g, s, d, 0, s), b, s, g * d));
            }
            inputs.put("seqlens_k", OnnxTensor.createTensor(environment, directInts(seqlens), new long[] {b}));
            inputs.put("total_sequence_length", OnnxTensor.createTensor(environment, directInts(new int[] {s}),
                    new long[] {1}));
            output = direct(b * t * h * d);
            outputs.put("output", OnnxTensor.createTensor(environment, output, new long[] {b, t, h * d}));
            outputs.put("present_key", OnnxTensor.createTensor(environment, direct(b * g * s * d), new long[] {b, g, s, d}));
            outputs.put("present_value", OnnxTensor.createTensor(environment, direct(b * g * s * d), new long[] {b, g, s, d}));
        }
    }

    public Op op() {
        return op;
    }

    /** One inference; the result stays in the pinned output buffer. */
    public void run() throws OrtException {
        OrtSession.Result result = session.run(inputs, outputs);
        result.close();
    }

    /** The last run's output in the fast kernel's layout {@code [B, H, T, Dv]} (a new array). */
    public float[] output() {
        int b = dims.batch();
        int h = dims.numHeads();
        int t = dims.qLen();
        int dv = dims.valueHeadDim();
        float[] out = new float[b * h * t * dv];
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                for (int ti = 0; ti < t; ti++) {
                    for (int e = 0; e < dv; e++) {
                        int source = op == Op.ATTENTION_23 ? ((bi * h + hi) * t + ti) * dv + e
                                : ((bi * t + ti) * h + hi) * dv + e;
                        out[((bi * h + hi) * t + ti) * dv + e] = output.get(source);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws OrtException {
        for (OnnxValue value : inputs.values()) {
            value.close();
        }
        for (OnnxValue value : outputs.values()) {
            value.close();
        }
        session.close();
    }

    /** The model file for an operator and head pair, as make_models.py names them. */
    static byte[] model(Op op, boolean decode, AttentionDims dims) {
        String name = op == Op.ATTENTION_23 ? (decode ? "attention23.onnx" : "attention23_causal.onnx")
                : "gqa_" + (decode ? "decode" : "prefill") + "_h" + dims.numHeads() + "_g" + dims.numKvHeads() + ".onnx";
        try (InputStream in = OnnxRuntimePeer.class.getResourceAsStream(MODELS + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no ONNX model " + name + " for " + dims
                        + "; make_models.py writes GroupQueryAttention models for the head pairs it lists");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Positions [from, from + count) of x [B, N, L, W] as [B, count, N·W]. */
    private static float[] packTokens(float[] x, int b, int n, int len, int w, int from, int count) {
        float[] packed = new float[b * count * n * w];
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                for (int ti = 0; ti < count; ti++) {
                    System.arraycopy(x, ((bi * n + ni) * len + from + ti) * w, packed, ((bi * count + ti) * n + ni) * w, w);
                }
            }
        }
        return packed;
    }

    /** Position at[b] of each row of x [B, N, L, W] as [B, 1, N·W]. */
    private static float[] tokensAt(float[] x, int b, int n, int len, int w, int[] at) {
        float[] packed = new float[b * n * w];
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                System.arraycopy(x, ((bi * n + ni) * len + at[bi]) * w, packed, (bi * n + ni) * w, w);
            }
        }
        return packed;
    }

    /** Positions [0, count) of x [B, N, L, W] as [B, N, count, W]. */
    private static float[] firstPositions(float[] x, int b, int n, int len, int w, int count) {
        float[] first = new float[b * n * count * w];
        for (int i = 0; i < b * n; i++) {
            System.arraycopy(x, i * len * w, first, i * count * w, count * w);
        }
        return first;
    }

    private OnnxTensor tensor(float[] values, long... shape) throws OrtException {
        FloatBuffer buffer = direct(values.length);
        buffer.put(values).rewind();
        return OnnxTensor.createTensor(environment, buffer, shape);
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static IntBuffer directInts(int[] values) {
        IntBuffer buffer = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder()).asIntBuffer();
        buffer.put(values).rewind();
        return buffer;
    }
}
