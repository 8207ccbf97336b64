package dev.attnref.experiment;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The charts of a race CSV ({@link RaceCsv}), drawn from the file alone so that committed results can
 * be redrawn without rerunning them:
 * <ul>
 *   <li>{@code prefill_speedup}: per prefill configuration and thread count, ORT
 *       {@code GroupQueryAttention}'s median over the fast kernel's (&gt; 1: the fast kernel is faster;
 *       the target is ≥ 1 for S ≥ 1024);</li>
 *   <li>{@code prefill_fma_share}: causal GQA prefill, useful GFLOP/s as a share of the FMA loop run in
 *       the same rounds, vs S, per contender and thread count;</li>
 *   <li>{@code decode_read_share}: GQA decode, K/V bytes per second as a share of the read loop over the
 *       same K/V in the same rounds, vs cache length, with the 70% target dashed.</li>
 * </ul>
 */
public final class RaceCharts {
    /** The peer of the targets: ORT's {@code GroupQueryAttention}, as the race names it. */
    public static final String GQA_PEER = OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION.label();
    /** Decode target of issue #6: K/V read at ≥ 70% of the measured read bandwidth. */
    static final double DECODE_TARGET = 70.0;

    private RaceCharts() {
    }

    /** Draws the three charts of {@code csv} into {@code dir}; returns the files written. */
    public static List<Path> draw(Path csv, Path dir) {
        Table table = Results.read(csv);
        List<Path> written = new ArrayList<>();
        written.addAll(Charts.save(prefillSpeedup(table), dir, "prefill_speedup"));
        written.addAll(Charts.save(prefillFmaShare(table), dir, "prefill_fma_share"));
        written.addAll(Charts.save(decodeReadShare(table), dir, "decode_read_share"));
        return written;
    }

    private static CategoryChart prefillSpeedup(Table table) {
        Map<Integer, Map<String, Double>> byThreads = new TreeMap<>();   // threads → config → speed-up
        for (int row = 0; row < table.rowCount(); row++) {
            if (Results.text(table, "kind", row).equals("PREFILL") && Results.text(table, "contender", row).equals(GQA_PEER)) {
                byThreads.computeIfAbsent((int) Results.number(table, "threads", row), t -> new LinkedHashMap<>())
                        .put(Results.text(table, "config", row), Results.number(table, "fast_speedup", row));
            }
        }
        CategoryChart chart = Charts.bars("Prefill: ORT GroupQueryAttention median / fast kernel median (> 1: fast is faster)",
                "configuration", "speed-up of the fast kernel", false);
        for (var entry : byThreads.entrySet()) {
            chart.addSeries(entry.getKey() + " thread(s)", new ArrayList<>(entry.getValue().keySet()),
                    new ArrayList<>(entry.getValue().values()));
        }
        return chart;
    }

    private static XYChart prefillFmaShare(Table table) {
        XYChart chart = Charts.lines("Causal GQA prefill (H = 32, G = 8, D = 128): share of the FMA loop in the same rounds",
                "S (log)", "% of FMA peak", true, false);
        seriesByContender(table, "PREFILL", "prefill-gqa-", "pct_fma_peak").forEach((name, xy) -> Charts.series(chart, name,
                xy[0], xy[1]));
        return chart;
    }

    private static XYChart decodeReadShare(Table table) {
        XYChart chart = Charts.lines("GQA decode (H = 32, G = 8, D = 128): share of a read loop over the same K/V",
                "cache length S (log)", "% of read bandwidth", true, false);
        Map<String, double[][]> series = seriesByContender(table, "DECODE", "decode-gqa-", "pct_read_bw");
        series.forEach((name, xy) -> Charts.series(chart, name, xy[0], xy[1]));
        double[] lengths = series.values().iterator().next()[0];
        double[] target = new double[lengths.length];
        Arrays.fill(target, DECODE_TARGET);
        Charts.modelled(chart, "target 70%", lengths, target);
        return chart;
    }

    /** contender + threads → {S values, column values}, rows of {@code kind} whose config starts with {@code prefix}. */
    private static Map<String, double[][]> seriesByContender(Table table, String kind, String prefix, String column) {
        Map<String, TreeMap<Double, Double>> points = new LinkedHashMap<>();
        for (int row = 0; row < table.rowCount(); row++) {
            if (!Results.text(table, "kind", row).equals(kind) || !Results.text(table, "config", row).startsWith(prefix)) {
                continue;
            }
            String name = Results.text(table, "contender", row) + ", " + (int) Results.number(table, "threads", row) + "T";
            points.computeIfAbsent(name, n -> new TreeMap<>())
                    .put(Results.number(table, "S", row), Results.number(table, column, row));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("race results have no " + kind + " rows of " + prefix + "*; expected a full race CSV");
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        points.forEach((name, xy) -> series.put(name, new double[][] {
                xy.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                xy.values().stream().mapToDouble(Double::doubleValue).toArray()}));
        return series;
    }
}
