package dev.attnref.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.mirror.BugCatalogue;

import java.util.Locale;
import java.util.function.Function;

/**
 * E07's per-bug table: each seed bug's own effect, with only that bug's line differing, in its own
 * measure and unit ({@link SeedBugExperiment}).
 *
 * <table>
 *   <caption>Isolation, by how the number was obtained</caption>
 *   <tr><th>isolation</th><th>meaning</th></tr>
 *   <tr><td>line alone</td><td>the published line computed here against the fixed one, nothing else changed</td></tr>
 *   <tr><td>probe</td><td>a PyTorch probe of that one operation ({@code probes.*} of seed_outputs.json)</td></tr>
 *   <tr><td>only bug acting</td><td>a PyTorch case in which no other bug of the snippet acts (the others need
 *       a mask, training mode, a size that does not divide, or are documentation)</td></tr>
 *   <tr><td>one run against another</td><td>two published PyTorch runs that differ only in this bug's line</td></tr>
 *   <tr><td>documentation</td><td>a wrong comment or docstring: no numeric effect</td></tr>
 * </table>
 */
final class BugEffects {
    private static final String TORCH = "PyTorch seed_outputs.json";
    private static final String HERE = "computed here (float64)";

    private BugEffects() {
    }

    /** One bug's effect: what is measured, its value, its unit, how it was isolated and where it comes from. */
    private record Effect(String measure, String value, String unit, String isolation, String source) {
    }

    /**
     * The per-bug table.
     *
     * @param length      T of the longest sweep point
     * @param futureMqa   attention mass on future keys at T with seed 000's −1e-9 mask, one key/value head
     * @param transpose   relative error of seed 000's transposed head merge at T
     * @param futureGqa   the same mass with two key/value heads (seed 000's GQA)
     */
    static Results of(JsonNode root, int length, double futureMqa, double transpose, double futureGqa) {
        Results t = Results.of("seed_bug_effects", "bug:s", "kind:s", "measure:s", "value:s", "unit:s", "isolation:s",
                "source:s");
        for (BugCatalogue.Bug bug : BugCatalogue.load().bugs()) {
            Effect e = bug.kind().label().equals("doc") && !DOC_WITH_EFFECT.contains(bug.id())
                    ? new Effect("none: a documentation error", "–", "–", "documentation", bug.pythonEvidence())
                    : effect(bug.id(), root, length, futureMqa, transpose, futureGqa);
            t.add(bug.id(), bug.kind().label(), e.measure(), e.value(), e.unit(), e.isolation(), e.source());
        }
        return t;
    }

    /** Documentation bugs whose wrong description still has a measurable consequence. */
    private static final java.util.Set<String> DOC_WITH_EFFECT = java.util.Set.of("S000-MLA-NOMASK", "S002-MASK-DOC",
            "S002-GQA-REPEAT-COPY");

