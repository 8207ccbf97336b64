package dev.attnref.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.mirror.BugCatalogue;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed000MutiQueryAttention;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * E07 — the measured effect of each seed bug as published, each bug on its own.
 *
 * <ol>
 *   <li><b>Per bug</b> ({@code seed_bug_effects.csv}): each bug's own effect, with only that bug's line
 *       differing, in the measure that fits it and its unit — attention mass on future keys, relative error,
 *       NaN count, rank, the exception raised, lines printed. It comes from the line computed here on its own
 *       (the −1e-9 mask, the transposed merge), from a PyTorch probe of that one operation, or from a PyTorch
 *       case in which that bug is the only one of its snippet that acts (the {@code isolation} column says
 *       which). Documentation bugs have no numeric effect and say so.</li>
 *   <li><b>Per snippet</b> ({@code seed_snippet_effects.csv}): the seeds' own PyTorch cases
 *       ({@code reference-data/seeds/run_seeds.py}), published against fixed code with every bug of the
 *       snippet switched at once: the largest difference relative to the fixed output, or the exception.</li>
 *   <li><b>Swept here</b> against the sequence length T ({@code seed_bug_sweep.csv}), on the float64 oracle
 *       with the published line's arithmetic:
 *       <ul>
 *         <li>S000-MQA-MASK / S000-GQA-MASK: {@code scores += mask · (−1e-9)} with a causal
 *             "1 = hide" mask — the attention mass each query puts on future keys (0 when fixed).</li>
 *         <li>S000-MQA-TRANSPOSE / S000-GQA-TRANSPOSE: {@code output.transpose(−1, −2).contiguous().view(B, −1, H·D)}
 *             on {@code [B, H, T, D]} instead of {@code transpose(1, 2)} — the relative error of the merged
 *             heads (0 at T = 1, which is why single-token tests pass).</li>
 *         <li>The Java mirror of seed 000's MQA ({@code Seed000MutiQueryAttention}, both bugs in it), as
 *             published and fixed on the same weights: the relative output error, and how much earlier
 *             positions' outputs move when only the last token changes (a causal model: 0).</li>
 *       </ul></li>
 * </ol>
 */
public final class SeedBugExperiment implements Experiment {
    private static final long SEED = 0xE07L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CASE = Pattern.compile("snippets\\.(\\w+)\\.cases\\[(\\w+)\\]");
    private static final Pattern CASE_ID = Pattern.compile("(\\w+)\\[(\\w+)\\]");

    @Override
    public String id() {
        return "E07";
    }

    @Override
    public String folder() {
        return "E07-seed-bugs";
    }

    @Override
    public String title() {
        return "Seed bugs as published: measured effect against the fixed code";
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        JsonNode seedOutputs = readJson(context.root().resolve(spec.text("seedOutputs")));
        Results snippets = Results.of("seed_snippet_effects", "case:s", "run:s", "measure:s", "value:s", "bugs_in_case:s",
                "source:s");
        fromPyTorch(seedOutputs, snippets);
        List<Integer> lengths = spec.integers("lengths");
        Results sweep = Results.of("seed_bug_sweep", "bug:s", "length:i", "measure:s", "value:d");
        double[] xs = lengths.stream().mapToDouble(Integer::doubleValue).toArray();
        double[] future = new double[xs.length];
        double[] scrambled = new double[xs.length];
        int heads = spec.integer("heads");
        int headDim = spec.integer("headDim");
        for (int i = 0; i < xs.length; i++) {
            int t = lengths.get(i);
            future[i] = futureMassWithTinyMask(t, heads, headDim);
            scrambled[i] = transposeMergeError(t, heads, headDim);
            double[] mirror = mirrorSweep(t, heads, headDim);
            sweep.add("S000-MQA-MASK", t, "max attention mass on future keys", future[i]);
            sweep.add("S000-MQA-TRANSPOSE", t, "relative error of merged heads", scrambled[i]);
            sweep.add("S000-MQA-MASK + S000-MQA-TRANSPOSE", t, "mirror: relative output error, published vs fixed",
                    mirror[0]);
            sweep.add("S000-MQA-MASK + S000-MQA-TRANSPOSE", t,
                    "mirror: change of earlier outputs when the last token changes (published; fixed: " + mirror[2] + ")",
                    mirror[1]);
            context.log("T=%d: future mass %.3f, transpose error %.3f; mirror: output error %.3f, future influence %.3g "
                    + "(fixed %.3g)", t, future[i], scrambled[i], mirror[0], mirror[1], mirror[2]);
        }
        int longest = lengths.get(lengths.size() - 1);
        Results effects = BugEffects.of(seedOutputs, longest, future[xs.length - 1], scrambled[xs.length - 1],
                futureMassWithTinyMask(longest, heads, headDim, 2));
        context.write(effects, "seed_bug_effects");
        context.write(snippets, "seed_snippet_effects");
        context.write(sweep, "seed_bug_sweep");
        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        SeedBugCharts.draw(charts);
    }

