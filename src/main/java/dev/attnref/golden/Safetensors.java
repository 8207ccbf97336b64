package dev.attnref.golden;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (Hugging Face): {@code u64 N} little-endian, then {@code N} bytes of JSON
 * header, then the tensor bytes. The header maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the end of the
 * header) and may hold a {@code "__metadata__"} map of strings to strings.
 *
 * <p>The writer is deterministic, so regenerated files are byte-identical: metadata first, then
 * tensors in ascending name order (UTF-16 code unit order, as {@link String#compareTo}), each
 * tensor's data in that order, JSON written without spaces with keys in the order {@code dtype,
 * shape, data_offsets}, and the header padded with spaces to a multiple of 8 bytes so that the data
 * starts 8-aligned. The reader accepts any valid file: it checks that offsets tile the data
 * exactly and that each tensor's byte length matches its dtype and shape. Checked by
 * {@code SafetensorsTest} and, independently, by the NumPy port's reader.
 */
public final class Safetensors {
    private Safetensors() {
    }

    /** A decoded file: tensors in header order, and metadata. */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
    }

    /** Serialises {@code tensors} (any order given; written by ascending name) with {@code metadata}. */
    public static byte[] write(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        TreeMap<String, StoredTensor> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            header.append("\"__metadata__\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                header.append(firstMeta ? "" : ",").append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                firstMeta = false;
            }
            header.append('}');
            first = false;
        }
        long at = 0;
        for (Map.Entry<String, StoredTensor> e : sorted.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            }
            StoredTensor t = e.getValue();
            long size = (long) t.numel() * t.dtype().bytes();
            header.append(first ? "" : ",").append(Json.quote(e.getKey())).append(":{\"dtype\":\"").append(t.dtype().name())
                    .append("\",\"shape\":[");
            for (int d = 0; d < t.shape().length; d++) {
                header.append(d == 0 ? "" : ",").append(t.shape()[d]);
            }
            header.append("],\"data_offsets\":[").append(at).append(',').append(at + size).append("]}");
            at += size;
            first = false;
        }
        header.append('}');
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + at)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (StoredTensor t : sorted.values()) {
            putValues(out, t);
        }
        return out.array();
    }

    /** Writes {@link #write} to {@code file}. */
    public static void write(Path file, Map<String, StoredTensor> tensors, Map<String, String> metadata) throws IOException {
        Files.write(file, write(tensors, metadata));
    }

    /** Reads a file, reporting malformed content with the file name. */
    public static Contents read(Path file) throws IOException {
        try {
            return read(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes safetensors bytes. Refused, each with a message naming the tensor and the field: a header that
     * is not UTF-8 or not a JSON object, a repeated key, metadata that is not a map of strings, a shape that
     * is not a list of whole numbers in [0, 2³¹ − 1], data_offsets that are not two whole numbers, and offsets
     * that do not tile the data exactly.
     */
    public static Contents read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes, expected at least 8");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = in.getLong();
        if (headerLength < 2 || headerLength > bytes.length - 8) {
            throw new IllegalArgumentException("header length " + headerLength + " does not fit in a file of "
                    + bytes.length + " bytes");
        }
        JsonNode header = header(bytes, (int) headerLength);
        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - dataStart;
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        TreeMap<Long, Long> spans = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                metadata(node, metadata);
                continue;
            }
            if (!node.isObject() || !node.path("dtype").isTextual() || !node.has("shape") || !node.has("data_offsets")) {
                throw new IllegalArgumentException("tensor \"" + name + "\" is " + node
                        + "; expected {\"dtype\": \"...\", \"shape\": [...], \"data_offsets\": [begin, end]}");
            }
            DType dtype = DType.parse(node.get("dtype").textValue());
            int[] shape = shape(name, node.get("shape"));
            long numel = 1;
            for (int size : shape) {
                numel *= size;
                if (numel > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("tensor \"" + name + "\" has shape " + node.get("shape")
                            + ", more than 2³¹ − 1 elements");
                }
            }
            long[] offsets = offsets(name, node.get("data_offsets"));
            long begin = offsets[0];
            long end = offsets[1];
            if (begin < 0 || end < begin || end > dataLength || end - begin != numel * dtype.bytes()) {
                throw new IllegalArgumentException("tensor \"" + name + "\" (" + dtype + " " + java.util.Arrays.toString(shape)
                        + ") has data_offsets [" + begin + ", " + end + "]; expected " + numel * dtype.bytes()
                        + " bytes within the " + dataLength + " data bytes");
            }
            spans.put(begin, end);
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(name, getValues(slice, dtype, shape, (int) numel, name));
        }
        long expect = 0;
        for (Map.Entry<Long, Long> span : spans.entrySet()) {
            if (span.getKey() != expect) {
                throw new IllegalArgumentException("tensor data is not contiguous: a gap or overlap at byte " + expect);
            }
            expect = span.getValue();
        }
        if (expect != dataLength) {
            throw new IllegalArgumentException("tensors cover " + expect + " of the " + dataLength + " data bytes");
        }
        return new Contents(tensors, metadata);
    }

    /** The header: strict UTF-8, then a JSON object with no repeated key. */
    private static JsonNode header(byte[] bytes, int length) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 8, length)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("header is not valid UTF-8");
        }
        JsonNode header;
        try {
            header = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("header is not a JSON object");
        }
        return header;
    }

    private static void metadata(JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("__metadata__ is " + node + "; expected a map of strings to strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new IllegalArgumentException("__metadata__." + m.getKey() + " is " + m.getValue() + "; expected a string");
            }
            metadata.put(m.getKey(), m.getValue().textValue());
        }
    }

    /** A shape: a list of whole JSON numbers in [0, 2³¹ − 1] (not strings, fractions or wider integers). */
    private static int[] shape(String name, JsonNode shape) {
        if (!shape.isArray()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has shape " + shape + "; expected a list of sizes");
        }
        int[] out = new int[shape.size()];
        for (int d = 0; d < out.length; d++) {
            JsonNode size = shape.get(d);
            if (!size.isIntegralNumber() || !size.canConvertToInt() || size.intValue() < 0) {
                throw new IllegalArgumentException("tensor \"" + name + "\" has shape " + shape + ": entry " + d + " ("
                        + size + ") is not a whole number in [0, 2³¹ − 1]");
            }
            out[d] = size.intValue();
        }
        return out;
    }

    /** data_offsets: exactly two whole numbers [begin, end]. */
    private static long[] offsets(String name, JsonNode offsets) {
        if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has data_offsets " + offsets
                    + "; expected two whole numbers [begin, end]");
        }
        return new long[] {offsets.get(0).longValue(), offsets.get(1).longValue()};
    }

    private static void putValues(ByteBuffer out, StoredTensor t) {
        switch (t.dtype()) {
            case F64 -> {
                for (double v : t.values()) {
                    out.putDouble(v);
                }
            }
            case F32 -> {
                for (double v : t.values()) {
                    out.putFloat((float) v);
                }
            }
            case F16 -> {
                for (double v : t.values()) {
                    out.putShort(Float16.toBits((float) v));
                }
            }
            case BF16 -> {
                for (double v : t.values()) {
                    out.putShort(Bfloat16.toBits((float) v));
                }
            }
            case BOOL -> {
                for (double v : t.values()) {
                    out.put((byte) (v != 0.0 ? 1 : 0));
                }
            }
            case I64 -> {
                for (long v : t.integers()) {
                    out.putLong(v);
                }
            }
        }
    }

    private static StoredTensor getValues(ByteBuffer in, DType dtype, int[] shape, int n, String name) {
        if (dtype == DType.I64) {
            long[] longs = new long[n];
            for (int i = 0; i < n; i++) {
                longs[i] = in.getLong();
            }
            return StoredTensor.i64(shape, longs);
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = switch (dtype) {
                case F64 -> in.getDouble();
                case F32 -> in.getFloat();
                case F16 -> Float16.toDouble(in.getShort());
                case BF16 -> Bfloat16.toDouble(in.getShort());
                case BOOL -> {
                    byte b = in.get();
                    if (b != 0 && b != 1) {
                        throw new IllegalArgumentException("BOOL tensor \"" + name + "\" holds byte " + b + " at index " + i
                                + "; expected 0 or 1");
                    }
                    yield b;
                }
                case I64 -> throw new IllegalStateException("unreachable: I64 handled above");
            };
        }
        return new StoredTensor(dtype, shape, values, null);
    }
}
