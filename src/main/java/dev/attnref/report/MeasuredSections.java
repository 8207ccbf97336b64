package dev.attnref.report;

import dev.attnref.experiment.RaceCharts;
import dev.attnref.experiment.Results;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The measured part of each experiment's report section: a few tables read from its results CSVs,
 * the headline figures spelled out, and the charts to embed. Tables show what the CSVs hold; nothing
 * here measures.
 */
final class MeasuredSections {
    /** How many of E03's longest lengths the report tabulates. */
    private static final int PREFILL_COLUMNS = 4;

    private MeasuredSections() {
    }

    /** A section: its stamp line, its Markdown body and the chart names to embed. */
    record Section(String stamp, String body, List<String> charts) {
    }

    static Section of(String id, Path results, BiFunction<Path, String, Table> csv) {
        return switch (id) {
            case "E02" -> decode(csv.apply(results, "decode_measured"), csv.apply(results, "machine"));
            case "E03" -> prefill(csv.apply(results, "prefill_fit"), csv.apply(results, "prefill_measured"));
            case "E04" -> hardware(csv.apply(results, "sweep"));
            case "E05" -> numerics(csv.apply(results, "float32_vs_float64"), csv.apply(results, "mla_absorbed_vs_naive"),
                    csv.apply(results, "mask_fill"));
            case "E06" -> scaling(csv.apply(results, "saturation"));
            case "E07" -> seedBugs(csv.apply(results, "seed_bug_effects"));
            case "E08" -> conversions(csv.apply(results, "mha_to_gqa"), csv.apply(results, "mha_to_latent"));
            default -> new Section("(no stamp)", "No report section is defined for " + id + ".\n", List.of());
        };
    }

    private static String missing(String name) {
        return "Results file `" + name + ".csv` is missing: rerun the experiment.\n";
    }

    private static double num(Table t, String c, int r) {
        return Results.number(t, c, r);
    }

    private static String text(Table t, String c, int r) {
        return Results.text(t, c, r);
    }

