package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.core.SeededRandom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes {@code reference-data/v1} (or {@code v2}): every case of {@link GoldenCases}, computed by its variant's
 * float64 reference and cross-checked against the modules ({@link GoldenVariant#crossCheck}) before
 * anything is written, plus the index {@code manifest.json} and {@code provenance.json}.
 *
 * <p>Deterministic: inputs are drawn from {@link SeededRandom} with each case's seed and rounded to
 * float32 (so a float32 port reads them exactly; a low-precision case rounds them to bf16 or fp16 and records
 * the baseline error of {@link GoldenVariant.Prepared#baselineErrors}), manifests are written by {@link Json}, payloads by
 * {@link Safetensors}; nothing depends on the time, the machine or the commit. A published directory
 * is never edited: {@link #write} refuses to change or remove a file that differs from what it would
 * write (a change makes {@code v2/}). Checked by {@code GoldenFilesTest} (the committed bytes are
 * regenerated in memory) and {@code GoldenGeneratorTest}.
 */
public final class GoldenGenerator {
    /** Bumped when the generator would write different bytes for the same case list. */
    public static final int VERSION = 1;

    /** Where v1 lives, relative to the repository root. */
    public static final String DEFAULT_DIRECTORY = "reference-data/v1";

    /** The versions the generator writes: v1 (frozen) and v2. */
    public static final List<String> VERSIONS = GoldenCases.VERSIONS;

    private GoldenGenerator() {
    }

    /**
     * One case to generate: id, variant, description, config, the seed of its drawn inputs, and the inputs
     * it gives explicitly (masks, lengths, token ids, anything that must not be random), each as {@link #given}
     * reads it; {@code precision} is null (float inputs stored as F32), or bf16 or fp16: float inputs stored in
     * that precision, and the case carries its baseline error (reference-data/README.md, "Precision").
     */
    public record Definition(String id, String variant, String description, ObjectNode config, long seed,
            Map<String, JsonNode> given, Precision precision) {
        /** A case whose float inputs are stored as F32. */
        public Definition(String id, String variant, String description, ObjectNode config, long seed,
                Map<String, JsonNode> given) {
            this(id, variant, description, config, seed, given, null);
        }

        /** The dtype its float inputs are stored in. */
        DType floatInputs() {
            return precision == null ? DType.F32 : precision.dtype();
        }
    }

    /** Every case of v1, computed and cross-checked, in the order of {@link GoldenCases#definitions()}. */
    public static List<GoldenCase> cases() {
        return cases("v1");
    }

    /** Every case of {@code version}, computed and cross-checked, in the order of {@link GoldenCases#definitions(String)}. */
    public static List<GoldenCase> cases(String version) {
        List<GoldenCase> out = new ArrayList<>();
        for (Definition d : GoldenCases.definitions(version)) {
            out.add(generate(d));
        }
        return out;
    }

    /** Where {@code version} lives, relative to the repository root: {@code reference-data/<version>}. */
    public static String directory(String version) {
        return "reference-data/" + version;
    }

    /** Draws the inputs a definition does not give, computes the outputs, runs the module cross-check. */
    public static GoldenCase generate(Definition d) {
        try {
            GoldenVariant<?>.Prepared prepared = Variants.get(d.variant()).prepare(d.config());
            SeededRandom random = new SeededRandom(d.seed());
            Map<String, StoredTensor> inputs = new LinkedHashMap<>();
            for (TensorSpec spec : prepared.specs()) {
                JsonNode given = d.given().get(spec.name());
                inputs.put(spec.name(), given != null ? given(spec, given, d.floatInputs())
                        : draw(spec, random, d.floatInputs()));
            }
            TreeSet<String> unused = new TreeSet<>(d.given().keySet());
            unused.removeAll(inputs.keySet());
            if (!unused.isEmpty()) {
                throw new IllegalStateException("gives input(s) " + unused + " the config does not use");
            }
            CaseInputs bound = prepared.bind(inputs);
            CaseOutputs outputs = prepared.compute(bound);
            if (outputs.error() == null) {
                prepared.crossCheck(bound, outputs);
            }
            GoldenCase.LowPrecision lowPrecision = d.precision() == null ? null
                    : new GoldenCase.LowPrecision(d.precision(), prepared.baselineErrors(bound, outputs, d.precision()));
            return GoldenCase.computed(d.id(), d.description(), d.config(), prepared, bound, outputs, lowPrecision, d.seed());
        } catch (RuntimeException e) {
            throw new IllegalStateException("golden case " + d.id() + ": " + e.getMessage(), e);
        }
    }

    /** One drawn input, rounded to {@code dtype} (F32, or BF16/F16 for a low-precision case), in row-major order. */
    private static StoredTensor draw(TensorSpec spec, SeededRandom random, DType dtype) {
        int n = count(spec);
        double[] values = switch (spec.fill()) {
            case ACTIVATION -> random.uniforms(n, -1, 1);
            case WEIGHT -> random.uniforms(n, -1 / Math.sqrt(spec.fanIn()), 1 / Math.sqrt(spec.fanIn()));
            case GAIN -> random.uniforms(n, 0.5, 1.5);
            case SMALL -> random.uniforms(n, -0.25, 0.25);
            case GIVEN -> throw new IllegalStateException("input " + spec.name() + " must be given by the case definition");
        };
        return StoredTensor.ofFloats(dtype, spec.shape(), values);
    }

    private static int count(TensorSpec spec) {
        int n = 1;
        for (int size : spec.shape()) {
            n *= size;
        }
        return n;
    }

    /**
     * An input the case gives, of the spec's kind and shape: a nested list of exactly that shape (BOOL 0/1, I64,
     * or FLOAT rounded to float32), or a random mask with its own seed, {@code {"seed", "p_one"}} (BOOL: 1 with
     * probability p_one) or {@code {"seed", "p_minus_inf"}} (FLOAT: −∞ with probability p_minus_inf, else
     * U(−1, 1), rounded to float32).
     */
    static StoredTensor given(TensorSpec spec, JsonNode given) {
        return given(spec, given, DType.F32);
    }

    /** As {@link #given(TensorSpec, JsonNode)}, FLOAT values rounded to {@code floats} (F32, or BF16/F16). */
    static StoredTensor given(TensorSpec spec, JsonNode given, DType floats) {
        int[] shape = spec.shape();
        if (!given.isArray()) {
            return randomMask(spec, given, floats);
        }
        List<JsonNode> items = new ArrayList<>();
        flatten(spec, given, 0, items);
        if (spec.kind() == TensorSpec.Kind.I64) {
            return StoredTensor.i64(shape, items.stream().mapToLong(JsonNode::longValue).toArray());
        }
        double[] values = items.stream().mapToDouble(JsonNode::doubleValue).toArray();
        for (double v : values) {
            if (spec.kind() == TensorSpec.Kind.BOOL && v != 0 && v != 1) {
                throw new IllegalArgumentException("given input " + spec.name() + " holds " + v + "; a mask holds 0 or 1");
            }
        }
        return StoredTensor.ofFloats(spec.kind() == TensorSpec.Kind.BOOL ? DType.BOOL : floats, shape, values);
    }

    /** The leaves of a nested list, row-major, once its nesting is checked against the spec's shape. */
    private static void flatten(TensorSpec spec, JsonNode node, int axis, List<JsonNode> leaves) {
        int[] shape = spec.shape();
        if (axis == shape.length ? !node.isNumber() : !node.isArray() || node.size() != shape[axis]) {
            throw new IllegalArgumentException("given input " + spec.name() + " is not a nested list of numbers of shape "
                    + Arrays.toString(shape) + " " + spec.axes());
        }
        if (axis == shape.length) {
            leaves.add(node);
            return;
        }
        for (JsonNode item : node) {
            flatten(spec, item, axis + 1, leaves);
        }
    }

    private static StoredTensor randomMask(TensorSpec spec, JsonNode recipe, DType floats) {
        boolean bool = spec.kind() == TensorSpec.Kind.BOOL;
        String p = bool ? "p_one" : "p_minus_inf";
        if (spec.kind() == TensorSpec.Kind.I64 || recipe.size() != 2 || !recipe.path("seed").canConvertToLong()
                || !recipe.path(p).isNumber()) {
            throw new IllegalArgumentException("given input " + spec.name() + " is " + recipe + "; expected a nested list"
                    + (spec.kind() == TensorSpec.Kind.I64 ? "" : " or {\"seed\": n, \"" + p + "\": probability}"));
        }
        SeededRandom random = new SeededRandom(recipe.get("seed").longValue());
        double probability = recipe.get(p).doubleValue();
        double[] values = new double[count(spec)];
        for (int i = 0; i < values.length; i++) {
            boolean hit = random.nextDouble() < probability;
            values[i] = bool ? (hit ? 1 : 0) : hit ? Double.NEGATIVE_INFINITY : random.uniform(-1, 1);
        }
        return StoredTensor.ofFloats(bool ? DType.BOOL : floats, spec.shape(), values);
    }

    /** {@link #files(String, List)} of v1. */
    public static Map<String, byte[]> files(List<GoldenCase> cases) {
        return files("v1", cases);
    }

    /** File name → bytes of the whole directory: every case's manifest and payload, manifest.json, provenance.json. */
    public static Map<String, byte[]> files(String version, List<GoldenCase> cases) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        ObjectNode index = Json.object();
        index.put("format", GoldenCase.FORMAT);
        index.put("version", version);
        index.put("generator", GoldenGenerator.class.getName());
        index.put("generator_version", VERSION);
        index.put("readme", "../README.md");
        ArrayNode list = index.putArray("cases");
        for (GoldenCase c : cases) {
            byte[] payload = c.payload();
            byte[] manifest = c.manifest();
            if (files.containsKey(c.id() + ".json")) {
                throw new IllegalStateException("two cases are named " + c.id());
            }
            files.put(c.id() + ".json", manifest);
            files.put(c.id() + ".safetensors", payload);
            ObjectNode entry = list.addObject();
            entry.put("id", c.id());
            entry.put("variant", c.variant());
            entry.put("manifest", c.id() + ".json");
            entry.put("manifest_sha256", GoldenCase.sha256(manifest));
            entry.put("payload", c.id() + ".safetensors");
            entry.put("sha256", GoldenCase.sha256(payload));
        }
        files.put("manifest.json", Json.bytes(index));
        files.put("provenance.json", Json.bytes(provenance(version)));
        return files;
    }

    private static ObjectNode provenance(String version) {
        String directory = directory(version);
        ObjectNode p = Json.object();
        p.put("format", GoldenCase.FORMAT);
        p.put("generator", GoldenGenerator.class.getName());
        p.put("generator_version", VERSION);
        p.put("case_list", GoldenCases.class.getName());
        // v1's text predates --version and stays as it was written
        p.put("command", "./attnref golden generate " + (version.equals("v1") ? "" : "--version " + version + " ")
                + "--out " + directory);
        p.put("commit", "the commit that added this directory: git log --diff-filter=A --format=%H -- "
                + directory + "/manifest.json");
        p.put("reproducible", "dev.attnref.golden.GoldenFilesTest regenerates every file of this directory in memory "
                + "and requires the committed bytes, so the generator at any later commit still writes them");
        p.put("inputs", "drawn from SplitMix64 (dev.attnref.core.SeededRandom) with each case's provenance.input_seed, "
                + "rounded to float32" + (version.equals("v1") ? "" : " (to bf16 or fp16 in a case with a precision block)")
                + ", and stored: nobody needs to redraw them");
        p.put("expected", "computed in float64 by each case's provenance.reference and, before writing, checked "
                + "against the classes in provenance.checked_against at the float64 tolerance");
        p.put("runtime", "Java 17 or later");
        return p;
    }

    /** What {@link #write} did. */
    public record WriteReport(int written, int unchanged) {
    }

    /**
     * Writes {@code files} into {@code dir} (created if needed). Files already there with the same bytes are
     * left alone; a file with other bytes, or a file the generator would not write, stops everything before
     * anything is written: a published version is never edited.
     */
    public static WriteReport write(Path dir, Map<String, byte[]> files) throws IOException {
        List<String> conflicts = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> existing = Files.list(dir)) {
                for (Path p : (Iterable<Path>) existing.sorted()::iterator) {
                    String name = p.getFileName().toString();
                    byte[] want = files.get(name);
                    if (want == null) {
                        conflicts.add(name + " (not written by this generator)");
                    } else if (!Arrays.equals(want, Files.readAllBytes(p))) {
                        conflicts.add(name + " (different bytes)");
                    }
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException(dir + " is a published version and would change: " + conflicts
                    + "; a published version is never edited, write the new cases to the next version (e.g. --out "
                    + "reference-data/v2)");
        }
        Files.createDirectories(dir);
        int written = 0;
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            if (!Files.exists(p)) {
                Files.write(p, e.getValue());
                written++;
            }
        }
        return new WriteReport(written, files.size() - written);
    }
}
