package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
                header.append(firstMeta ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
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
            header.append(first ? "" : ",").append(quote(e.getKey())).append(":{\"dtype\":\"").append(t.dtype().name())
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

    /** Decodes safetensors bytes. */
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
        String headerText = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = JSON.readTree(headerText);
        } catch (IOException e) {
            throw new IllegalArgumentException("header is not valid JSON: " + e.getMessage());
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("header is not a JSON object");
        }
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
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            if (!node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
                throw new IllegalArgumentException("tensor \"" + name + "\" lacks dtype, shape or data_offsets");
            }
            DType dtype = DType.parse(node.get("dtype").asText());
            int[] shape = new int[node.get("shape").size()];
            long numel = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = node.get("shape").get(d).asInt();
                if (shape[d] < 0) {
                    throw new IllegalArgumentException("tensor \"" + name + "\" has negative size " + shape[d]);
                }
                numel *= shape[d];
            }
            long begin = node.get("data_offsets").get(0).asLong();
            long end = node.get("data_offsets").get(1).asLong();
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

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException("cannot quote a string as JSON", e);
        }
    }
}
