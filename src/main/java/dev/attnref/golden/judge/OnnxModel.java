package dev.attnref.golden.judge;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.attnref.core.Bfloat16;
import dev.attnref.golden.Precision;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A one-node ONNX model, written in-process as protobuf bytes (onnx/onnx.proto3: ModelProto → GraphProto →
 * NodeProto, with the field numbers named below) and run once by ONNX Runtime's CPU provider. attnref has no
 * ONNX library: the handful of fields a single node needs are encoded here, so every judged shape and
 * attribute gets its own model without a committed file.
 *
 * <p>Float inputs are handed over in the run's precision (float32, or bf16 bits: the values are exact bf16
 * already); masks as bool or int32; the first node output is read back, widened to double.
 */
final class OnnxModel {
    /** ONNX TensorProto.DataType codes. */
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int BOOL = 9;
    static final int BFLOAT16 = 16;

    /** One graph input: float values (in the run's precision), ints or bools, and its shape. */
    record Feed(String name, long[] shape, double[] floats, int[] ints, boolean[] bools) {
        static Feed floats(String name, double[] values, long... shape) {
            return new Feed(name, shape, values, null, null);
        }

        static Feed ints(String name, int[] values, long... shape) {
            return new Feed(name, shape, null, values, null);
        }

        static Feed bools(String name, boolean[] values, long... shape) {
            return new Feed(name, shape, null, null, values);
        }

        int elementType(Precision precision) {
            return floats != null ? (precision == Precision.BF16 ? BFLOAT16 : FLOAT) : ints != null ? INT32 : BOOL;
        }
    }

    private final String opType;
    private final String domain;
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private final List<String> inputSlots = new ArrayList<>();
    private final List<Feed> feeds = new ArrayList<>();
    private final List<String> outputs;

    /** A node {@code opType} of {@code domain} ("" for ai.onnx) with these output names (the first is read). */
    OnnxModel(String opType, String domain, String... outputs) {
        this.opType = opType;
        this.domain = domain;
        this.outputs = List.of(outputs);
    }

    /** An int attribute (AttributeProto type INT) or a float one (FLOAT). */
    OnnxModel attribute(String name, Object value) {
        attributes.put(name, value);
        return this;
    }

    /** The next input slot: a graph input, or an empty slot when {@code feed} is null (an omitted optional input). */
    OnnxModel input(Feed feed) {
        inputSlots.add(feed == null ? "" : feed.name());
        if (feed != null) {
            feeds.add(feed);
        }
        return this;
    }