    /**
     * Seed 000's {@code MutiQueryAttention} mirror, as published and fixed, on the same weights and a causal
     * "1 = hide" mask, M = heads·headDim: {relative output error of published vs fixed; largest change of an
     * output at a position &lt; T−1 when the last token changes, relative to the largest output, published;
     * the same for fixed (0: causal)}.
     */
    static double[] mirrorSweep(int length, int heads, int headDim) {
        int width = heads * headDim;
        Seed000MutiQueryAttention published = new Seed000MutiQueryAttention(width, heads, Fidelity.AS_PUBLISHED,
                new SeededRandom(SEED + 7));
        Seed000MutiQueryAttention fixed = new Seed000MutiQueryAttention(width, heads, Fidelity.FIXED,
                new SeededRandom(SEED + 7));
        double[] hide = new double[length * length];
        for (int t = 0; t < length; t++) {
            for (int s = t + 1; s < length; s++) {
                hide[t * length + s] = 1;
            }
        }
        Tensor mask = Tensor.of(hide, length, length);                               // [T, T], 1 = hide
        SeededRandom random = new SeededRandom(SEED + 11L * length);
        double[] xValues = random.gaussians(length * width, 1);
        Tensor x = Tensor.of(xValues, 1, length, width);                               // [1, T, M]
        double[] changed = xValues.clone();
        double[] lastToken = random.gaussians(width, 1);
        System.arraycopy(lastToken, 0, changed, (length - 1) * width, width);
        Tensor x2 = Tensor.of(changed, 1, length, width);
        double[] pub = published.forward(x, mask).toArray();
        double[] fix = fixed.forward(x, mask).toArray();
        double num = 0;
        double den = 0;
        for (int i = 0; i < fix.length; i++) {
            num += (pub[i] - fix[i]) * (pub[i] - fix[i]);
            den += fix[i] * fix[i];
        }
        return new double[] {Math.sqrt(num / den), earlierChange(pub, published.forward(x2, mask).toArray(), length, width),
                earlierChange(fix, fixed.forward(x2, mask).toArray(), length, width)};
    }

    /** max over positions t &lt; T−1 of |a − b| / max |a|; 0 when T = 1 (no earlier position). */
    private static double earlierChange(double[] a, double[] b, int length, int width) {
        double scale = 0;
        double change = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
        }
        for (int i = 0; i < (length - 1) * width; i++) {
            change = Math.max(change, Math.abs(a[i] - b[i]));
        }
        return change / scale;
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /**
     * One row per (PyTorch case, published run, output): max |published − fixed| / max |fixed|, or the exception
     * raised, with every bug of the snippet switched at once; {@code bugs_in_case} lists the bugs whose evidence
     * names the case.
     */
    static void fromPyTorch(JsonNode root, Results snippets) {
        String torch = "PyTorch " + root.path("torch_version").asText() + " (seed_outputs.json)";
        Map<String, List<String>> bugsByCase = new LinkedHashMap<>();
        for (BugCatalogue.Bug bug : BugCatalogue.load().bugs()) {
            Matcher m = CASE.matcher(bug.pythonEvidence());
            while (m.find()) {
                bugsByCase.computeIfAbsent(m.group(1) + "[" + m.group(2) + "]", k -> new ArrayList<>()).add(bug.id());
            }
        }
        for (Map.Entry<String, List<String>> e : bugsByCase.entrySet()) {
            Matcher m = CASE_ID.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            JsonNode caseNode = BugEffects.caseOf(root, m.group(1), m.group(2));
            if (caseNode == null) {
                continue;
            }
            String bugs = String.join(" ", e.getValue());
            JsonNode fixed = caseNode.path("runs").path("fixed");
            for (Iterator<String> names = caseNode.path("runs").fieldNames(); names.hasNext(); ) {
                String run = names.next();
                if (!run.startsWith("as_published")) {
                    continue;
                }
                JsonNode published = caseNode.path("runs").path(run);
                if (published.has("exception")) {
                    snippets.add(e.getKey(), run, "published code raises", BugEffects.exception(published), bugs, torch);
                } else if (published.has("outputs") && fixed.has("outputs")) {
                    for (JsonNode out : published.get("outputs")) {
                        JsonNode f = BugEffects.output(fixed, out.path("name").asText());
                        if (f != null) {
                            snippets.add(e.getKey(), run, "max |published − fixed| / max |fixed| of " + out.path("name").asText(),
                                    relativeDifference(out.path("values"), f), bugs, torch);
                        }
                    }
                }
            }
        }
    }

