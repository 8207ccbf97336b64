package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The charts of a race CSV ({@link RaceCsv}), drawn from the file alone so that committed results can
 * be redrawn without rerunning them:
 * <ul>
 *   <li>{@code prefill_speedup}: per prefill configuration and thread count, ORT
 *       {@code GroupQueryAttention}'s median over the fast kernel's (&gt; 1: the fast kernel is faster;
 *       issue #16's target is ≥ 1.3× the best peer), with the 1.0 and 1.3 lines and a bar from ORT's q1 over fast's q3 to ORT's
 *       q3 over fast's q1;</li>
 *   <li>{@code prefill_fma_share}: causal GQA prefill, useful GFLOP/s as a share of the FMA loop run in
 *       the same rounds, vs S, per contender, a panel per thread count;</li>
 *   <li>{@code decode_read_share}: GQA decode, K/V bytes per second as a share of the read loop over the
 *       same K/V in the same rounds, vs cache length, per float32 contender, a panel per thread count, with
 *       issue #16's 75% target dashed.</li>
 * </ul>
 * A share's bar spans the rounds' min–max time (a share is inversely proportional to time).
 */
public final class RaceCharts {
    /** The peer of the targets: ORT's {@code GroupQueryAttention}, as the race names it. */
    public static final String GQA_PEER = OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION.label();
    /** Decode target of issue #16: K/V read at ≥ 75% of the measured read bandwidth. */
    static final double DECODE_TARGET = 75.0;
    /** Prefill target of issue #16: ≥ 1.3× the best peer. */
    private static final double PREFILL_TARGET = 1.3;
    /** The fast kernel every speed-up is relative to, as the race names it. */
    private static final String FAST = "fast (vector)";

    private RaceCharts() {
    }

    /** Draws the three charts of {@code csv} into {@code dir}; returns the files written. */
    public static List<Path> draw(Path csv, Path dir) {
        Table table = Results.read(csv);
        List<Path> written = new ArrayList<>();
        written.addAll(Charts.save(prefillSpeedup(table), dir, "prefill_speedup"));
        written.addAll(Charts.save("Causal GQA prefill (H = 32, G = 8, D = 128): useful FLOP/s as a share of an FMA loop "
                + "run in the same rounds; bars: min–max of the rounds", shares(table, "PREFILL", "prefill-gqa-",
                "pct_fma_peak", "% of the FMA loop's FLOP/s", "sequence length S (tokens, log₂)"), 2, dir, "prefill_fma_share"));
        List<XYChart> decode = shares(table, "DECODE", "decode-gqa-", "pct_read_bw", "% of the read loop's bytes/s",
                "cache length S (tokens, log₂)");
        decode.forEach(chart -> Charts.horizontal(chart, "target 75%", DECODE_TARGET));
        written.addAll(Charts.save("GQA decode (H = 32, G = 8, D = 128): K/V bytes per second as a share of a read loop "
                + "over the same K/V in the same rounds; bars: min–max of the rounds", decode, 2, dir, "decode_read_share"));
        return written;
    }

    private static XYChart prefillSpeedup(Table t) {
        Map<String, List<Integer>> peer = ChartFolder.groups(t, r -> isPrefill(t, r) && text(t, "contender", r).equals(GQA_PEER),
                r -> threads(t, r));
        List<String> configs = new ArrayList<>();
        peer.values().forEach(rows -> rows.stream().map(r -> text(t, "config", r)).filter(c -> !configs.contains(c))
                .forEach(configs::add));
        XYChart chart = Charts.categories("Prefill: ORT GroupQueryAttention's median time over the fast kernel's (> 1: the "
                + "fast kernel is faster); bars: ORT q1 / fast q3 to ORT q3 / fast q1", "configuration",
                "speed-up of the fast kernel (ratio, log₂)", configs, true);
        peer.forEach((threads, rows) -> {
            double[] low = new double[rows.size()];
            double[] high = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                int fast = fastRow(t, rows.get(i));
                low[i] = Results.number(t, "q1_ms", rows.get(i)) / Results.number(t, "q3_ms", fast);
                high[i] = Results.number(t, "q3_ms", rows.get(i)) / Results.number(t, "q1_ms", fast);
            }
            Charts.series(chart, threads, Charts.indices(configs, rows.stream().map(r -> text(t, "config", r)).toList()),
                    ChartFolder.numbers(t, "fast_speedup", rows), low, high);
        });
        Charts.horizontal(chart, "1.0: equal medians", 1.0);
        Charts.horizontal(chart, "target 1.3×", PREFILL_TARGET);
        return chart;
    }

    /** The fast kernel's row of the same configuration and thread count as {@code row}. */
    private static int fastRow(Table t, int row) {
        for (int r = 0; r < t.rowCount(); r++) {
            if (text(t, "contender", r).equals(FAST) && text(t, "config", r).equals(text(t, "config", row))
                    && threads(t, r).equals(threads(t, row))) {
                return r;
            }
        }
        throw new IllegalArgumentException("race results have no '" + FAST + "' row for " + text(t, "config", row) + " at "
                + threads(t, row) + "; expected one per configuration and thread count");
    }

    /** One panel per thread count: {@code column} against S per float32 contender, rows of {@code kind} whose config starts with {@code prefix}. */
    private static List<XYChart> shares(Table t, String kind, String prefix, String column, String yTitle, String xTitle) {
        // float32 contenders only: the 16-bit caches read other bytes, and 8 series fill a panel
        Map<String, List<Integer>> byThreads = ChartFolder.groups(t, r -> text(t, "kind", r).equals(kind)
                && text(t, "config", r).startsWith(prefix) && text(t, "precision", r).equals("float32"), r -> threads(t, r));
        if (byThreads.isEmpty()) {
            throw new IllegalArgumentException("race results have no " + kind + " rows of " + prefix + "*; expected a full race CSV");
        }
        List<XYChart> panels = new ArrayList<>();
        byThreads.forEach((threads, rows) -> {
            XYChart chart = Charts.lines(threads, xTitle, yTitle, true, false);
            ChartFolder.groups(t, rows::contains, r -> text(t, "contender", r)).forEach((contender, own) -> {
                double[] share = ChartFolder.numbers(t, column, own);
                double[] median = ChartFolder.numbers(t, "median_ms", own);
                double[] low = new double[share.length];
                double[] high = new double[share.length];
                for (int i = 0; i < share.length; i++) {
                    low[i] = share[i] * median[i] / Results.number(t, "max_ms", own.get(i));
                    high[i] = share[i] * median[i] / Results.number(t, "min_ms", own.get(i));
                }
                Charts.series(chart, contender, ChartFolder.numbers(t, "S", own), share, low, high);
            });
            panels.add(chart);
        });
        return panels;
    }

    private static boolean isPrefill(Table t, int row) {
        return text(t, "kind", row).equals("PREFILL");
    }

    private static String threads(Table t, int row) {
        int n = (int) Results.number(t, "threads", row);
        return n + " thread" + (n == 1 ? "" : "s");
    }

    private static String text(Table t, String column, int row) {
        return Results.text(t, column, row);
    }
}