    private static Effect effect(String id, JsonNode root, int length, double futureMqa, double transpose, double futureGqa) {
        String at = "T = " + length + ", " + HERE;
        return switch (id) {
            case "S000-MQA-MASK" -> new Effect("attention mass on future keys, causal mask", fmt(futureMqa), "probability",
                    "line alone", at);
            case "S000-GQA-MASK" -> new Effect("attention mass on future keys, causal mask", fmt(futureGqa), "probability",
                    "line alone", at + ", G = 2");
            case "S000-MQA-TRANSPOSE", "S000-GQA-TRANSPOSE" -> new Effect("‖published − fixed‖ / ‖fixed‖ of the merged heads",
                    fmt(transpose), "relative error", "line alone", at);
            case "S000-MQA-SCALE-DTYPE", "S000-GQA-SCALE-DTYPE" -> scaleDtype(root);
            case "S000-NEQ-NONE", "S000-GQA-NEQ-NONE" -> new Effect("value of `torch.ones(2) != None`",
                    root.path("probes").path("neq_none").path("result").asText() + " (identity fallback; no output changes)",
                    "Python bool", "probe", "probes.neq_none");
            case "S002-FP16-FILL", "S003-FP16-FILL", "S003-BMM-FP16-FILL" -> halfFill(root);
            case "S000-MLA-DEFAULTS" -> new Effect("parameters of `MultiHeadLatentAttention()`",
                    root.path("probes").path("mla_default_size").path("total").asText(), "parameters", "probe",
                    "probes.mla_default_size");
            case "S002-PRINT" -> new Effect("lines printed per call, the article's example",
                    root.path("probes").path("examples").path("seed002_mha_example").path("printed_lines_per_call").asText(),
                    "lines", "probe", "probes.examples.seed002_mha_example");
            case "S002-DROPOUT" -> new Effect("two calls on the same input agree (default mode; after eval())",
                    yesNo(root, "two_calls_equal_in_training_mode") + " (" + yesNo(root, "two_calls_equal_after_eval") + ")",
                    "yes/no", "probe", "probes.examples.seed002_mha_example");
            case "S002-GQA-REPEAT-COPY" -> new Effect("K/V storage after repeat_interleave against the source",
                    root.path("probes").path("repeat_interleave_copies").path("repeat_interleave_storage_elements").asText()
                            + " vs " + root.path("probes").path("repeat_interleave_copies").path("source_storage_elements").asText(),
                    "elements", "probe", "probes.repeat_interleave_copies");
            case "S000-MLA-FREE-WQK" -> new Effect("rank of a head's W_qk block (a factored MLA: ≤ "
                    + root.path("probes").path("mla_rank").path("bound_for_a_factored_mla").asText() + ")",
                    root.path("probes").path("mla_rank").path("published_W_qk_per_head_rank").path(0).asText(), "rank", "probe",
                    "probes.mla_rank");
            case "S000-MLA-NOMASK" -> influence(root);
            default -> fromCase(id, root);
        };
    }

    /** The bugs measured on a PyTorch case in which they act alone (class comment). */
    private static Effect fromCase(String id, JsonNode root) {
        return switch (id) {
            case "S000-MHA-VBIAS" -> relative(root, "Seed000MultiHeadAttention", "bias_false", "as_published", "output",
                    "only bug acting");
            case "S000-MHA-NANROW" -> nanCount(root, "Seed000MultiHeadAttention", "fully_masked_row", "output");
            case "S000-MHA-ATTN-DROPPED" -> rowSumError(root);
            case "S000-MLA-SCALE" -> relative(root, "Seed000MultiHeadLatentAttention", "T3", "as_published_with_factored_wqk",
                    "output", "one run against another (W_qk factored in both)");
            case "S002-FULLMASK" -> relative(root, "Seed002MultiHeadAttention", "example_mask", "as_published", "output",
                    "only bug acting");
            case "S002-GQA-MASK-IGNORED" -> maskIgnored(root);
            case "S003-FULLMASK" -> hiddenWeight(root, "Seed003MultiHeadAttention");
            case "S003-BMM-FULLMASK" -> hiddenWeight(root, "Seed003ScaledDotProductAttentionOptimized");
            case "S000-MHA-DIVIDES" -> raises(root, "Seed000MultiHeadAttention", "heads_not_dividing", "as_published");
            case "S000-MQA-DIVIDES" -> raises(root, "Seed000MutiQueryAttention", "heads_not_dividing", "as_published");
            case "S000-GQA-SUPER" -> raises(root, "Seed000GroupQueryAttention", "construct", "as_published");
            case "S000-GQA-DIVIDES" -> raises(root, "Seed000GroupQueryAttention", "group_num_not_dividing",
                    "as_published_super_fixed");
            case "S002-MHA-DIVIDES" -> raises(root, "Seed002MultiHeadAttention", "heads_not_dividing", "as_published");
            case "S002-MASK-DOC" -> raises(root, "Seed002MultiHeadAttention", "mask_batch_seq_B3_T2", "as_published");
            case "S003-BMM-VIEW" -> raises(root, "Seed003ScaledDotProductAttentionOptimized", "split_heads_B2_H2_T3",
                    "as_published");
            default -> throw new IllegalArgumentException("bug " + id + " has no own measure in E07's BugEffects; add one");
        };
    }