    private static Section decode(Table measured, Table machine) {
        if (measured == null || machine == null) {
            return new Section("(no stamp)", missing(measured == null ? "decode_measured" : "machine"), List.of());
        }
        double readBw = num(machine, "read_gb_per_s", 0);
        double fma32 = num(machine, "fma_f32_gflops", 0);
        double fma64 = num(machine, "fma_f64_gflops", 0);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Measured in the same run: read loop %.1f GB/s, FMA peak %.0f GFLOP/s "
                + "(fp32) / %.0f GFLOP/s (fp64). The timed work is one layer's attention core per decode step (scores "
                + "and weighted sum over the cache; projections excluded), batch 1. \"busy\" marks a point taken while the "
                + "machine was loaded, stolen from, too spread or not yet compiled (the CSV's busy column).%n%n", readBw,
                fma32, fma64));
        // the largest cache length per variant and engine
        Map<String, Integer> last = new LinkedHashMap<>();
        for (int r = 0; r < measured.rowCount(); r++) {
            last.put(text(measured, "variant", r) + "|" + text(measured, "engine", r), r);
        }
        // the MHA row of the same engine is each row's baseline
        Map<String, double[]> mha = new LinkedHashMap<>();
        for (int r : last.values()) {
            if (text(measured, "variant", r).equals("MHA")) {
                mha.put(text(measured, "engine", r), new double[] {num(measured, "median_ms", r), num(measured, "bytes_read", r)});
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (int r : last.values()) {
            boolean f64 = text(measured, "engine", r).startsWith("float64");
            double ms = num(measured, "median_ms", r);
            double bytes = num(measured, "bytes_read", r);
            double[] base = mha.get(text(measured, "engine", r));
            rows.add(List.of(text(measured, "shape", r), text(measured, "engine", r),
                    Markdown.num(num(measured, "cache_length", r)), withSpread(measured, r, "median_ms", "min_ms", "max_ms", Markdown::num) + busy(measured, r),
                    Markdown.bytes(bytes),
                    Markdown.num(num(measured, "gb_per_s", r)),
                    Markdown.num(100 * num(measured, "gb_per_s", r) / readBw) + "%",
                    Markdown.num(num(measured, "gflop_per_s", r)),
                    Markdown.num(100 * num(measured, "gflop_per_s", r) / (f64 ? fma64 : fma32)) + "%",
                    Markdown.num(num(measured, "intensity_flop_per_byte", r)),
                    Markdown.num(num(measured, "roofline_ms", r)),
                    base == null ? "–" : String.format(Locale.ROOT, "%.2f× / %.2f×", base[0] / ms, base[1] / bytes)));
        }
        sb.append(Markdown.table(List.of("core", "engine", "S", "ms / step [min–max]", "cache read", "GB/s", "of read loop",
                "GFLOP/s", "of FMA peak", "FLOP/B", "roofline ms", "MHA time / this, MHA bytes / this (same engine)"), rows));
        return new Section(ReportBuilder.stamp(measured), sb.toString(), List.of("decode_time", "decode_time_vs_bytes",
                "decode_bandwidth", "decode_gflops", "roofline_decode_h100", "decode_intensity"));
    }

    /**
     * The race of the fast float32 kernels against ONNX Runtime ({@code attnref race}): per configuration
     * and thread count, the medians of the fast kernel and of ORT {@code GroupQueryAttention}, their
     * ratio, and the fast kernel's share of the ceilings measured in the same rounds.
     */
    static Section race(Table race) {
        if (race == null) {
            return new Section("(no stamp)", missing("race"), List.of());
        }
        String stamp = String.format(Locale.ROOT, "Stamp: commit `%s`, %s, CPU %s (%d cores), %s.",
                text(race, "commit", 0), text(race, "jdk", 0), text(race, "cpu", 0), (int) num(race, "cores", 0),
                text(race, "settings", 0));
        List<String> charts = List.of("prefill_speedup", "prefill_fma_share", "decode_read_share");
        if (!race.columnNames().contains("vs_best_peer")) {
            return new Section(stamp, "The committed race predates PyTorch and the best-peer columns: rerun `./attnref race`.\n",
                    charts);
        }
        Map<String, Integer> byContender = new LinkedHashMap<>();   // config/threads/contender → row
        for (int r = 0; r < race.rowCount(); r++) {
            byContender.put(raceKey(race, r, text(race, "contender", r)), r);
        }
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < race.rowCount(); r++) {
            if (!text(race, "contender", r).startsWith("fast (")) {
                continue;
            }
            String peer = text(race, "best_peer", r);
            Integer p = peer.isBlank() ? null : byContender.get(raceKey(race, r, peer));
            boolean memory = !text(race, "kind", r).equals("PREFILL") && !text(race, "kind", r).equals("MLA_DECODE");
            rows.add(List.of(text(race, "config", r), Integer.toString((int) num(race, "threads", r)),
                    text(race, "precision", r), text(race, "contender", r), medianIqr(race, r),
                    p == null ? "–" : peer + (text(race, "backend", p).isBlank() ? "" : " (" + text(race, "backend", p) + ")"),
                    p == null ? "–" : medianIqr(race, p),
                    p == null ? "–" : String.format(Locale.ROOT, "%.2f×", num(race, "vs_best_peer", r)),
                    String.format(Locale.ROOT, "%.0f%%", num(race, memory ? "pct_read_bw" : "pct_fma_peak", r))
                            + (memory ? " of read bw" : " of FMA peak")));
        }
        return new Section(stamp, "Medians in ms with [q1–q3] over alternating rounds in one process, same inputs. "
                + "Best peer: the fastest of ONNX Runtime and PyTorch reading the same precision at that point (its SDPA "
                + "backend in brackets); ratio = best peer's median / fast median (> 1: attnref's kernel is faster). Shares "
                + "are of the FMA loop and of a read loop over the same bytes, both run in the same rounds. The issue-16 "
                + "targets and how each is read from this table: `experiments/fast-race/README.md`.\n\n"
                + Markdown.table(List.of("configuration", "threads", "precision", "fast kernel", "fast ms [IQR]", "best peer",
                        "peer ms [IQR]", "ratio", "fast share"), rows),
                charts);
    }

    private static String raceKey(Table race, int row, String contender) {
        return text(race, "config", row) + "/" + (int) num(race, "threads", row) + "/" + contender;
    }

    private static String medianIqr(Table race, int row) {
        return String.format(Locale.ROOT, "%.3f [%.3f–%.3f]", num(race, "median_ms", row), num(race, "q1_ms", row),
                num(race, "q3_ms", row));
    }

    /**
     * {@code value [low–high]}, or the value alone when the CSV has no such columns (results written before spreads
     * were recorded).
     */
    private static String withSpread(Table t, int row, String value, String low, String high,
                                     java.util.function.DoubleFunction<String> f) {
        double v = num(t, value, row);
        if (!t.columnNames().contains(low) || !t.columnNames().contains(high)) {
            return f.apply(v);
        }
        return f.apply(v) + " [" + f.apply(num(t, low, row)) + "–" + f.apply(num(t, high, row)) + "]";
    }

    /** {@code  (busy: load+spread)} when the row's {@code busy} column names a reason, else nothing. */
    private static String busy(Table t, int row) {
        if (!t.columnNames().contains("busy")) {
            return "";
        }
        String why = text(t, "busy", row);
        return why.isBlank() || why.equals("no") ? "" : " (busy: " + why + ")";
    }

    private static Section prefill(Table fits, Table measured) {
        if (fits == null || measured == null) {
            return new Section("(no stamp)", missing(fits == null ? "prefill_fit" : "prefill_measured"), List.of());
        }
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < fits.rowCount(); r++) {
            rows.add(List.of(text(fits, "variant", r), text(fits, "shape", r), text(fits, "what", r),
                    Markdown.num(num(fits, "fit_from", r)), Markdown.num(num(fits, "points", r)),
                    withSpread(fits, r, "exponent", "exponent_low95", "exponent_high95",
                            x -> String.format(Locale.ROOT, "%.2f", x)),
                    String.format(Locale.ROOT, "%.3f", num(fits, "r_squared", r))));
        }
        return new Section(ReportBuilder.stamp(fits), "Fitted exponent k of time ≈ a·S^k for a causal prefill "
                + "(least squares on log–log over S ≥ fit from). A linear-time attention would give k ≈ 1; every "
                + "variant, MLA included, scores every earlier key (k → 2 once the S² term dominates).\n\n"
                + Markdown.table(List.of("variant", "shape", "what", "fit from S", "points", "exponent k [95% interval]", "R²"),
                        rows)
                + "\nMeasured time at the longest lengths, ms: median [min–max] of the rounds.\n\n" + prefillTimes(measured),
                List.of("prefill_time", "prefill_mla_modules"));
    }

    /** Series × the last {@link #PREFILL_COLUMNS} lengths of {@code prefill_measured}: median [min–max] (busy). */
    private static String prefillTimes(Table measured) {
        List<Integer> all = new ArrayList<>(new java.util.TreeSet<>(measured.intColumn("length").asList()));
        List<Integer> lengths = all.subList(Math.max(0, all.size() - PREFILL_COLUMNS), all.size());
        Map<String, Map<Integer, String>> bySeries = new LinkedHashMap<>();
        for (int r = 0; r < measured.rowCount(); r++) {
            int length = (int) num(measured, "length", r);
            if (lengths.contains(length)) {
                bySeries.computeIfAbsent(text(measured, "shape", r) + " · " + text(measured, "engine", r),
                        k -> new LinkedHashMap<>()).put(length,
                        withSpread(measured, r, "median_ms", "min_ms", "max_ms", Markdown::num) + busy(measured, r));
            }
        }
        List<List<String>> rows = new ArrayList<>();
        bySeries.forEach((series, cells) -> {
            List<String> row = new ArrayList<>(List.of(series));
            lengths.forEach(l -> row.add(cells.getOrDefault(l, "–")));
            rows.add(row);
        });
        List<String> headers = new ArrayList<>(List.of("series"));
        lengths.forEach(l -> headers.add("S = " + Markdown.num(l)));
        return Markdown.table(headers, rows);
    }

    private static Section hardware(Table sweep) {
        if (sweep == null) {
            return new Section("(no stamp)", missing("sweep"), List.of());
        }
        Map<String, Map<String, String>> pivot = new LinkedHashMap<>();
        List<String> columns = new ArrayList<>();
        for (int r = 0; r < sweep.rowCount(); r++) {
            String row = text(sweep, "measure", r) + " · " + text(sweep, "variant", r) + " (" + text(sweep, "unit", r) + ")";
            String col = text(sweep, "java_version", r).replace("openjdk version ", "JDK ") + ", "
                    + DerivedSections.cellText(sweep, "run_threads", r) + " thr";
            if (!columns.contains(col)) {
                columns.add(col);
            }
            boolean spread = sweep.columnNames().contains("min") && !text(sweep, "min", r).isBlank();
            pivot.computeIfAbsent(row, k -> new LinkedHashMap<>()).put(col,
                    (spread ? withSpread(sweep, r, "value", "min", "max", Markdown::num) : Markdown.num(num(sweep, "value", r)))
                            + busy(sweep, r));
        }
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : pivot.entrySet()) {
            List<String> row = new ArrayList<>(List.of(e.getKey()));
            columns.forEach(c -> row.add(e.getValue().getOrDefault(c, "–")));
            rows.add(row);
        }
        List<String> headers = new ArrayList<>(List.of("measure · variant"));
        headers.addAll(columns);
        return new Section(ReportBuilder.stamp(sweep), "Each JDK ran the same probe as a subprocess. Peaks are the best "
                + "of their repeats [slowest–best]; decode rows are medians [min–max] of the rounds.\n\n" + Markdown.table(headers, rows),
                List.of("decode_by_engine_threads_jdk"));
    }

    private static Section numerics(Table precision, Table mla, Table masks) {
        if (precision == null || mla == null || masks == null) {
            return new Section("(no stamp)", missing("float32_vs_float64 / mla_absorbed_vs_naive / mask_fill"), List.of());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("float32 decode step against float64 (max |Δ| / max |o₆₄|):\n\n");
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < precision.rowCount(); r++) {
            rows.add(List.of(text(precision, "engine", r), Markdown.num(num(precision, "cache_length", r)),
                    String.format(Locale.ROOT, "%.2e", num(precision, "max_relative_error", r))));
        }
        sb.append(Markdown.table(List.of("engine", "S", "relative error"), rows));
        sb.append("\nAbsorbed vs naive MLA (max relative difference):\n\n");
        rows = new ArrayList<>();
        for (int r = 0; r < mla.rowCount(); r++) {
            rows.add(List.of(text(mla, "comparison", r), Markdown.num(num(mla, "length", r)),
                    String.format(Locale.ROOT, "%.2e", num(mla, "max_relative_difference", r))));
        }
        sb.append(Markdown.table(List.of("comparison", "S", "difference"), rows));
        sb.append("\nMask fill values (causal, float64 oracle; batch row 2 has no visible key). For −∞ the \"zeros\" of "
                + "a row with no visible key is this project's policy (MATH.md; `oracle.FullyMaskedRows`): a plain softmax "
                + "over a row of −∞ computes 0/0 and gives NaN there, as PyTorch does. Finite fills give that row a uniform "
                + "average of the hidden values instead:\n\n");
        rows = new ArrayList<>();
        for (int r = 0; r < masks.rowCount(); r++) {
            rows.add(List.of(text(masks, "fill", r), Markdown.num(num(masks, "logit_std", r)),
                    String.format(Locale.ROOT, "%.3g", num(masks, "max_future_mass", r)),
                    String.format(Locale.ROOT, "%.3g", num(masks, "max_output_change_vs_neg_inf", r)),
                    text(masks, "fully_masked_row_output", r)));
        }
        sb.append(Markdown.table(List.of("fill", "logit std", "max mass on future keys", "max output change vs −∞",
                "fully masked row gives"), rows));
        return new Section(ReportBuilder.stamp(precision), sb.toString(),
                List.of("float32_error_vs_length", "mla_absorbed_vs_naive"));
    }

    private static Section scaling(Table saturation) {
        if (saturation == null) {
            return new Section("(no stamp)", missing("saturation"), List.of());
        }
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < saturation.rowCount(); r++) {
            rows.add(List.of(Markdown.num(num(saturation, "head_dim", r)), text(saturation, "scaled", r),
                    String.format(Locale.ROOT, "%.3f", num(saturation, "mean_entropy_nats", r)),
                    String.format(Locale.ROOT, "%.3f", num(saturation, "uniform_entropy_nats", r)),
                    String.format(Locale.ROOT, "%.3f", num(saturation, "mean_max_weight", r)),
                    String.format(Locale.ROOT, "%.3g", num(saturation, "mean_jacobian_frobenius", r))));
        }
        return new Section(ReportBuilder.stamp(saturation), "q, k ~ N(0, I_D); means over the samples. Unscaled logits "
                + "spread as √D, so the softmax saturates (max weight → 1, entropy → 0) and its Jacobian — the factor "
                + "every gradient through attention is multiplied by — shrinks towards 0; scaled by 1/√D the figures do "
                + "not depend on D.\n\n" + Markdown.table(List.of("D", "scale", "entropy (nats)", "uniform ln S",
                "max weight", "‖J‖_F"), rows), List.of("max_weight_vs_head_dim", "entropy_vs_head_dim",
                "jacobian_vs_head_dim"));
    }

    private static Section seedBugs(Table effects) {
        if (effects == null) {
            return new Section("(no stamp)", missing("seed_bug_effects"), List.of());
        }
        boolean perBug = effects.columnNames().contains("unit");
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < effects.rowCount(); r++) {
            rows.add(perBug ? List.of(text(effects, "bug", r), text(effects, "kind", r), text(effects, "measure", r),
                    text(effects, "value", r), text(effects, "unit", r), text(effects, "isolation", r), text(effects, "source", r))
                    : List.of(text(effects, "bug", r), text(effects, "kind", r), text(effects, "measure", r),
                    text(effects, "value", r), "–", "whole snippet", text(effects, "source", r)));
        }
        return new Section(ReportBuilder.stamp(effects), "Each bug's own effect, with only that bug's line differing, in "
                + "its own measure and unit: the line computed here alone, a PyTorch probe of that one operation, or a "
                + "PyTorch case in which no other bug of its snippet acts (column isolation). The seeds' published-vs-fixed "
                + "differences with every bug of a snippet switched at once are in `seed_snippet_effects.csv`.\n\n"
                + Markdown.table(List.of("bug", "kind", "measure", "value", "unit", "isolation", "source"), rows),
                List.of("seed_bug_effects"));
    }

    private static Section conversions(Table gqa, Table latent) {
        if (gqa == null || latent == null) {
            return new Section("(no stamp)", missing("mha_to_gqa / mha_to_latent"), List.of());
        }
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < gqa.rowCount(); r++) {
            rows.add(List.of(Markdown.num(num(gqa, "correlation", r)), Markdown.num(num(gqa, "kv_heads", r)),
                    String.format(Locale.ROOT, "%.3g", num(gqa, "relative_output_error", r)),
                    Markdown.num(num(gqa, "kv_cache_fraction", r))));
        }
        StringBuilder sb = new StringBuilder("MHA → GQA by mean-pooling key/value heads (no uptraining):\n\n");
        sb.append(Markdown.table(List.of("head correlation ρ", "G", "relative output error", "cache fraction"), rows));
        rows = new ArrayList<>();
        for (int r = 0; r < latent.rowCount(); r++) {
            rows.add(List.of(text(latent, "spectrum", r), Markdown.num(num(latent, "latent_width", r)),
                    String.format(Locale.ROOT, "%.3f", num(latent, "energy_kept", r)),
                    String.format(Locale.ROOT, "%.3g", num(latent, "relative_output_error", r)),
                    Markdown.num(num(latent, "kv_cache_fraction", r))));
        }
        sb.append("\nMHA → low-rank latent by truncated SVD of [W_K; W_V]:\n\n");
        sb.append(Markdown.table(List.of("weights", "C", "energy kept", "relative output error", "cache fraction"), rows));
        return new Section(ReportBuilder.stamp(gqa), sb.toString(), List.of("mha_to_gqa", "mha_to_latent"));
    }
}
