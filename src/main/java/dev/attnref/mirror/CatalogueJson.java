package dev.attnref.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reading and writing the project's JSON catalogues ({@link BugCatalogue}, and the claims ledger of
 * {@code dev.attnref.report}): an object holding one array of entries, each entry an object of
 * non-empty text fields. Bad input gives an {@link IllegalArgumentException} naming the catalogue,
 * the entry and the field.
 *
 * <p>Checked by {@code BugCatalogueTest} and {@code ClaimsLedgerTest} (their malformed-input cases).
 */
public final class CatalogueJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CatalogueJson() {
    }

    /** The classpath resource {@code resource} (absolute, as seen from {@code owner}) as UTF-8 text. */
    public static String readResource(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /** The array {@code arrayField} of the object {@code json}; {@code catalogue} names it in errors ("bug catalogue"). */
    public static JsonNode entries(String json, String catalogue, String arrayField) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(catalogue + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode array = root == null ? null : root.get(arrayField);
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException(catalogue + " must be an object with a '" + arrayField + "' array");
        }
        return array;
    }

    /** How errors name entry {@code index}: {@code "bug 3 (S000-MQA-TRANSPOSE)"}, or {@code "bug 3"} without an id. */
    public static String where(String entryKind, int index, JsonNode entry) {
        return entryKind + " " + index + (entry.hasNonNull("id") ? " (" + entry.get("id").asText() + ")" : "");
    }

    /** The field {@code field} of {@code entry}, which must be non-empty text. */
    public static String text(JsonNode entry, String field, String where) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": field '" + field
                    + "' is missing or empty; expected non-empty text");
        }
        return value.asText();
    }

    /** An empty JSON object: the root a catalogue fills and hands to {@link #pretty}. */
    public static ObjectNode newObject() {
        return JSON.createObjectNode();
    }

    /** {@code root} pretty-printed; {@code catalogue} names it should serialising fail. */
    public static String pretty(ObjectNode root, String catalogue) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serialising the " + catalogue, e);
        }
    }
}
