package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The case lists of {@code reference-data/v1} and {@code v2}, kept as data beside this class
 * ({@code src/main/resources/dev/attnref/golden/}): v1 is {@code cases-v1.json} (every variant and option the
 * code has, at small and partly odd sizes); v2 is every {@code cases-v2-*.json}, read in sorted file-name order
 * and concatenated, so that each topic (RoPE scaling, low precision, the bug zoo) keeps its own file. A file
 * has one section per variant, in the order the cases are written, and one entry per case with named fields:
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
 * <p>Adding, removing or changing an entry of v1 changes v1's bytes: that is a new version (see {@link GoldenGenerator}).
 */
final class GoldenCases {
    /** v1's data file, a class-path resource beside this class. */
    static final String FILE = "cases-v1.json";

    /** The versions with a case list. */
    static final List<String> VERSIONS = List.of("v1", "v2");

    private static final Set<String> FILE_FIELDS = Set.of("about", "sections");
    private static final Set<String> SECTION_FIELDS = Set.of("variant", "about", "config_keys", "defaults", "cases");
    private static final Set<String> CASE_FIELDS = Set.of("id", "seed", "description", "config", "given", "precision");

    private GoldenCases() {
    }

    /** Every case of v1, in the order of the file. */
    static List<GoldenGenerator.Definition> definitions() {
        return definitions("v1");
    }

    /** Every case of {@code version} ({@link #VERSIONS}), file by file in {@link #files} order. */
    static List<GoldenGenerator.Definition> definitions(String version) {
        List<GoldenGenerator.Definition> out = new ArrayList<>();
        for (String file : files(version)) {
            out.addAll(definitions(file, read(file)));
        }
        return out;
    }

    /** The cases of a case list in the format of {@link #FILE}, in its order. */
    static List<GoldenGenerator.Definition> definitions(JsonNode root) {
        return definitions(FILE, root);
    }

    private static List<GoldenGenerator.Definition> definitions(String file, JsonNode root) {
        requireFields(root, file, FILE_FIELDS);
        List<GoldenGenerator.Definition> out = new ArrayList<>();
        for (JsonNode section : root.get("sections")) {
            String variant = section.path("variant").asText();
            requireFields(section, file + " section " + variant, SECTION_FIELDS);
            for (JsonNode entry : section.get("cases")) {
                out.add(definition(file, variant, section, entry));
            }
        }
        return out;
    }

    /**
     * The case-list files of {@code version}: {@code cases-v1.json}, or every {@code cases-<version>-*.json}
     * beside this class in sorted file-name order (read from the class folder or from inside the jar).
     */
    static List<String> files(String version) {
        if (!VERSIONS.contains(version)) {
            throw new IllegalArgumentException("version \"" + version + "\" has no case list; expected one of " + VERSIONS);
        }
        if (version.equals("v1")) {
            return List.of(FILE);
        }
        String prefix = "cases-" + version + "-";
        List<String> names = new ArrayList<>();
        try {
            URI anchor = GoldenCases.class.getResource(FILE).toURI();
            if (anchor.getScheme().equals("jar")) {
                try (FileSystem jar = FileSystems.newFileSystem(anchor, Map.of())) {
                    names = listed(jar.provider().getPath(anchor).getParent(), prefix);
                }
            } else {
                names = listed(Path.of(anchor).getParent(), prefix);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("the case lists beside " + GoldenCases.class.getName() + " cannot be listed: "
                    + e.getMessage(), e);
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("no case list " + prefix + "*.json beside " + GoldenCases.class.getName());
        }
        return names;
    }

    private static List<String> listed(Path folder, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix) && n.endsWith(".json"))
                    .sorted().toList();
        }
    }

    private static JsonNode read(String file) {
        try (InputStream in = GoldenCases.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException(file + " is not on the class path beside " + GoldenCases.class.getName());
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static GoldenGenerator.Definition definition(String file, String variant, JsonNode section, JsonNode entry) {
        String id = entry.path("id").asText();
        String where = file + " case " + id;
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