    /** Builds the model, runs it once on one intra-op thread, and returns the first output, widened. */
    double[] run(int opset, Precision precision) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);      // refusals are reported, not logged
            try (OrtSession session = env.createSession(bytes(opset, precision), options)) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                try {
                    for (Feed feed : feeds) {
                        in.put(feed.name(), tensor(env, feed, precision));
                    }
                    try (OrtSession.Result result = session.run(in)) {
                        return widen((OnnxTensor) result.get(0), precision);
                    }
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException(reason(e.getMessage()), e);
        }
    }

    /**
     * ORT's message without its wrapping: "Error code - … - message: Non-zero status code … Status Message:
     * &lt;file:line signature&gt; &lt;condition&gt; was false. &lt;reason&gt;" → "&lt;reason&gt;" (or the status message).
     */
    static String reason(String message) {
        String text = message == null ? "no message" : message.lines().findFirst().orElse("").trim();
        int status = text.indexOf("Status Message: ");
        if (status >= 0) {
            text = text.substring(status + "Status Message: ".length());
        } else if (text.contains(" - message: ")) {
            text = text.substring(text.indexOf(" - message: ") + " - message: ".length());
        }
        int check = text.indexOf(" was false. ");
        return check >= 0 ? text.substring(check + " was false. ".length()) : text;
    }

    private static OnnxTensor tensor(OrtEnvironment env, Feed feed, Precision precision) throws OrtException {
        if (feed.ints() != null) {
            IntBuffer b = ByteBuffer.allocateDirect(4 * feed.ints().length).order(ByteOrder.nativeOrder()).asIntBuffer();
            b.put(feed.ints()).rewind();
            return OnnxTensor.createTensor(env, b, feed.shape());
        }
        if (feed.bools() != null) {
            ByteBuffer b = ByteBuffer.allocateDirect(feed.bools().length).order(ByteOrder.nativeOrder());
            for (boolean v : feed.bools()) {
                b.put((byte) (v ? 1 : 0));
            }
            b.rewind();
            return OnnxTensor.createTensor(env, b, feed.shape(), OnnxJavaType.BOOL);
        }
        if (precision == Precision.BF16) {
            // bf16 = the top 16 bits of the float32 pattern (exact: the values are bf16 already)
            ShortBuffer b = ByteBuffer.allocateDirect(2 * feed.floats().length).order(ByteOrder.nativeOrder()).asShortBuffer();
            for (double v : feed.floats()) {
                b.put(Bfloat16.toBits((float) v));
            }
            b.rewind();
            return OnnxTensor.createTensor(env, b, feed.shape(), OnnxJavaType.BFLOAT16);
        }
        FloatBuffer b = ByteBuffer.allocateDirect(4 * feed.floats().length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (double v : feed.floats()) {
            b.put((float) v);
        }
        b.rewind();
        return OnnxTensor.createTensor(env, b, feed.shape());
    }

    private static double[] widen(OnnxTensor out, Precision precision) {
        if (precision == Precision.BF16) {
            ShortBuffer b = out.getShortBuffer();
            double[] wide = new double[b.remaining()];
            for (int i = 0; i < wide.length; i++) {
                wide[i] = Bfloat16.toDouble(b.get(i));
            }
            return wide;
        }
        FloatBuffer b = out.getFloatBuffer();
        double[] wide = new double[b.remaining()];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = b.get(i);
        }
        return wide;
    }

    /** ModelProto: ir_version (1) = 10, producer_name (2), graph (7), opset_import (8) for ai.onnx and, if used, the node's domain. */
    byte[] bytes(int opset, Precision precision) {
        Proto model = new Proto().varint(1, 10).string(2, "attnref golden judge").message(7, graph(precision));
        model.message(8, new Proto().string(1, "").varint(2, domain.isEmpty() ? opset : 23));
        if (!domain.isEmpty()) {
            model.message(8, new Proto().string(1, domain).varint(2, opset));
        }
        return model.toByteArray();
    }

    /** GraphProto: node (1), name (2), input (11), output (12); NodeProto: input (1), output (2), op_type (4), attribute (5), domain (7). */
    private Proto graph(Precision precision) {
        Proto node = new Proto();
        inputSlots.forEach(name -> node.string(1, name));
        outputs.forEach(name -> node.string(2, name));
        node.string(4, opType);
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            // AttributeProto: name (1), f (2), i (3), type (20): FLOAT = 1, INT = 2
            Proto attribute = new Proto().string(1, a.getKey());
            if (a.getValue() instanceof Integer i) {
                attribute.varint(3, i).varint(20, 2);
            } else {
                attribute.fixed32(2, ((Number) a.getValue()).floatValue()).varint(20, 1);
            }
            node.message(5, attribute);
        }
        node.string(7, domain);
        Proto graph = new Proto().message(1, node).string(2, opType);
        for (Feed feed : feeds) {
            graph.message(11, valueInfo(feed.name(), feed.elementType(precision), feed.shape()));
        }
        graph.message(12, valueInfo(outputs.get(0), precision == Precision.BF16 ? BFLOAT16 : FLOAT, null));
        return graph;
    }

    /** ValueInfoProto: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1). */
    private static Proto valueInfo(String name, int elementType, long[] shape) {
        Proto tensorType = new Proto().varint(1, elementType);
        if (shape != null) {
            Proto dims = new Proto();
            for (long d : shape) {
                dims.message(1, new Proto().varint(1, d));
            }
            tensorType.message(2, dims);
        }
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** The protobuf wire format, the four field kinds a model needs: varint (0), fixed32 (5), length-delimited (2). */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
            return this;
        }

        Proto fixed32(int field, float value) {
            raw((long) field << 3 | 5);
            int bits = Float.floatToRawIntBits(value);
            for (int i = 0; i < 4; i++) {
                out.write(bits >>> (8 * i));
            }
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.toByteArray());
        }

        private Proto bytes(int field, byte[] value) {
            raw((long) field << 3 | 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
