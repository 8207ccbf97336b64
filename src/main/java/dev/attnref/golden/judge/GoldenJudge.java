package dev.attnref.golden.judge;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.golden.DType;
import dev.attnref.golden.FileErrors;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.Json;
import dev.attnref.golden.Precision;
import dev.attnref.golden.Tolerance;
import dev.attnref.oracle.OracleAttention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code attnref golden judge}: runs every golden case a real runtime can be asked through its attention
 * operator, in float32 and bf16, and tabulates pass, fail or not-expressible with the reason, per case,
 * operator and precision. Only variant {@code attention} (q, k, v given) reaches an operator; every other
 * variant needs projections, RoPE, norms or a whole decoder around it and is not-expressible by its variant.
 *
 * <h2>Judging</h2>
 * <ul>
 *   <li>float32: the runtime's {@code output} against the case's expected output, element by element at the
 *       case's float32 tolerance, as {@code golden verify} judges a port ({@link Tolerance#allows}).</li>
 *   <li>bf16: inputs rounded to bf16, the runtime run in bf16, against the float64 reference (the oracle)
 *       on the rounded inputs, by the low-precision rule of {@code golden verify} ({@link Tolerance#lowPrecision},
 *       its baseline the plain bf16 implementation {@link dev.attnref.golden.LowPrecisionAttention}).</li>
 *   <li>A failure is explained by the first convention of {@link Conventions} whose reading the runtime
 *       matches ({@link #EXPLAINED}), then minimised ({@link Minimiser}) while it still disagrees for that reason.</li>
 *   <li>A runtime that refuses a model or its inputs is not-expressible, with its message.</li>
 * </ul>
 */
public final class GoldenJudge {
    /** The runtimes that can be judged. */
    public enum Peer {
        ORT("ort"),
        TORCH("torch");

        private final String id;

        Peer(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * One verdict: pass, fail or not-expressible, and the facts behind it (null where they do not apply): the
     * largest finite error and, in bf16, the rule's bound; for a failure the convention that explains it, the
     * minimal case and its first differing element.
     */
    record Verdict(String verdict, String reason, Double maxAbsError, Double bound, String convention, String minimal,
            String minimalFailure) {
        static Verdict notExpressible(String reason) {
            return new Verdict("not-expressible", reason, null, null, null, null, null);
        }
    }

    /**
     * How close a float32 runtime must be to a convention's reading for that convention to explain a failure:
     * 10⁻³, looser than a case's tolerance because a runtime may emulate a convention with finite numbers and
     * round differently (ORT adds its −10000 mask fill to float32 logits, which moves weights by ~10⁻⁴), while
     * the conventions themselves move outputs by 10⁻¹ (see the matrices). In bf16 the bf16 rule applies as is.
     */
    static final Tolerance EXPLAINED = new Tolerance(1e-3, 1e-3);

    /** The precisions a runtime is judged in, in the matrix's order. */
    static final List<Precision> JUDGED = List.of(Precision.FP32, Precision.BF16);

    private GoldenJudge() {
    }

    /** The case folders judged by default: reference-data/v1, and v2 when it exists, under {@code root}. */
    public static List<Path> defaultFolders(Path root) {
        List<Path> folders = new ArrayList<>(List.of(root.resolve("reference-data/v1")));
        if (Files.isDirectory(root.resolve("reference-data/v2"))) {
            folders.add(root.resolve("reference-data/v2"));
        }
        return folders;
    }

    /**
     * Judges every case of {@code folders} on {@code peer} and returns the matrix as JSON.
     *
     * @throws IllegalArgumentException when a folder or case cannot be read (the message names it)
     */
    public static ObjectNode judge(Peer peer, List<Path> folders, Path root) {
        List<AttentionOp> ops = peer == Peer.ORT
                ? List.of(new OrtAttention23(), new OrtGroupQueryAttention(), new OrtMultiHeadAttention())
                : List.of(new TorchSdpa());
        ObjectNode matrix = Json.object();
        matrix.put("peer", peer.id());
        matrix.put("runtime", peer == Peer.ORT ? "ONNX Runtime " + ortVersion() + " (CPU provider, Java API, in-process)"
                : TorchSdpa.version());
        matrix.set("operators", Json.strings(ops.stream().map(AttentionOp::id).toList()));
        ArrayNode from = matrix.putArray("cases_from");
        folders.forEach(f -> from.add(root.toAbsolutePath().normalize().relativize(f.toAbsolutePath().normalize()).toString()));
        matrix.put("rule_float32", "the case's float32 tolerance: |out − expected| ≤ atol + rtol·|expected| per element");
        matrix.put("rule_bf16", "inputs rounded to bf16; max|out − ref| ≤ " + (int) Tolerance.LOW_PRECISION_MULTIPLE
                + "·max|plain bf16 − ref| + 2·max|fl(fl(ref + 0.3) − 0.3) − ref| (FlashAttention), ref = float64 oracle on the rounded inputs");
        ArrayNode rows = matrix.putArray("rows");
        for (Path manifest : manifests(folders)) {
            GoldenCase golden = read(manifest);
            JsonNode config = config(manifest);
            for (AttentionOp op : ops) {
                rows.add(row(golden, config, op));
            }
        }
        matrix.set("summary", summary(rows, ops));
        return matrix;
    }

    private static ObjectNode row(GoldenCase golden, JsonNode config, AttentionOp op) {
        ObjectNode row = Json.object();
        row.put("case", golden.id());
        row.put("variant", golden.variant());
        row.put("operator", op.id());
        if (!golden.variant().equals("attention")) {
            Verdict why = Verdict.notExpressible("variant " + golden.variant() + ": " + VariantReasons.of(golden.variant()));
            row.set("float32", json(why));
            row.set("bf16", json(why));
            return row;
        }
        JudgeProblem p = JudgeProblem.of(config, golden.inputs());
        if (op.whyNot(p) == null && op.layout(p) != null) {
            row.put("layout", op.layout(p));
        }
        for (Precision precision : JUDGED) {
            row.set(precision.label(), json(judge(op, p, precision, golden)));
        }
        return row;
    }

    /** One case on one operator in one precision. */
    static Verdict judge(AttentionOp op, JudgeProblem asStored, Precision precision, GoldenCase golden) {
        String why = op.whyNot(asStored);
        if (why != null) {
            return Verdict.notExpressible(why);
        }
        JudgeProblem p = asStored.rounded(precision::round);
        double[] out;
        try {
            out = op.run(p, precision);
        } catch (RuntimeException refused) {
            String message = refused.getMessage() == null ? refused.toString() : refused.getMessage().lines().findFirst().orElse("");
            return Verdict.notExpressible("the runtime refused it in " + precision.label() + ": " + message);
        }
        Tolerance float32 = golden.tolerance(DType.F32);
        double[] reference = precision == Precision.FP32 ? golden.expected().get("output").values() : reference(p);
        Check check = Check.of(p, precision, float32, reference, out);
        if (check.passed()) {
            return new Verdict("pass", null, check.maxAbsError(), check.bound(), null, null, null);
        }
        return explain(op, p, precision, float32, out, check);
    }

    /** Names the convention behind a failure and minimises it while it still disagrees for that reason. */
    private static Verdict explain(AttentionOp op, JudgeProblem p, Precision precision, Tolerance float32, double[] out,
            Check check) {
        Conventions.Convention c = Conventions.explain(p,
                alt -> Check.of(alt, precision, EXPLAINED, reference(alt), out).passed());
        JudgeProblem minimal = Minimiser.minimise(p, q -> {
            if (op.whyNot(q) != null) {
                return false;
            }
            double[] qOut;
            try {
                qOut = op.run(q, precision);
            } catch (RuntimeException refused) {
                return false;
            }
            boolean disagrees = !Check.of(q, precision, float32, reference(q), qOut).passed();
            return disagrees && (c == null || c.applies().test(q) && Check.of(c.reread().apply(q), precision, EXPLAINED,
                    reference(c.reread().apply(q)), qOut).passed());
        });
        Check small = Check.of(minimal, precision, float32, reference(minimal), op.run(minimal, precision));
        String reason = c != null ? op.id() + " " + c.runtime().apply(p) + "; the case " + c.golden().apply(p)
                : "unexplained by the known conventions: " + check.firstFailure();
        return new Verdict("fail", reason, check.maxAbsError(), check.bound(), c == null ? null : c.id(),
                minimal.describe(), small.firstFailure());
    }

    static double[] reference(JudgeProblem p) {
        return OracleAttention.attend(p.oracle().build()).output();
    }

    /** The verdict as JSON; the facts that do not apply (null) are left out. */
    private static ObjectNode json(Verdict v) {
        ObjectNode o = Json.object();
        o.put("verdict", v.verdict());
        o.put("reason", v.reason());
        o.put("max_abs_error", v.maxAbsError());
        o.put("bound", v.bound());
        o.put("convention", v.convention());
        o.put("minimal", v.minimal());
        o.put("minimal_first_failure", v.minimalFailure());
        List<String> absent = new ArrayList<>();
        o.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                absent.add(e.getKey());
            }
        });
        o.remove(absent);
        return o;
    }

    /** Per operator and precision: how many cases pass, fail and are not expressible. */
    private static ObjectNode summary(ArrayNode rows, List<AttentionOp> ops) {
        ObjectNode summary = Json.object();
        for (AttentionOp op : ops) {
            ObjectNode perOp = summary.putObject(op.id());
            for (Precision precision : JUDGED) {
                ObjectNode counts = perOp.putObject(precision.label());
                for (String verdict : List.of("pass", "fail", "not-expressible")) {
                    int count = 0;
                    for (JsonNode r : rows) {
                        if (r.get("operator").asText().equals(op.id()) && r.get(precision.label()).get("verdict").asText().equals(verdict)) {
                            count++;
                        }
                    }
                    counts.put(verdict, count);
                }
            }
        }
        return summary;
    }

    /** Every case manifest of the folders (*.json but manifest.json and provenance.json), sorted by name per folder. */
    private static List<Path> manifests(List<Path> folders) {
        List<Path> out = new ArrayList<>();
        for (Path folder : folders) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().equals("manifest.json")
                        && !f.getFileName().toString().equals("provenance.json")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("case folder " + FileErrors.describe(folder, e));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no case manifests (*.json) in " + folders);
        }
        return out;
    }

    private static GoldenCase read(Path manifest) {
        try {
            return GoldenCase.read(manifest);
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.describe(manifest, e));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(manifest + ": " + e.getMessage());
        }
    }

    private static JsonNode config(Path manifest) {
        try {
            return Json.read(manifest).get("config");
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.describe(manifest, e));
        }
    }

    private static String ortVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Human-readable lines: one per attention case and operator, then the counts. */
    public static List<String> table(JsonNode matrix) {
        List<String> lines = new ArrayList<>();
        lines.add("golden judge: " + matrix.get("runtime").asText());
        for (JsonNode row : matrix.get("rows")) {
            if (!row.get("variant").asText().equals("attention")) {
                continue;
            }
            lines.add(String.format(Locale.ROOT, "%-38s %-28s float32 %-15s bf16 %-15s %s", row.get("case").asText(),
                    row.get("operator").asText(), row.get("float32").get("verdict").asText(),
                    row.get("bf16").get("verdict").asText(), firstReason(row)));
        }
        for (Map.Entry<String, JsonNode> op : (Iterable<Map.Entry<String, JsonNode>>) matrix.get("summary")::fields) {
            for (Map.Entry<String, JsonNode> p : (Iterable<Map.Entry<String, JsonNode>>) op.getValue()::fields) {
                JsonNode c = p.getValue();
                lines.add(String.format(Locale.ROOT, "%s %s: %d pass, %d fail, %d not expressible", op.getKey(), p.getKey(),
                        c.get("pass").asInt(), c.get("fail").asInt(), c.get("not-expressible").asInt()));
            }
        }
        return lines;
    }

    private static String firstReason(JsonNode row) {
        for (String precision : List.of("float32", "bf16")) {
            JsonNode reason = row.get(precision).get("reason");
            if (reason != null) {
                return reason.asText();
            }
        }
        return "";
    }
}
