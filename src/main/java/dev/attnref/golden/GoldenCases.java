package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The case list of {@code reference-data/v1}, kept as data in {@code cases-v1.json} beside this class
 * ({@code src/main/resources/dev/attnref/golden/}): every variant and option the code has, at small and
 * partly odd sizes. The file has one section per variant, in the order the cases are written, and one
 * entry per case with named fields:
 *
 * <table>
 *   <caption>A case entry</caption>
 *   <tr><th>field</th><th>meaning</th></tr>
 *   <tr><td>id, description</td><td>as written to the case's manifest</td></tr>
 *   <tr><td>seed</td><td>the seed of the inputs the case does not give ({@link GoldenGenerator#generate})</td></tr>
 *   <tr><td>config</td><td>the variant's config (reference-data/README.md); where the section lists
 *       {@code config_keys}, the manifest's config holds those keys in that order, each the case's value or else the
 *       section's {@code defaults} value, so an entry shows only what sets it apart</td></tr>
 *   <tr><td>given</td><td>inputs chosen rather than drawn (masks, lengths, positions, token ids): a nested list of
 *       the input's shape, or a seeded random mask ({@link GoldenGenerator#given})</td></tr>
 *   <tr><td>precision</td><td>optional, "bf16" or "fp16": float inputs stored in that precision and a baseline error
 *       per output (reference-data/README.md, "Precision"); absent, they are stored as F32</td></tr>
 * </table>
 *
 * <p>Adding, removing or changing an entry changes v1's bytes: that is a new version (see {@link GoldenGenerator}).
 */
final class GoldenCases {
    /** The data file, a class-path resource beside this class. */
    static final String FILE = "cases-v1.json";

    private static final Set<String> FILE_FIELDS = Set.of("about", "sections");
    private static final Set<String> SECTION_FIELDS = Set.of("variant", "about", "config_keys", "defaults", "cases");
    private static final Set<String> CASE_FIELDS = Set.of("id", "seed", "description", "config", "given", "precision");

    private GoldenCases() {
    }

    /** Every case of v1, in the order of the file. */
    static List<GoldenGenerator.Definition> definitions() {
        return definitions(read());
    }

    /** The cases of a case list in the format of {@link #FILE}, in its order. */
    static List<GoldenGenerator.Definition> definitions(JsonNode root) {
        requireFields(root, FILE, FILE_FIELDS);
        List<GoldenGenerator.Definition> out = new ArrayList<>();
        for (JsonNode section : root.get("sections")) {
            String variant = section.path("variant").asText();
            requireFields(section, FILE + " section " + variant, SECTION_FIELDS);
            for (JsonNode entry : section.get("cases")) {
                out.add(definition(variant, section, entry));
            }
        }
        return out;
    }

    private static JsonNode read() {
        try (InputStream in = GoldenCases.class.getResourceAsStream(FILE)) {
            if (in == null) {
                throw new IllegalStateException(FILE + " is not on the class path beside " + GoldenCases.class.getName());
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(FILE + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static GoldenGenerator.Definition definition(String variant, JsonNode section, JsonNode entry) {
        String id = entry.path("id").asText();
        String where = FILE + " case " + id;
        requireFields(entry, where, CASE_FIELDS);
        JsonNode seed = entry.path("seed");
        if (!seed.isIntegralNumber() || !seed.canConvertToLong() || !entry.path("config").isObject()) {
            throw new IllegalStateException(where + " needs a whole-number seed and a config object");
        }
        Map<String, JsonNode> given = new LinkedHashMap<>();
        entry.path("given").fields().forEachRemaining(e -> given.put(e.getKey(), e.getValue()));
        return new GoldenGenerator.Definition(id, variant, entry.path("description").asText(),
                config(where, section, (ObjectNode) entry.get("config")), seed.longValue(), given, precision(where, entry));
    }

    /** {@code "precision"}: absent (float inputs stored as F32), "bf16" or "fp16" (stored so, with a baseline error). */
    private static Precision precision(String where, JsonNode entry) {
        JsonNode field = entry.get("precision");
        if (field == null) {
            return null;
        }
        Precision precision = Precision.parse(field.asText(), where + " precision");
        if (!precision.isLow()) {
            throw new IllegalStateException(where + " precision is " + precision.cliName() + "; expected bf16 or fp16 "
                    + "(leave it out for float32 inputs)");
        }
        return precision;
    }

    /** The manifest's config: the section's config_keys in order, each the case's value or else the default. */
    private static ObjectNode config(String where, JsonNode section, ObjectNode own) {
        JsonNode keys = section.get("config_keys");
        if (keys == null) {
            return own;
        }
        JsonNode defaults = section.path("defaults");
        ObjectNode config = Json.object();
        List<String> listed = new ArrayList<>();
        for (JsonNode key : keys) {
            String k = key.textValue();
            listed.add(k);
            JsonNode value = own.has(k) ? own.get(k) : defaults.get(k);
            if (value != null) {
                config.set(k, value.deepCopy());
            }
        }
        for (Iterator<String> it = own.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!listed.contains(k)) {
                throw new IllegalStateException(where + ": config key " + k + " is not in the section's config_keys " + listed);
            }
        }
        return config;
    }

    private static void requireFields(JsonNode node, String where, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw new IllegalStateException(where + " has an unknown field " + field + "; expected only " + allowed);
            }
        }
    }
}
