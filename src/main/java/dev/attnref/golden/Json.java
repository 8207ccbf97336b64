package dev.attnref.golden;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON of golden manifests: parsed with Jackson, written by hand so that the bytes are fixed by
 * the content alone — two-space indentation, keys in insertion order, arrays of scalars on one line,
 * {@code "\n"} line ends and a final newline; numbers as Java prints them ({@code 1.0E-12} is valid
 * JSON). Regenerated manifests are therefore byte-identical.
 */
public final class Json {
    /** Refuses a repeated key (Jackson would keep the last one silently). */
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Json() {
    }

    /** A new empty object. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A new array of whole numbers. */
    public static ArrayNode ints(int... values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    /** A new array of strings. */
    public static ArrayNode strings(Iterable<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    /** Parses a file, naming it when it is not valid JSON. */
    public static JsonNode read(Path file) throws IOException {
        try {
            return MAPPER.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The canonical text of {@code node}, UTF-8, ending in a newline. */
    public static byte[] bytes(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0);
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder sb, JsonNode node, int indent) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append("  ".repeat(indent + 1)).append(quote(e.getKey())).append(": ");
                write(sb, e.getValue(), indent + 1);
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(indent)).append('}');
        } else if (node.isArray()) {
            boolean flat = true;
            for (JsonNode item : node) {
                flat &= item.isValueNode();
            }
            if (flat) {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    sb.append(i == 0 ? "" : ", ");
                    write(sb, node.get(i), indent);
                }
                sb.append(']');
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < node.size(); i++) {
                sb.append("  ".repeat(indent + 1));
                write(sb, node.get(i), indent + 1);
                sb.append(i + 1 < node.size() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(indent)).append(']');
        } else if (node.isTextual()) {
            sb.append(quote(node.textValue()));
        } else if (node.isDouble() || node.isFloat()) {
            double v = node.doubleValue();
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("JSON cannot hold " + v + "; write it as the string \"-inf\", \"inf\" or \"nan\"");
            }
            sb.append(v);
        } else {
            sb.append(node.toString());
        }
    }

    static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot quote a string as JSON", e);
        }
    }
}
