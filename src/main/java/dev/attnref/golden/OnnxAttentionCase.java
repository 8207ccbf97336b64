package dev.attnref.golden;

import dev.attnref.core.Float16;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX {@code Attention} node test (opset 23 or 24), read from the JSON form described in
 * {@code reference-data/onnx-attention/README.md}: attributes, the inputs that are present, the
 * expected outputs that are present, and the comparison tolerance.
 *
 * <table>
 *   <caption>Input and output slots, in ONNX order</caption>
 *   <tr><th>slot</th><th>shape</th><th>dtype</th></tr>
 *   <tr><td>Q</td><td>[B, Hq, Sq, D] or [B, Sq, Hq·D]</td><td>float32 / float16 (T1)</td></tr>
 *   <tr><td>K</td><td>[B, Hkv, Skv, D] or [B, Skv, Hkv·D]</td><td>T1</td></tr>
 *   <tr><td>V</td><td>[B, Hkv, Skv, Dv] or [B, Skv, Hkv·Dv]</td><td>T1</td></tr>
 *   <tr><td>attn_mask</td><td>broadcasts to [B, Hq, Sq, P+Skv]</td><td>bool or T1; optional</td></tr>
 *   <tr><td>past_key, past_value</td><td>[B, Hkv, P, D], [B, Hkv, P, Dv]</td><td>T1; optional, together</td></tr>
 *   <tr><td>nonpad_kv_seqlen</td><td>[B]</td><td>int64; opset 24 only; optional</td></tr>
 *   <tr><td>Y</td><td>same rank as Q; last axis Dv (4D) or Hq·Dv (3D)</td><td>T1</td></tr>
 *   <tr><td>present_key, present_value</td><td>[B, Hkv, P+Skv, D], [B, Hkv, P+Skv, Dv]</td><td>T1; optional</td></tr>
 *   <tr><td>qk_matmul_output</td><td>[B, Hq, Sq, P+Skv]</td><td>T1; optional</td></tr>
 * </table>
 *
 * Reading checks everything it can: the JSON structure, known slots in ONNX order, known attributes
 * with their types, dtypes, shape × data length, values representable in their dtype, and each
 * tensor's {@code sha256_le} against the bytes it decodes to. A failure names the file and what is
 * wrong. Checked by {@code OnnxAttentionCaseTest} and {@code OnnxConformanceTest}.
 */