    static String relativeDifference(JsonNode a, JsonNode b) {
        if (a.size() != b.size()) {
            return "shapes differ (" + a.size() + " vs " + b.size() + " values)";
        }
        double diff = 0;
        double scale = 0;
        int nan = 0;
        for (int i = 0; i < a.size(); i++) {
            double x = value(a.get(i));
            double y = value(b.get(i));
            if (Double.isNaN(x) != Double.isNaN(y)) {
                nan++;
                continue;
            }
            if (!Double.isNaN(x)) {
                diff = Math.max(diff, Math.abs(x - y));
                scale = Math.max(scale, Math.abs(y));
            }
        }
        String rel = String.format(Locale.ROOT, "%.3g", scale == 0 ? diff : diff / scale);
        return nan == 0 ? rel : rel + " (" + nan + " values NaN in one run only)";
    }

    static double value(JsonNode n) {
        if (n.isNumber()) {
            return n.asDouble();
        }
        return switch (n.asText()) {
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(n.asText());
        };
    }

    static String shorten(String s) {
        return s.length() <= 120 ? s : s.substring(0, 119) + "…";
    }

    /**
     * Seed 000's mask line: logits + mask·(−1e-9) with mask[t, s] = 1 for s &gt; t ("1 = hide"). The
     * largest mass any query puts on its future keys; the fixed line (−∞) gives 0.
     */
    static double futureMassWithTinyMask(int length, int heads, int headDim) {
        return futureMassWithTinyMask(length, heads, headDim, 1);
    }

    /** The same with {@code kvHeads} key/value heads (1: seed 000's MQA; 2: its GQA). */
    static double futureMassWithTinyMask(int length, int heads, int headDim, int kvHeads) {
        SeededRandom random = new SeededRandom(SEED + length);
        double[] q = random.gaussians(heads * length * headDim, 1);
        double[] k = random.gaussians(kvHeads * length * headDim, 1);
        double[] v = random.gaussians(kvHeads * length * headDim, 1);
        double[] bias = new double[length * length];
        for (int t = 0; t < length; t++) {
            for (int s = t + 1; s < length; s++) {
                bias[t * length + s] = 1 * -1e-9;                     // py: attention_scores += attention_mask * -1e-9
            }
        }
        double[] p = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(heads).numKvHeads(kvHeads)
                .qLen(length).newKvLen(length).headDim(headDim).valueHeadDim(headDim).query(q).key(k).value(v)
                .additiveMask(bias, length, length).build()).probabilities();   // [1, H, T, S]
        double worst = 0;
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < length; t++) {
                double mass = 0;
                for (int s = t + 1; s < length; s++) {
                    mass += p[(h * length + t) * length + s];
                }
                worst = Math.max(worst, mass);
            }
        }
        return worst;
    }

    /**
     * Seed 000's merge line {@code output.transpose(-1, -2).contiguous().view(B, -1, H·D)} on
     * {@code [B, H, T, D]} against the fixed {@code transpose(1, 2)}: ‖published − fixed‖_F / ‖fixed‖_F.
     */
    static double transposeMergeError(int length, int heads, int headDim) {
        Tensor out = Tensor.randn(new SeededRandom(SEED + 31L * length), 1.0, 1, heads, length, headDim);
        Tensor published = out.transpose(-1, -2).contiguous().view(1, -1, heads * headDim);   // [1, T, H·D], scrambled
        Tensor fixed = out.transpose(1, 2).contiguous().view(1, -1, heads * headDim);         // [1, T, H·D]
        double[] a = published.toArray();
        double[] b = fixed.toArray();
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
