package dev.attnref.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of one experiment run, read from the experiment's {@code spec.json}.
 *
 * <pre>
 *   { "id": "E02", "title": "…",
 *     "full":  { "cacheLengths": [1024, …], … },
 *     "quick": { "cacheLengths": [256, 1024], … } }
 * </pre>
 *
 * A run reads the block of its {@link Mode}; every accessor names the file, the block and the key
 * when a value is missing or of the wrong type, so a bad spec fails before anything is measured.
 *
 * <p>Checked by {@code ExperimentFrameworkTest}.
 */
public final class Spec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String id;
    private final Mode mode;
    private final JsonNode block;

    private Spec(String source, String id, Mode mode, JsonNode block) {
        this.source = source;
        this.id = id;
        this.mode = mode;
        this.block = block;
    }

    /** Reads {@code file} and selects the block of {@code mode}. */
    public static Spec read(Path file, Mode mode) {
        try {
            return parse(Files.readString(file), file.toString(), mode);
        } catch (IOException e) {
            throw new UncheckedIOException("reading experiment spec " + file, e);
        }
    }

    /** Parses spec text; {@code source} names it in error messages. */
    public static Spec parse(String json, String source, Mode mode) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("spec " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("id").isTextual()) {
            throw new IllegalArgumentException("spec " + source + " must be an object with a text 'id'");
        }
        JsonNode block = root.get(mode.key());
        if (block == null || !block.isObject()) {
            throw new IllegalArgumentException("spec " + source + " has no '" + mode.key()
                    + "' block; expected an object with the parameters of a " + mode.key() + " run");
        }
        return new Spec(source, root.get("id").asText(), mode, block);
    }

    public String id() {
        return id;
    }

    public Mode mode() {
        return mode;
    }

    /** The selected block as compact JSON: the run's settings, for the stamp. */
    public String settingsJson() {
        return block.toString();
    }

    /** Whether the block has {@code key}. */
    public boolean has(String key) {
        return block.has(key);
    }

    public int integer(String key) {
        JsonNode node = require(key);
        if (!node.isInt()) {
            throw wrong(key, "an integer", node);
        }
        return node.asInt();
    }

    public double number(String key) {
        JsonNode node = require(key);
        if (!node.isNumber()) {
            throw wrong(key, "a number", node);
        }
        return node.asDouble();
    }

    public String text(String key) {
        JsonNode node = require(key);
        if (!node.isTextual()) {
            throw wrong(key, "text", node);
        }
        return node.asText();
    }

    public List<Integer> integers(String key) {
        List<Integer> values = new ArrayList<>();
        for (JsonNode n : array(key)) {
            if (!n.isInt()) {
                throw wrong(key, "an array of integers", n);
            }
            values.add(n.asInt());
        }
        return values;
    }

    /** Numbers; the strings {@code "-Infinity"} and {@code "Infinity"} are read as the infinities. */
    public List<Double> numbers(String key) {
        List<Double> values = new ArrayList<>();
        for (JsonNode n : array(key)) {
            if (n.isNumber()) {
                values.add(n.asDouble());
            } else if (n.isTextual() && (n.asText().equals("-Infinity") || n.asText().equals("Infinity"))) {
                values.add(n.asText().startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            } else {
                throw wrong(key, "an array of numbers", n);
            }
        }
        return values;
    }

    public List<String> texts(String key) {
        List<String> values = new ArrayList<>();
        for (JsonNode n : array(key)) {
            if (!n.isTextual()) {
                throw wrong(key, "an array of text", n);
            }
            values.add(n.asText());
        }
        return values;
    }

    /** An array of names of {@code type}'s constants. */
    public <E extends Enum<E>> List<E> choices(String key, Class<E> type) {
        List<E> values = new ArrayList<>();
        for (String name : texts(key)) {
            values.add(constant(key, name, type));
        }
        return values;
    }

    /** The name of one of {@code type}'s constants. */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        return constant(key, text(key), type);
    }

    private <E extends Enum<E>> E constant(String key, String name, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("spec " + source + ": '" + mode.key() + "." + key + "' is " + name
                + "; expected one of " + java.util.Arrays.toString(type.getEnumConstants()));
    }

    /** An array of objects, each wrapped as a {@link Spec} of the same source for typed access. */
    public List<Spec> objects(String key) {
        List<Spec> values = new ArrayList<>();
        JsonNode array = array(key);
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            if (!n.isObject()) {
                throw wrong(key, "an array of objects", n);
            }
            values.add(new Spec(source + " " + mode.key() + "." + key + "[" + i + "]", id, mode, n));
        }
        return values;
    }

    /** A nested object, wrapped as a {@link Spec} of the same source for typed access. */
    public Spec object(String key) {
        JsonNode node = require(key);
        if (!node.isObject()) {
            throw wrong(key, "an object", node);
        }
        return new Spec(source + " " + mode.key() + "." + key, id, mode, node);
    }

    private JsonNode array(String key) {
        JsonNode node = require(key);
        if (!node.isArray() || node.isEmpty()) {
            throw wrong(key, "a non-empty array", node);
        }
        return node;
    }

    private JsonNode require(String key) {
        JsonNode node = block.get(key);
        if (node == null) {
            throw new IllegalArgumentException("spec " + source + ": '" + mode.key() + "' block has no '" + key + "'");
        }
        return node;
    }

    private IllegalArgumentException wrong(String key, String expected, JsonNode actual) {
        return new IllegalArgumentException("spec " + source + ": '" + mode.key() + "." + key + "' is " + actual
                + "; expected " + expected);
    }

    /** Which block of the spec a run uses. */
    public enum Mode {
        FULL("full"),
        QUICK("quick");

        private final String key;

        Mode(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }
}