    static JsonNode caseOf(JsonNode root, String snippet, String caseId) {
        for (JsonNode c : root.path("snippets").path(snippet).path("cases")) {
            if (c.path("id").asText().equals(caseId)) {
                return c;
            }
        }
        return null;
    }

    private static JsonNode run(JsonNode root, String snippet, String caseId, String run) {
        JsonNode c = caseOf(root, snippet, caseId);
        if (c == null || !c.path("runs").has(run)) {
            throw new IllegalArgumentException("seed_outputs.json has no run " + run + " of snippets." + snippet + ".cases["
                    + caseId + "]");
        }
        return c.path("runs").path(run);
    }

    /** The values of output {@code name} of a run, or null. */
    static JsonNode output(JsonNode run, String name) {
        for (JsonNode out : run.path("outputs")) {
            if (out.path("name").asText().equals(name)) {
                return out.path("values");
            }
        }
        return null;
    }

    static String exception(JsonNode run) {
        JsonNode ex = run.path("exception");
        return ex.path("class").asText() + ": " + SeedBugExperiment.shorten(ex.path("message").asText());
    }

    private static String cite(String snippet, String caseId, String run) {
        return TORCH + ": snippets." + snippet + ".cases[" + caseId + "] run " + run;
    }

    private static Effect relative(JsonNode root, String snippet, String caseId, String run, String name, String isolation) {
        JsonNode published = output(run(root, snippet, caseId, run), name);
        JsonNode fixed = output(run(root, snippet, caseId, "fixed"), name);
        return new Effect("max |published − fixed| / max |fixed| of " + name,
                SeedBugExperiment.relativeDifference(published, fixed), "relative error", isolation,
                cite(snippet, caseId, run + " vs fixed"));
    }

    private static Effect nanCount(JsonNode root, String snippet, String caseId, String name) {
        Function<String, Long> nans = r -> count(output(run(root, snippet, caseId, r), name), Double::isNaN);
        return new Effect("NaN values in " + name + ", one fully masked row (fixed: " + nans.apply("fixed") + ")",
                Long.toString(nans.apply("as_published")), "values", "only bug acting", cite(snippet, caseId, "as_published"));
    }

    private static long count(JsonNode values, java.util.function.DoublePredicate test) {
        long n = 0;
        for (JsonNode v : values) {
            n += test.test(SeedBugExperiment.value(v)) ? 1 : 0;
        }
        return n;
    }

    /**
     * Seed 000's MHA in training mode returns the dropped weights: max |Σ_j attn[i, j, b, h] − 1| of the returned
     * attn, laid out {@code [T_q, T_k, B, H]} as labml's MHA (softmax over the key axis j).
     */
    private static Effect rowSumError(JsonNode root) {
        JsonNode attn = null;
        JsonNode shape = null;
        for (JsonNode out : run(root, "Seed000MultiHeadAttention", "train_dropout", "as_published").path("outputs")) {
            if (out.path("name").asText().equals("attn")) {
                attn = out.path("values");
                shape = out.path("shape");
            }
        }
        if (attn == null || shape.size() != 4) {
            throw new IllegalArgumentException("seed_outputs.json: case train_dropout of Seed000MultiHeadAttention has no "
                    + "4-axis output 'attn'");
        }
        int queries = shape.get(0).asInt();
        int keys = shape.get(1).asInt();
        int inner = shape.get(2).asInt() * shape.get(3).asInt();          // B·H, the trailing axes
        double worst = 0;
        for (int i = 0; i < queries; i++) {
            for (int bh = 0; bh < inner; bh++) {
                double sum = 0;
                for (int j = 0; j < keys; j++) {
                    sum += SeedBugExperiment.value(attn.get((i * keys + j) * inner + bh));
                }
                worst = Math.max(worst, Math.abs(sum - 1));
            }
        }
        return new Effect("max |row sum − 1| of the returned attention weights, training mode (a distribution: 0)",
                fmt(worst), "row-sum deviation", "only bug acting",
                cite("Seed000MultiHeadAttention", "train_dropout", "as_published"));
    }

