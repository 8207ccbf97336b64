package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, checked reading of a golden case's {@code config} object (reference-data/README.md,
 * "Variants"). Every accessor names the key, its path and what was expected when the value is
 * missing or wrong; {@link #finish()} rejects keys the variant never read, so that a misspelt option
 * is an error rather than a silently ignored setting.
 *
 * <p>A listed key must be present: {@code ...OrNull} accessors accept {@code null} ("absent / off") but
 * not a missing key, so a case that forgets {@code rope} is refused instead of computed without RoPE.
 * Only the keys the README calls optional are read with {@code optional...} or {@link #has}.
 *
 * <p>Non-finite numbers are written as the strings {@code "-inf"}, {@code "inf"} and {@code "nan"}
 * (JSON has no literal for them).
 */
public final class CaseConfig {
    private final ObjectNode node;
    private final String path;
    private final Set<String> read = new LinkedHashSet<>();
    private final List<CaseConfig> children = new ArrayList<>();

    private CaseConfig(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** The config object of a case; {@code what} names it in messages (e.g. {@code "config"}). */
    public static CaseConfig of(JsonNode node, String what) {
        if (node == null || node.isNull()) {
            return new CaseConfig(JsonNodeFactory.instance.objectNode(), what);
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(what + " is " + node.getNodeType().toString().toLowerCase()
                    + "; expected a JSON object");
        }
        return new CaseConfig((ObjectNode) node, what);
    }

    private String where(String key) {
        return path + "." + key;
    }

    /** The value of a key the variant lists, which every case must carry (README: null means absent / off). */
    private JsonNode present(String key) {
        read.add(key);
        JsonNode value = node.get(key);
        if (value == null) {
            throw new IllegalArgumentException(where(key) + " is missing; it is required by this variant"
                    + " (reference-data/README.md lists its keys)");
        }
        return value;
    }

    private JsonNode required(String key) {
        JsonNode value = present(key);
        if (value.isNull()) {
            throw new IllegalArgumentException(where(key) + " is null; this variant needs a value");
        }
        return value;
    }

    /** Whether {@code key} is present and not null (marks it as read). */
    public boolean has(String key) {
        read.add(key);
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** A whole number. */
    public int integer(String key) {
        JsonNode value = required(key);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(where(key) + " is " + value + "; expected a whole number");
        }
        return value.intValue();
    }

    /** A whole number ≥ 1. */
    public int positive(String key) {
        int value = integer(key);
        if (value < 1) {
            throw new IllegalArgumentException(where(key) + " (" + value + ") must be ≥ 1");
        }
        return value;
    }

    /** A whole number ≥ 0. */
    public int nonNegative(String key) {
        int value = integer(key);
        if (value < 0) {
            throw new IllegalArgumentException(where(key) + " (" + value + ") must be ≥ 0");
        }
        return value;
    }

    /** A number; {@code "-inf"}, {@code "inf"} and {@code "nan"} are read as the non-finite values. */
    public double number(String key) {
        JsonNode value = required(key);
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isTextual()) {
            switch (value.textValue()) {
                case "-inf":
                    return Double.NEGATIVE_INFINITY;
                case "inf":
                    return Double.POSITIVE_INFINITY;
                case "nan":
                    return Double.NaN;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(where(key) + " is " + value + "; expected a number (or \"-inf\", \"inf\", \"nan\")");
    }

    /** A finite number. */
    public double finite(String key) {
        double value = number(key);
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(where(key) + " (" + value + ") must be finite");
        }
        return value;
    }

    /** A finite number &gt; 0. */
    public double positiveFinite(String key) {
        double value = finite(key);
        if (value <= 0) {
            throw new IllegalArgumentException(where(key) + " (" + value + ") must be > 0");
        }
        return value;
    }

    /** A whole number ≥ 2 and even: a rotary width, whose dimensions turn in pairs. */
    public int rotaryWidth(String key) {
        int value = positive(key);
        if (value % 2 != 0) {
            throw new IllegalArgumentException(where(key) + " (" + value + ") must be even: RoPE turns dimensions in pairs");
        }
        return value;
    }

    /** A number, or {@code null} when the key holds null; the key itself must be present. */
    public Double numberOrNull(String key) {
        return present(key).isNull() ? null : number(key);
    }

    /** true or false. */
    public boolean bool(String key) {
        JsonNode value = required(key);
        if (!value.isBoolean()) {
            throw new IllegalArgumentException(where(key) + " is " + value + "; expected true or false");
        }
        return value.booleanValue();
    }

    /** true or false, or {@code fallback} when absent. */
    public boolean bool(String key, boolean fallback) {
        return has(key) ? bool(key) : fallback;
    }

    /** One of {@code choices}, spelled exactly. */
    public String choice(String key, String... choices) {
        JsonNode value = required(key);
        for (String choice : choices) {
            if (value.isTextual() && value.textValue().equals(choice)) {
                return choice;
            }
        }
        throw new IllegalArgumentException(where(key) + " is " + value + "; expected one of " + List.of(choices));
    }

    /** One of {@code choices}, or null when the key is absent or null: for the keys the README calls optional. */
    public String optionalChoice(String key, String... choices) {
        return has(key) ? choice(key, choices) : null;
    }

    /** A list of whole numbers. */
    public int[] integers(String key) {
        JsonNode value = required(key);
        if (!value.isArray()) {
            throw new IllegalArgumentException(where(key) + " is " + value + "; expected a list of whole numbers");
        }
        int[] out = new int[value.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode item = value.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw new IllegalArgumentException(where(key) + "[" + i + "] is " + item + "; expected a whole number");
            }
            out[i] = item.intValue();
        }
        return out;
    }

    /**
     * A nested object, or null when the key holds null; the key itself must be present. Its keys are checked
     * by {@link #finish()} too.
     */
    public CaseConfig objectOrNull(String key) {
        JsonNode value = present(key);
        if (value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw new IllegalArgumentException(where(key) + " is " + value + "; expected a JSON object or null");
        }
        CaseConfig child = new CaseConfig((ObjectNode) value, where(key));
        children.add(child);
        return child;
    }

    /** A nested object that must be present. */
    public CaseConfig object(String key) {
        JsonNode value = required(key);
        if (!value.isObject()) {
            throw new IllegalArgumentException(where(key) + " is " + value + "; expected a JSON object");
        }
        return objectOrNull(key);
    }

    /** A nested object, or null when the key is absent or null: for the keys the README calls optional. */
    public CaseConfig optionalObject(String key) {
        return has(key) ? object(key) : null;
    }

    /** Throws when the object (or a nested one) holds a key nobody read. */
    public void finish() {
        TreeSet<String> unknown = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!read.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(path + " has unknown key(s) " + unknown + "; this variant reads " + read);
        }
        for (CaseConfig child : children) {
            child.finish();
        }
    }

    /** The path of this object in messages, e.g. {@code config.rope}. */
    public String path() {
        return path;
    }
}
