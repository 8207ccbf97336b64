package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.experiment.Charts;
import dev.attnref.mirror.CatalogueJson;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The quality side of the KV-cache trade-off, which attnref cannot measure: published ablations quoted from
 * {@value #RESOURCE} (DeepSeek-V2's Tables 8 and 9, the GQA paper's Table 1, the MFA paper's MoE 7B comparison), each
 * model's KV cache per token as
 * a fraction of its own table's MHA baseline, and its mean score change against that baseline.
 *
 * <pre>
 *   KV fraction = KV per token / the baseline's     (published counts where the table gives them, else G / H)
 *   Δ           = mean over the table's benchmarks of (score − the baseline's score), in points
 *                 (the GQA paper's table is quoted by its own average column alone)
 * </pre>
 *
 * Checked by {@code QuotedResultsTest}.
 */
final class QuotedResults {
    /** Classpath location of the quoted rows. */
    static final String RESOURCE = "/dev/attnref/report/quoted-quality.json";

    /** One model of one published table. */
    record Row(String id, String group, String variant, boolean baseline, String params, double kvPerToken,
               double kvFraction, String kvBasis, Map<String, Double> scores, String source) {
    }

    private QuotedResults() {
    }

    /** Every row, the KV fraction computed from the published counts where the file leaves it null. */
    static List<Row> rows() {
        JsonNode array = CatalogueJson.entries(CatalogueJson.readResource(QuotedResults.class, RESOURCE), RESOURCE, "rows");
        List<Row> rows = new ArrayList<>();
        Map<String, Double> baselineKv = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode r = array.get(i);
            String where = CatalogueJson.where("row", i, r);
            String group = CatalogueJson.text(r, "group", where);
            double kv = r.get("kv_per_token").isNull() ? Double.NaN : r.get("kv_per_token").asDouble();
            boolean baseline = r.get("baseline").asBoolean();
            if (baseline) {
                baselineKv.put(group, kv);
            }
            double fraction = r.get("kv_fraction").isNull() ? kv / baselineKv.getOrDefault(group, Double.NaN)
                    : r.get("kv_fraction").asDouble();
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException(RESOURCE + ", " + where + ": kv_fraction must be in (0, 1] or follow from "
                        + "kv_per_token and the group's baseline row above it; got " + fraction);
            }
            Map<String, Double> scores = new LinkedHashMap<>();
            r.get("scores").fields().forEachRemaining(e -> scores.put(e.getKey(), e.getValue().asDouble()));
            rows.add(new Row(CatalogueJson.text(r, "id", where), group, CatalogueJson.text(r, "variant", where), baseline,
                    CatalogueJson.text(r, "params", where), kv, fraction, CatalogueJson.text(r, "kv_fraction_basis", where),
                    scores, CatalogueJson.text(r, "source", where)));
        }
        return rows;
    }

    /** Δ against the group's baseline: the mean of the per-benchmark differences (one column: the paper's average). */
    static double delta(Row row, Row baseline) {
        double sum = 0;
        for (Map.Entry<String, Double> e : row.scores().entrySet()) {
            Double base = baseline.scores().get(e.getKey());
            if (base == null) {
                throw new IllegalArgumentException(RESOURCE + ": row " + row.id() + " scores " + e.getKey()
                        + ", which its baseline does not");
            }
            sum += e.getValue() - base;
        }
        return sum / row.scores().size();
    }

    private static Row baselineOf(Row row, List<Row> rows) {
        return rows.stream().filter(r -> r.baseline() && r.group().equals(row.group())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(RESOURCE + ": group (" + row.group() + ") has no baseline row"));
    }

    /** The derived section: caveats, then one row per quoted model. */
    static String section() {
        List<Row> rows = rows();
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows) {
            String[] cite = r.source().split(": ", 2);
            StringBuilder scores = new StringBuilder();
            r.scores().forEach((k, v) -> scores.append(scores.length() == 0 ? "" : " · ").append(k).append(" ")
                    .append(String.format(Locale.ROOT, "%.1f", v)));
            table.add(List.of(r.group(), r.variant(), r.params(),
                    Double.isNaN(r.kvPerToken()) ? "not published" : Markdown.num(r.kvPerToken()),
                    String.format(Locale.ROOT, "%.3f", r.kvFraction()) + " (" + r.kvBasis() + ")", scores.toString(),
                    r.baseline() ? "baseline" : String.format(Locale.ROOT, "%+.2f", delta(r, baselineOf(r, rows))),
                    References.cite(cite[0]) + (cite.length > 1 ? " " + cite[1] : "")));
        }
        return "**Quoted, not measured**: attnref trains no model. Scores as the papers print them (points: exact match, "
                + "accuracy, ROUGE-1, BLEU or F1 as each column says). Caveats, all of which the figure below inherits: each "
                + "table compares variants of **one** model trained **one** way, so only differences inside a table mean "
                + "anything; the tables differ in model (dense 7B, MoE 7B, 16B and 250B, encoder-decoder T5-XXL), training "
                + "(from scratch on 1.33T, 1T or 420B tokens; MHA checkpoints uptrained with 5% of their pre-training compute) "
                + "and benchmarks, so **numbers are not comparable across tables**; Table 8 aligns parameters by changing the "
                + "layer count and Table 9's MLA models have fewer activated parameters than their MHA twins; KV fractions "
                + "not published are inferred from head counts, per layer; KV per token is in each table's unit (DeepSeek-V2 "
                + "counts elements, the MFA paper 16-bit bytes). The MFA rows are **secondhand**: " + References.cite("mfa")
                + " itself could not be read from this machine, and its MoE 7B comparison is quoted from two secondary "
                + "transcriptions that agree on every figure (" + References.cite("mfa-notes-efficientpaper") + ", "
                + References.cite("mfa-notes-mad") + "); its benchmarks are not named there, so only the average is quoted. "
                + "In the figure every table's MHA sits at (1, 0), where the five lines meet.\n\n"
                + Markdown.table(List.of("table", "variant", "parameters", "KV / token (as published)", "KV / the table's MHA",
                        "scores (quoted)", "Δ vs MHA, mean (points)", "source"), table);
    }

    /** KV fraction (log₂) against Δ, one series per table with more than one model. */
    static void chart(Path dir) {
        List<Row> rows = rows();
        XYChart chart = Charts.lines("Quoted ablations: KV cache against score change, each vs its own table's MHA",
                "KV cache per token / the same table's MHA (log scale, one tick per halving)",
                "score change vs that MHA (points, mean over benchmarks)", false, false);
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        rows.forEach(r -> groups.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r));
        for (List<Row> group : groups.values()) {
            if (group.size() < 2) {
                continue;
            }
            Row base = baselineOf(group.get(0), rows);
            double[] x = new double[group.size()];
            double[] y = new double[group.size()];
            for (int i = 0; i < group.size(); i++) {
                x[i] = group.get(i).kvFraction();
                y[i] = delta(group.get(i), base);
            }
            Charts.series(chart, legend(group), OctaveAxes.log2(x), y);
        }
        Charts.modelled(chart, "each table's MHA (Δ = 0)", new double[] {-6, 0}, new double[] {0, 0});
        OctaveAxes.x(chart, -6, 0, OctaveAxes::power);
        Charts.save(chart, dir, "quoted_kv_vs_quality");
    }

    /** "DeepSeek-V2 Table 9, small MoE: MLA": the table, its setting up to the first comma or bracket, the variants. */
    private static String legend(List<Row> group) {
        String[] parts = group.get(0).group().split(": ", 2);
        String setting = parts[1].split("[,(]", 2)[0].trim();
        return parts[0] + ", " + setting + ": " + String.join(", ",
                group.stream().filter(r -> !r.baseline()).map(Row::variant).toList());
    }
}