    /** Seed 002's GQA ignores the mask it is given: max |output − output without mask| / max |output|. */
    private static Effect maskIgnored(JsonNode root) {
        JsonNode runNode = run(root, "Seed002GroupQueryAttention", "causal_mask_ignored", "as_published");
        return new Effect("max |output with causal mask − output without| / max |output| (fixed: > 0)",
                SeedBugExperiment.relativeDifference(output(runNode, "output"), output(runNode, "output_without_mask")),
                "relative difference", "only bug acting",
                cite("Seed002GroupQueryAttention", "causal_mask_ignored", "as_published"));
    }

    /** A fully masked row attends uniformly: the largest weight the published code puts on a hidden key (fixed: 0). */
    private static Effect hiddenWeight(JsonNode root, String snippet) {
        JsonNode published = output(run(root, snippet, "fully_masked_row", "as_published"), "attention_weights");
        JsonNode fixed = output(run(root, snippet, "fully_masked_row", "fixed"), "attention_weights");
        double worst = 0;
        for (int i = 0; i < published.size(); i++) {
            worst = Math.max(worst, Math.abs(SeedBugExperiment.value(published.get(i)) - SeedBugExperiment.value(fixed.get(i))));
        }
        return new Effect("max |published − fixed| attention weight, one fully masked row", fmt(worst), "probability",
                "only bug acting", cite(snippet, "fully_masked_row", "as_published vs fixed"));
    }

    private static Effect raises(JsonNode root, String snippet, String caseId, String run) {
        return new Effect("published code raises", exception(run(root, snippet, caseId, run)), "exception",
                "only bug acting", cite(snippet, caseId, run));
    }

    private static Effect scaleDtype(JsonNode root) {
        double worst = 0;
        for (JsonNode row : root.path("probes").path("scale_dtype").path("rows")) {
            double exact = row.path("math_sqrt").asDouble();
            worst = Math.max(worst, Math.abs(row.path("default_float32").path("value").asDouble() - exact) / exact);
        }
        return new Effect("max relative error of √D computed as torch.sqrt(torch.tensor(D)) under default float32",
                String.format(Locale.ROOT, "%.2e", worst), "relative error", "probe", "probes.scale_dtype");
    }

    private static Effect halfFill(JsonNode root) {
        for (JsonNode row : root.path("probes").path("half_precision_fill").path("rows")) {
            if (row.path("dtype").asText().equals("float16") && row.has("exception")) {
                return new Effect("masked_fill(" + row.path("fill").asText() + ") in float16", exception(row), "exception",
                        "probe", "probes.half_precision_fill");
            }
        }
        throw new IllegalArgumentException("probes.half_precision_fill has no float16 row that raises");
    }

    private static Effect influence(JsonNode root) {
        JsonNode m = root.path("probes").path("influence").path("matrices").path("Seed000MultiHeadLatentAttention/as_published");
        long ones = 0;
        long cells = 0;
        for (JsonNode row : m) {
            for (JsonNode v : row) {
                ones += v.asInt();
                cells++;
            }
        }
        return new Effect("(t, s) pairs where token s moves output t, no mask possible", ones + " of " + cells, "pairs",
                "probe", "probes.influence");
    }

    private static String yesNo(JsonNode root, String field) {
        return root.path("probes").path("examples").path("seed002_mha_example").path(field).asBoolean() ? "yes" : "no";
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.3g", x);
    }
}