public record OnnxAttentionCase(String name, int opset, Attributes attributes, Map<String, StoredTensor> inputs,
        Map<String, StoredTensor> outputs, Tolerance tolerance) {

    /** Input slots of opset 24, in position order (opset 23 stops before the last). */
    public static final List<String> INPUT_SLOTS =
            List.of("Q", "K", "V", "attn_mask", "past_key", "past_value", "nonpad_kv_seqlen");
    /** Output slots, in position order. */
    public static final List<String> OUTPUT_SLOTS = List.of("Y", "present_key", "present_value", "qk_matmul_output");

    private static final Set<String> INT_ATTRIBUTES =
            Set.of("is_causal", "q_num_heads", "kv_num_heads", "softmax_precision", "qk_matmul_output_mode");
    private static final Set<String> FLOAT_ATTRIBUTES = Set.of("scale", "softcap");
    private static final ObjectMapper JSON = new ObjectMapper();

    public OnnxAttentionCase {
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    /**
     * The node's attributes; an unset one is {@code null} (or its ONNX default for the ints).
     *
     * @param isCausal            {@code is_causal} (default false)
     * @param scale               {@code scale}, a float32 value widened to double; null = 1/√D
     * @param qNumHeads           {@code q_num_heads}; only for 3D inputs
     * @param kvNumHeads          {@code kv_num_heads}; only for 3D inputs
     * @param softcap             {@code softcap} (default 0 = off)
     * @param softmaxPrecision    {@code softmax_precision}, a TensorProto dtype code; null = input type
     * @param qkMatmulOutputMode  {@code qk_matmul_output_mode} 0 … 3 (default 0)
     */
    public record Attributes(boolean isCausal, Double scale, Integer qNumHeads, Integer kvNumHeads, double softcap,
            Integer softmaxPrecision, int qkMatmulOutputMode) {
    }

    /** The ONNX node-test rule: pass iff |actual − expected| ≤ atol + rtol·|expected|. */
    public record Tolerance(double rtol, double atol) {
        public boolean allows(double actual, double expected) {
            return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
        }

        @Override
        public String toString() {
            return "rtol=" + rtol + " atol=" + atol;
        }
    }

    /** Whether the case passes the optional input or requests the optional output of this slot. */
    public boolean has(String slot) {
        return inputs.containsKey(slot) || outputs.containsKey(slot);
    }

    /** Reads and validates one case file. */
    public static OnnxAttentionCase read(Path file) {
        String where = file.toString();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw malformed(where, "is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed(where, "cannot be read: " + e);
        }
        if (root == null || !root.isObject()) {
            throw malformed(where, "does not hold a JSON object");
        }
        String name = text(where, root, "name");
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (!name.equals(stem)) {
            throw malformed(where, "names case \"" + name + "\" but the file is " + file.getFileName()
                    + "; expected name \"" + stem + "\"");
        }
        expectText(where, root, "op_type", "Attention");
        expectText(where, root, "domain", "ai.onnx");
        int opset = integer(where, root, "opset");
        if (opset != 23 && opset != 24) {
            throw malformed(where, "has opset " + opset + "; expected 23 or 24");
        }
        Attributes attributes = attributes(where, field(where, root, "attributes"), field(where, root, "attribute_types"));
        List<String> inputSlots = INPUT_SLOTS.subList(0, opset == 23 ? 6 : 7);
        Map<String, StoredTensor> inputs = tensors(where, "inputs", field(where, root, "inputs"), inputSlots,
                field(where, root, "node_inputs"));
        Map<String, StoredTensor> outputs = tensors(where, "outputs", field(where, root, "outputs"), OUTPUT_SLOTS,
                field(where, root, "node_outputs"));
        for (String required : List.of("Q", "K", "V")) {
            if (!inputs.containsKey(required)) {
                throw malformed(where, "lacks required input " + required);
            }
        }
        if (!outputs.containsKey("Y")) {
            throw malformed(where, "lacks the expected output Y");
        }
        JsonNode tol = field(where, root, "default_tolerance");
        Tolerance tolerance = new Tolerance(number(where, tol, "default_tolerance.rtol", "rtol"),
                number(where, tol, "default_tolerance.atol", "atol"));
        return new OnnxAttentionCase(name, opset, attributes, inputs, outputs, tolerance);
    }

    private static Attributes attributes(String where, JsonNode values, JsonNode types) {
        if (!values.isObject() || !types.isObject()) {
            throw malformed(where, "has \"attributes\" or \"attribute_types\" that is not a JSON object");
        }
        Map<String, JsonNode> seen = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String attribute = e.getKey();
            String expectedType = INT_ATTRIBUTES.contains(attribute) ? "INT"
                    : FLOAT_ATTRIBUTES.contains(attribute) ? "FLOAT" : null;
            if (expectedType == null) {
                throw malformed(where, "sets attribute \"" + attribute + "\", which Attention-23/24 does not have;"
                        + " expected one of " + sorted(INT_ATTRIBUTES, FLOAT_ATTRIBUTES));
            }
            JsonNode type = types.get(attribute);
            if (type == null || !expectedType.equals(type.asText())) {
                throw malformed(where, "gives attribute \"" + attribute + "\" type " + type + "; expected " + expectedType);
            }
            boolean ok = expectedType.equals("INT") ? e.getValue().canConvertToExactIntegral() && e.getValue().canConvertToInt()
                    : e.getValue().isNumber();
            if (!ok) {
                throw malformed(where, "has attribute \"" + attribute + "\" = " + e.getValue() + "; expected an "
                        + expectedType + " value");
            }
            seen.put(attribute, e.getValue());
        }
        int isCausal = seen.containsKey("is_causal") ? seen.get("is_causal").asInt() : 0;
        if (isCausal != 0 && isCausal != 1) {
            throw malformed(where, "has is_causal = " + isCausal + "; expected 0 or 1");
        }
        int mode = seen.containsKey("qk_matmul_output_mode") ? seen.get("qk_matmul_output_mode").asInt() : 0;
        if (mode < 0 || mode > 3) {
            throw malformed(where, "has qk_matmul_output_mode = " + mode + "; expected 0, 1, 2 or 3");
        }
        Integer precision = seen.containsKey("softmax_precision") ? seen.get("softmax_precision").asInt() : null;
        if (precision != null && !Set.of(1, 10, 11, 16).contains(precision)) {
            throw malformed(where, "has softmax_precision = " + precision
                    + "; expected a TensorProto code 1 (float), 10 (float16), 11 (double) or 16 (bfloat16)");
        }
        return new Attributes(isCausal == 1,
                seen.containsKey("scale") ? seen.get("scale").asDouble() : null,
                seen.containsKey("q_num_heads") ? seen.get("q_num_heads").asInt() : null,
                seen.containsKey("kv_num_heads") ? seen.get("kv_num_heads").asInt() : null,
                seen.containsKey("softcap") ? seen.get("softcap").asDouble() : 0.0,
                precision, mode);
    }

    private static String sorted(Set<String> a, Set<String> b) {
        String[] all = new String[a.size() + b.size()];
        int i = 0;
        for (String s : a) {
            all[i++] = s;
        }
        for (String s : b) {
            all[i++] = s;
        }
        Arrays.sort(all);
        return Arrays.toString(all);
    }

    private static Map<String, StoredTensor> tensors(String where, String key, JsonNode list, List<String> slots,
            JsonNode nodeNames) {
        if (!list.isArray() || list.size() != slots.size()) {
            throw malformed(where, "has \"" + key + "\" with " + (list.isArray() ? list.size() + " entries" : "no list")
                    + "; expected " + slots.size() + " entries " + slots);
        }
        if (!nodeNames.isArray()) {
            throw malformed(where, "has node_" + key + " that is not a list");
        }
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            JsonNode entry = list.get(i);
            String context = key + "[" + i + "]";
            String slot = text(where, entry, "slot", context + ".slot");
            if (!slot.equals(slots.get(i))) {
                throw malformed(where, "has " + context + " in slot \"" + slot + "\"; expected \"" + slots.get(i) + "\"");
            }
            boolean named = i < nodeNames.size() && !nodeNames.get(i).asText().isEmpty();
            boolean absent = entry.path("absent").asBoolean(false);
            if (absent == named) {
                throw malformed(where, "has " + context + " (" + slot + ") " + (absent ? "absent" : "present")
                        + " but node_" + key + " " + (named ? "names it" : "leaves it empty"));
            }
            if (!absent) {
                out.put(slot, tensor(where, context + " (" + slot + ")", entry));
            }
        }
        return out;
    }

    private static StoredTensor tensor(String where, String context, JsonNode entry) {
        String dtypeName = text(where, entry, "dtype", context + ".dtype");
        DType dtype = switch (dtypeName) {
            case "float32" -> DType.F32;
            case "float16" -> DType.F16;
            case "bool" -> DType.BOOL;
            case "int64" -> DType.I64;
            default -> throw malformed(where, "has " + context + " of dtype \"" + dtypeName
                    + "\"; expected float32, float16, bool or int64");
        };
        JsonNode shapeNode = field(where, entry, "shape", context + ".shape");
        if (!shapeNode.isArray()) {
            throw malformed(where, "has " + context + ".shape that is not a list");
        }
        int[] shape = new int[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = shapeNode.get(i);
            if (!dim.canConvertToInt() || !dim.canConvertToExactIntegral() || dim.asInt() < 0) {
                throw malformed(where, "has " + context + ".shape[" + i + "] = " + dim + "; expected a non-negative integer");
            }
            shape[i] = dim.asInt();
            count *= shape[i];
        }
        JsonNode data = field(where, entry, "data", context + ".data");
        if (!data.isArray() || data.size() != count) {
            throw malformed(where, "has " + context + " of shape " + Arrays.toString(shape) + " with "
                    + (data.isArray() ? data.size() + " values" : "data that is not a list") + "; expected " + count + " values");
        }
        StoredTensor tensor;
        if (dtype == DType.I64) {
            long[] values = new long[data.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = data.get(i);
                if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
                    throw malformed(where, "has " + context + ".data[" + i + "] = " + v + "; expected an int64");
                }
                values[i] = v.asLong();
            }
            tensor = new StoredTensor(dtype, shape, null, values);
        } else {
            double[] values = new double[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = element(where, context, i, data.get(i), dtype);
            }
            tensor = new StoredTensor(dtype, shape, values, null);
        }
        String expectedSha = text(where, entry, "sha256_le", context + ".sha256_le");
        String actualSha = sha256LittleEndian(tensor);
        if (!actualSha.equalsIgnoreCase(expectedSha)) {
            throw malformed(where, "has " + context + " whose decoded bytes hash to " + actualSha
                    + "; its sha256_le says " + expectedSha);
        }
        return tensor;
    }

    private static double element(String where, String context, int i, JsonNode v, DType dtype) {
        if (dtype == DType.BOOL) {
            if (!v.isBoolean()) {
                throw malformed(where, "has " + context + ".data[" + i + "] = " + v + "; expected true or false");
            }
            return v.asBoolean() ? 1.0 : 0.0;
        }
        double x;
        if (v.isNumber()) {
            x = v.asDouble();
        } else if (v.isTextual() && Set.of("Infinity", "-Infinity", "NaN").contains(v.asText())) {
            x = Double.parseDouble(v.asText());
        } else {
            throw malformed(where, "has " + context + ".data[" + i + "] = " + v
                    + "; expected a number or one of \"Infinity\", \"-Infinity\", \"NaN\"");
        }
        double representable = dtype == DType.F32 ? (double) (float) x : Float16.round(x);
        if (!Double.isNaN(x) && representable != x) {
            throw malformed(where, "has " + context + ".data[" + i + "] = " + v + ", which is not a "
                    + (dtype == DType.F32 ? "float32" : "float16") + " value");
        }
        return x;
    }

    /** SHA-256 of the tensor's little-endian raw bytes (float16 as binary16, bool as one byte 0/1), hex. */
    static String sha256LittleEndian(StoredTensor tensor) {
        int count = tensor.dtype() == DType.I64 ? tensor.integers().length : tensor.values().length;
        ByteBuffer bytes = ByteBuffer.allocate(count * tensor.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            switch (tensor.dtype()) {
                case F32 -> bytes.putFloat((float) tensor.values()[i]);
                case F16 -> bytes.putShort(Float16.toBits((float) tensor.values()[i]));
                case BOOL -> bytes.put((byte) (tensor.values()[i] != 0.0 ? 1 : 0));
                case I64 -> bytes.putLong(tensor.integers()[i]);
                case F64 -> bytes.putDouble(tensor.values()[i]);
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    private static JsonNode field(String where, JsonNode node, String key) {
        return field(where, node, key, key);
    }

    private static JsonNode field(String where, JsonNode node, String key, String path) {
        JsonNode value = node == null ? null : node.get(key);
        if (value == null || value.isNull()) {
            throw malformed(where, "lacks field \"" + path + "\"");
        }
        return value;
    }

    private static String text(String where, JsonNode node, String key) {
        return text(where, node, key, key);
    }

    private static String text(String where, JsonNode node, String key, String path) {
        JsonNode value = field(where, node, key, path);
        if (!value.isTextual()) {
            throw malformed(where, "has \"" + path + "\" = " + value + "; expected a string");
        }
        return value.asText();
    }

    private static void expectText(String where, JsonNode node, String key, String expected) {
        String actual = text(where, node, key);
        if (!actual.equals(expected)) {
            throw malformed(where, "has " + key + " \"" + actual + "\"; expected \"" + expected + "\"");
        }
    }

    private static int integer(String where, JsonNode node, String key) {
        JsonNode value = field(where, node, key);
        if (!value.canConvertToInt() || !value.canConvertToExactIntegral()) {
            throw malformed(where, "has \"" + key + "\" = " + value + "; expected an integer");
        }
        return value.asInt();
    }

    private static double number(String where, JsonNode node, String path, String key) {
        JsonNode value = field(where, node, key, path);
        if (!value.isNumber() || !(value.asDouble() >= 0)) {
            throw malformed(where, "has \"" + path + "\" = " + value + "; expected a non-negative number");
        }
        return value.asDouble();
    }

    private static IllegalArgumentException malformed(String where, String what) {
        return new IllegalArgumentException("ONNX attention case " + where + " " + what);
    }
}
