package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One golden case: its manifest ({@code <id>.json}) and payload ({@code <id>.safetensors}), as
 * reference-data/README.md specifies them. Built by the generator (then {@link #manifest()} and
 * {@link #payload()} give the bytes to write) or read from disk by {@link #read(Path)} (then the
 * expected outputs may be absent: {@code attnref compute} accepts a case nobody has computed yet).
 */
public final class GoldenCase {
    /** The value of every manifest's {@code "format"} field. */
    public static final String FORMAT = "attnref-golden/1";

    private final String id;
    private final String description;
    private final JsonNode config;
    private final GoldenVariant<?>.Prepared prepared;
    private final CaseInputs inputs;
    private final Map<String, StoredTensor> expected;
    private final Map<String, List<String>> outputAxes;
    private final CaseOutputs.ExpectedError expectedError;
    private final Tolerance float64;
    private final Tolerance float32;
    private final LowPrecision lowPrecision;
    private final long seed;

    /**
     * A low-precision case's {@code "precision"} block: the precision its float inputs are stored in (bf16, fp16)
     * and, per float output, the baseline error that {@link Tolerance#lowPrecision} multiplies.
     */
    public record LowPrecision(Precision precision, Map<String, Double> baselineErrors) {
        public LowPrecision {
            baselineErrors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(baselineErrors));
        }
    }

    private GoldenCase(String id, String description, JsonNode config, GoldenVariant<?>.Prepared prepared, CaseInputs inputs,
            Map<String, StoredTensor> expected, Map<String, List<String>> outputAxes, CaseOutputs.ExpectedError expectedError,
            Tolerance float64, Tolerance float32, LowPrecision lowPrecision, long seed) {
        this.id = id;
        this.description = description;
        this.config = config;
        this.prepared = prepared;
        this.inputs = inputs;
        this.expected = expected;
        this.outputAxes = outputAxes;
        this.expectedError = expectedError;
        this.float64 = float64;
        this.float32 = float32;
        this.lowPrecision = lowPrecision;
        this.seed = seed;
    }

    /**
     * A computed case, as the generator makes it: the reference's outputs become the expected ones;
     * {@code lowPrecision} is null, or the baseline of a case stored in bf16 or fp16.
     */
    static GoldenCase computed(String id, String description, JsonNode config, GoldenVariant<?>.Prepared prepared,
            CaseInputs inputs, CaseOutputs outputs, LowPrecision lowPrecision, long seed) {
        Map<String, StoredTensor> expected = new LinkedHashMap<>();
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (Map.Entry<String, CaseOutputs.Output> e : outputs.outputs().entrySet()) {
            if (inputs.has(e.getKey())) {
                throw new IllegalStateException("case " + id + ": output " + e.getKey() + " has the name of an input");
            }
            expected.put(e.getKey(), e.getValue().tensor());
            axes.put(e.getKey(), e.getValue().axes());
        }
        return new GoldenCase(id, description, config, prepared, inputs, expected, axes, outputs.error(),
                Tolerance.FLOAT64, Tolerance.FLOAT32, lowPrecision, seed);
    }

    public String id() {
        return id;
    }

    public String variant() {
        return prepared.variant().id();
    }

    public String description() {
        return description;
    }

    /** The parsed configuration, ready to compute. */
    public GoldenVariant<?>.Prepared prepared() {
        return prepared;
    }

    public CaseInputs inputs() {
        return inputs;
    }

    /** Expected outputs by name (empty for a case that raises, or one read without outputs). */
    public Map<String, StoredTensor> expected() {
        return expected;
    }

    /** The error the case's published code raises, or null. */
    public CaseOutputs.ExpectedError expectedError() {
        return expectedError;
    }

    /** The tolerance for a port whose outputs have {@code dtype}: F64 or F32 (floats); exact otherwise. */
    public Tolerance tolerance(DType dtype) {
        return switch (dtype) {
            case F64 -> float64;
            case F32 -> float32;
            default -> Tolerance.EXACT;
        };
    }

    /** The precision block of a low-precision case, or null. */
    public LowPrecision lowPrecision() {
        return lowPrecision;
    }

    /**
     * The rule for output {@code name} of a port computing in {@code precision}: the case's fixed tolerance for
     * fp32 and fp64; for bf16 and fp16, {@link Tolerance#lowPrecision} with this case's baseline error, which
     * only a case stored in that precision has (IllegalArgumentException otherwise).
     */
    public Tolerance tolerance(String name, Precision precision) {
        if (!precision.isLow()) {
            return tolerance(precision.dtype());
        }
        String missing = missingBaseline(precision);
        if (missing != null) {
            throw new IllegalArgumentException(missing);
        }
        return Tolerance.lowPrecision(lowPrecision.baselineErrors().get(name), expected.get(name).values(), precision);
    }

    /** Null when a port computing in {@code precision} can be judged on this case, else why not. */
    public String missingBaseline(Precision precision) {
        if (!precision.isLow() || lowPrecision != null && lowPrecision.precision() == precision) {
            return null;
        }
        return "case " + id + " has no " + precision.cliName() + " baseline (its inputs are stored as "
                + (lowPrecision == null ? "F32" : lowPrecision.precision().dtype()) + "); --precision "
                + precision.cliName() + " judges only the cases stored in " + precision.cliName();
    }

    /** The payload: inputs (as given) and expected outputs, with the case id as metadata. */
    public byte[] payload() {
        Map<String, StoredTensor> all = new LinkedHashMap<>(inputs.all());
        all.putAll(expected);
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("format", FORMAT);
        metadata.put("case", id);
        return Safetensors.write(all, metadata);
    }

    /** The manifest, with the sha256 of {@link #payload()}. */
    public byte[] manifest() {
        ObjectNode m = Json.object();
        m.put("format", FORMAT);
        m.put("id", id);
        m.put("variant", variant());
        m.put("description", description);
        m.set("config", config);
        ArrayNode in = m.putArray("inputs");
        Map<String, TensorSpec> specs = new LinkedHashMap<>();
        for (TensorSpec spec : prepared.specs()) {
            specs.put(spec.name(), spec);
        }
        for (Map.Entry<String, StoredTensor> e : inputs.all().entrySet()) {
            in.add(entry(e.getKey(), e.getValue(), specs.get(e.getKey()).axesFor(e.getValue().shape())));
        }
        ArrayNode out = m.putArray("outputs");
        for (Map.Entry<String, StoredTensor> e : expected.entrySet()) {
            out.add(entry(e.getKey(), e.getValue(), outputAxes.get(e.getKey())));
        }
        if (expectedError == null) {
            m.putNull("expected_error");
        } else {
            ObjectNode err = m.putObject("expected_error");
            err.put("kind", expectedError.kind());
            err.put("stage", expectedError.stage());
            err.put("message", expectedError.message());
        }
        ObjectNode tolerance = m.putObject("tolerance");
        tolerance.set("float64", tolerance(float64));
        tolerance.set("float32", tolerance(float32));
        if (lowPrecision != null) {
            ObjectNode low = m.putObject("precision");
            low.put("dtype", lowPrecision.precision().cliName());
            low.put("baseline", LowPrecisionAttention.class.getName());
            ObjectNode errors = low.putObject("baseline_error");
            lowPrecision.baselineErrors().forEach(errors::put);
        }
        ObjectNode provenance = m.putObject("provenance");
        provenance.put("generator", GoldenGenerator.class.getName());
        provenance.put("generator_version", GoldenGenerator.VERSION);
        provenance.put("reference", prepared.reference());
        provenance.set("checked_against", Json.strings(prepared.checkedAgainst()));
        provenance.put("input_seed", seed);
        ObjectNode payload = m.putObject("payload");
        payload.put("file", id + ".safetensors");
        payload.put("sha256", sha256(payload()));
        return Json.bytes(m);
    }

    private static ObjectNode entry(String name, StoredTensor t, List<String> axes) {
        ObjectNode e = Json.object();
        e.put("name", name);
        e.put("dtype", t.dtype().name());
        e.set("shape", Json.ints(t.shape()));
        e.set("axes", Json.strings(axes));
        return e;
    }

    private static ObjectNode tolerance(Tolerance t) {
        ObjectNode o = Json.object();
        o.put("atol", t.atol());
        o.put("rtol", t.rtol());
        return o;
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * Reads a case manifest and its payload, checking everything a port relies on: the format tag, a known
     * variant, a consistent config, the payload's sha256 (when given), that the listed inputs and outputs
     * are in the payload with the listed dtype and shape, that every input the config needs is present with
     * the right kind and shape, and that the payload holds nothing else. Only {@code format},
     * {@code variant} and {@code config} are required: {@code id} defaults to the file name, the payload to
     * {@code <id>.safetensors} beside it, and a case without outputs can still be computed.
     */
    public static GoldenCase read(Path manifestFile) throws IOException {
        String where = manifestFile.toString();
        JsonNode manifest = Json.read(manifestFile);   // names the file itself when it is not JSON
        try {
            return read(manifestFile, manifest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static GoldenCase read(Path file, JsonNode m) throws IOException {
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String format = text(m, "format", null);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("\"format\" is " + (format == null ? "missing" : "\"" + format + "\"")
                    + "; expected \"" + FORMAT + "\"");
        }
        String fileName = file.getFileName().toString();
        String id = text(m, "id", fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName);
        if (id.isEmpty() || id.contains("/") || id.contains("\\") || id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("\"id\" is \"" + id + "\"; expected a plain file name (it names "
                    + "<id>.safetensors files)");
        }
        String variantId = text(m, "variant", null);
        if (variantId == null) {
            throw new IllegalArgumentException("\"variant\" is missing; expected one of " + Variants.ids());
        }
        GoldenVariant<?>.Prepared prepared = Variants.get(variantId).prepare(m.get("config"));

        JsonNode payloadNode = m.get("payload");
        if (payloadNode != null && !payloadNode.isNull() && !payloadNode.isObject()) {
            throw new IllegalArgumentException("\"payload\" is " + payloadNode + "; expected {\"file\": ..., \"sha256\": ...}"
                    + " or no payload key (then " + id + ".safetensors, unchecked)");
        }
        boolean described = payloadNode != null && payloadNode.isObject();
        String payloadName = described ? text(payloadNode, "file", id + ".safetensors") : id + ".safetensors";
        Path payloadFile = file.resolveSibling(payloadName);
        if (!Files.isRegularFile(payloadFile)) {
            throw new IllegalArgumentException("payload " + payloadFile + " does not exist");
        }
        byte[] bytes = Files.readAllBytes(payloadFile);
        String want = described ? text(payloadNode, "sha256", null) : null;
        if (want != null) {
            String have = sha256(bytes);
            if (!want.equals(have)) {
                throw new IllegalArgumentException("payload " + payloadName + " has sha256 " + have + "; the manifest says "
                        + want);
            }
        }
        Map<String, StoredTensor> tensors = Safetensors.read(bytes).tensors();
        Map<String, StoredTensor> listedInputs = listed(m, "inputs", tensors);
        Map<String, StoredTensor> expected = listed(m, "outputs", tensors);
        CaseInputs inputs = prepared.bind(tensors);
        for (String name : listedInputs.keySet()) {
            if (!inputs.has(name)) {
                throw new IllegalArgumentException("input \"" + name + "\" is listed but variant " + variantId
                        + " with this config does not take it");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : tensors.keySet()) {
            if (!inputs.has(name) && !expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("payload holds tensor(s) " + unexpected + " that are neither inputs of this "
                    + "config nor listed outputs");
        }
        CaseOutputs.ExpectedError error = expectedError(m.get("expected_error"), variantId);
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            axes.put(name, List.of());
        }
        return new GoldenCase(id, text(m, "description", ""), m.get("config"), prepared, inputs, expected, axes, error,
                tolerance(m, "float64", Tolerance.FLOAT64), tolerance(m, "float32", Tolerance.FLOAT32),
                lowPrecision(m.get("precision"), expected), m.path("provenance").path("input_seed").asLong(0));
    }

    /**
     * {@code expected_error}: null, or {kind, stage, message} on a mirror variant, the only ones whose
     * reference is published code that can raise.
     */
    private static CaseOutputs.ExpectedError expectedError(JsonNode err, String variantId) {
        if (err == null || err.isNull()) {
            return null;
        }
        if (!variantId.startsWith("mirror.")) {
            throw new IllegalArgumentException("\"expected_error\" is set, but variant " + variantId + " never raises; "
                    + "only mirror.* variants record an error");
        }
        if (!err.isObject() || text(err, "kind", null) == null || text(err, "stage", null) == null) {
            throw new IllegalArgumentException("\"expected_error\" is " + err + "; expected null or {\"kind\", \"stage\", "
                    + "\"message\"} with kind and stage strings");
        }
        return new CaseOutputs.ExpectedError(text(err, "kind", null), text(err, "stage", null), text(err, "message", ""));
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + key + "\" is " + v + "; expected a string");
        }
        return v.textValue();
    }

    /** The tensors a manifest list names, each checked against the payload's dtype and shape. */
    private static Map<String, StoredTensor> listed(JsonNode m, String key, Map<String, StoredTensor> tensors) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        JsonNode list = m.get(key);
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException("\"" + key + "\" is not a list");
        }
        for (JsonNode entry : list) {
            if (!entry.isObject()) {
                throw new IllegalArgumentException("an entry of \"" + key + "\" is " + entry + "; expected {\"name\", "
                        + "\"dtype\", \"shape\", ...}");
            }
            String name = text(entry, "name", null);
            if (name == null) {
                throw new IllegalArgumentException("an entry of \"" + key + "\" has no name: " + entry);
            }
            StoredTensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException(key.substring(0, key.length() - 1) + " tensor \"" + name
                        + "\" is listed in the manifest but missing from the payload");
            }
            String dtype = text(entry, "dtype", t.dtype().name());
            if (!dtype.equals(t.dtype().name())) {
                throw new IllegalArgumentException("tensor \"" + name + "\" is " + t.dtype() + " in the payload; the manifest "
                        + "says " + dtype);
            }
            JsonNode shape = entry.get("shape");
            if (shape != null && !shape.equals(Json.ints(t.shape()))) {
                throw new IllegalArgumentException("tensor \"" + name + "\" has shape " + java.util.Arrays.toString(t.shape())
                        + " in the payload; the manifest says " + shape);
            }
            out.put(name, t);
        }
        return out;
    }

    /**
     * {@code "precision"}: absent or null, or {"dtype": "bf16"|"fp16", "baseline": ..., "baseline_error": {output:
     * error ≥ 0, ...}} with one finite error per float output.
     */
    private static LowPrecision lowPrecision(JsonNode block, Map<String, StoredTensor> expected) {
        if (block == null || block.isNull()) {
            return null;
        }
        if (!block.isObject() || !block.path("baseline_error").isObject()) {
            throw new IllegalArgumentException("\"precision\" is " + block + "; expected {\"dtype\": \"bf16\" or \"fp16\", "
                    + "\"baseline_error\": {output: error, ...}}");
        }
        Precision precision = Precision.parse(text(block, "dtype", "(missing)"), "precision.dtype");
        if (!precision.isLow()) {
            throw new IllegalArgumentException("precision.dtype is \"" + precision.cliName() + "\"; expected bf16 or fp16 "
                    + "(fp32 and fp64 are judged by the fixed tolerances)");
        }
        Map<String, Double> errors = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : expected.entrySet()) {
            JsonNode error = block.get("baseline_error").get(e.getKey());
            boolean isFloat = e.getValue().dtype() != DType.I64 && e.getValue().dtype() != DType.BOOL;
            if (isFloat && (error == null || !error.isNumber() || !(error.doubleValue() >= 0)
                    || !Double.isFinite(error.doubleValue()))) {
                throw new IllegalArgumentException("precision.baseline_error." + e.getKey() + " is " + error
                        + "; expected a finite number ≥ 0 for every float output");
            }
            if (isFloat) {
                errors.put(e.getKey(), error.doubleValue());
            }
        }
        return new LowPrecision(precision, errors);
    }

    private static Tolerance tolerance(JsonNode m, String key, Tolerance fallback) {
        JsonNode t = m.path("tolerance").get(key);
        if (t == null || t.isNull()) {
            return fallback;
        }
        if (!t.path("atol").isNumber() || !t.path("rtol").isNumber()) {
            throw new IllegalArgumentException("tolerance." + key + " must hold numbers atol and rtol; got " + t);
        }
        return new Tolerance(t.get("atol").doubleValue(), t.get("rtol").doubleValue());
    }
}
