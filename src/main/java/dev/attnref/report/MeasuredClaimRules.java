package dev.attnref.report;

import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.experiment.AttentionCost;
import dev.attnref.experiment.CoreShape;
import dev.attnref.experiment.KvPrecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import static dev.attnref.report.Evidence.path;

import static dev.attnref.report.ClaimRules.*;

/**
 * The decision rules of the claims decided by measured results: prefill exponents (E03), softmax
 * saturation (E06), bmm against matmul (E07) and the decode step with its cost (E02). Registered,
 * combined and documented with the others in {@link ClaimRules}; they read their figures through the
 * same {@link Evidence}. Checked by {@code ClaimVerdictsTest}.
 */
final class MeasuredClaimRules {
    private MeasuredClaimRules() {
    }

    // ---- prefill exponents (E03) ----------------------------------------------------------------

    /** Column of the fit's lower 95% bound, when prefill_fit.csv has one. */
    private static final String EXPONENT_LOW = "exponent_low95";

    /** The fitted exponent, recorded as {@code name}; its lower 95% bound, if the CSV has one, is what rules compare. */
    private static double exponentBound(Evidence ev, String name, String... where) {
        double k = ev.cell(name, FIT, "exponent", where);
        return ev.hasColumn(FIT, EXPONENT_LOW) ? ev.cell(name + "_low", FIT, EXPONENT_LOW, where) : k;
    }

    static List<Part> mlaLinear(Evidence ev) {
        double absorbed = exponentBound(ev, "k_absorbed", "variant=MLA (absorbed)");
        double naive = exponentBound(ev, "k_naive", "variant=MLA (naive)");
        ev.cell("k_gqa", FIT, "exponent", "variant=GQA");
        ev.cell("fit_from", FIT, "fit_from", "variant=MLA (absorbed)");
        ev.cell("fit_points", FIT, "points", "variant=MLA (absorbed)");
        return List.of(Part.decided("MLA's prefill time is linear or near-linear in S: FALSE if the fitted exponent k of "
                + "time ≈ a·S^k is ≥ " + QUADRATIC_FROM + " for both the absorbed and the naive MLA core",
                absorbed < QUADRATIC_FROM || naive < QUADRATIC_FROM));
    }

    static List<Part> gqaSequenceScaling(Evidence ev) {
        double gqa = exponentBound(ev, "k_gqa", "variant=GQA");
        ev.cell("k_mha", FIT, "exponent", "variant=MHA", MHA_H8);
        double llama2 = ev.cell("bytes_llama2_7b", KV, "bytes_per_token", "model=Llama-2-7B", "precision=bf16");
        double llama3 = ev.cell("bytes_llama3_8b", KV, "bytes_per_token", "model=Llama-3-8B", "precision=bf16");
        return List.of(
                Part.decided("GQA's compute scales better than quadratically with the sequence: FALSE if its fitted "
                        + "prefill exponent is ≥ " + QUADRATIC_FROM, gqa < QUADRATIC_FROM),
                Part.decided("its KV cache grows more slowly per token: TRUE if Llama-3-8B (G = 8) caches fewer bytes per "
                        + "token than Llama-2-7B (G = 32; same H, D and L)", llama3 < llama2));
    }

    // ---- scaling (E06) ----------------------------------------------------------------------------

    static List<Part> scaleGradient(Evidence ev) {
        Map<Integer, double[]> byDim = new TreeMap<>();   // D → {max weight, ‖J‖} unscaled, then scaled
        for (int r : ev.rows(SATURATION)) {
            double[] v = byDim.computeIfAbsent((int) ev.number(SATURATION, "head_dim", r), d -> new double[4]);
            int at = ev.text(SATURATION, "scaled", r).equals("none") ? 0 : 2;
            v[at] = ev.number(SATURATION, "mean_max_weight", r);
            v[at + 1] = ev.number(SATURATION, "mean_jacobian_frobenius", r);
        }
        int smallest = byDim.keySet().stream().min(Integer::compare).orElseThrow();
        int largest = byDim.keySet().stream().max(Integer::compare).orElseThrow();
        double saturated = ev.cell("max_weight_unscaled_dmax", SATURATION, "mean_max_weight", "head_dim=" + largest, "scaled=none");
        ev.cell("max_weight_unscaled_dmin", SATURATION, "mean_max_weight", "head_dim=" + smallest, "scaled=none");
        ev.cell("entropy_unscaled_dmax", SATURATION, "mean_entropy_nats", "head_dim=" + largest, "scaled=none");
        ev.cell("d_min", SATURATION, "head_dim", "head_dim=" + smallest, "scaled=none");
        ev.cell("d_max", SATURATION, "head_dim", "head_dim=" + largest, "scaled=none");
        double scaledMax = ev.derived("max_weight_scaled_max", byDim.values().stream().mapToDouble(v -> v[2]).max().orElseThrow(),
                "largest mean_max_weight over D, scaled = 1/sqrt(D)", path(SATURATION));
        boolean vanishing = true;
        for (Map.Entry<Integer, double[]> e : byDim.entrySet()) {
            vanishing &= e.getKey() > 512 || e.getValue()[1] < e.getValue()[3];
        }
        ev.derived("jacobian_unscaled_min_to_512", byDim.entrySet().stream().filter(e -> e.getKey() <= 512)
                .mapToDouble(e -> e.getValue()[1]).min().orElseThrow(), "smallest unscaled ‖J‖_F over D ≤ 512", path(SATURATION));
        ev.derived("jacobian_unscaled_max", byDim.values().stream().mapToDouble(v -> v[1]).max().orElseThrow(),
                "largest unscaled ‖J‖_F over D", path(SATURATION));
        ev.derived("jacobian_scaled_max", byDim.values().stream().mapToDouble(v -> v[3]).max().orElseThrow(),
                "largest scaled ‖J‖_F over D", path(SATURATION));
        ev.cell("jacobian_unscaled_dmax", SATURATION, "mean_jacobian_frobenius", "head_dim=" + largest, "scaled=none");
        ev.derived("crossover_d", crossover(byDim), "D where the unscaled ‖J‖_F falls below the scaled one "
                + "(log–log interpolation between the two head widths around it)", path(SATURATION));
        double share = ev.derived("scale_share_d64", 100.0 / (2 * 64), "one multiplication per logit over the 2·D FLOPs "
                + "of its dot product, in percent, at D = 64 (Falcon-7B's head width)", CATALOGUE);
        return List.of(
                Part.decided("without 1/√D the softmax saturates as D grows: TRUE if the unscaled mean max weight exceeds "
                        + "0.9 at the largest D while the scaled one stays below 0.05 at every D",
                        saturated > 0.9 && scaledMax < 0.05),
                Part.decided("the scale mitigates vanishing gradients at the head widths models use: TRUE if the unscaled "
                        + "softmax Jacobian norm is below the scaled one at every D ≤ 512", vanishing),
                Part.decided("scaling costs notably more computation: TRUE if its one multiplication per logit exceeds 1% "
                        + "of the logit's dot product at D = 64", share > 1));
    }

    /** The head width at which the unscaled ‖J‖ first drops below the scaled one, interpolated on log D. */
    private static double crossover(Map<Integer, double[]> byDim) {
        List<Map.Entry<Integer, double[]>> rows = new ArrayList<>(byDim.entrySet());
        for (int i = 1; i < rows.size(); i++) {
            double before = rows.get(i - 1).getValue()[1] - rows.get(i - 1).getValue()[3];
            double after = rows.get(i).getValue()[1] - rows.get(i).getValue()[3];
            if (before > 0 && after <= 0) {
                double f = before / (before - after);
                return Math.exp(Math.log(rows.get(i - 1).getKey()) + f * Math.log((double) rows.get(i).getKey() / rows.get(i - 1).getKey()));
            }
        }
        return Double.NaN;
    }

    // ---- bmm (E07) ----------------------------------------------------------------------------------

    static List<Part> bmmFaster(Evidence ev) {
        Map<String, List<Double>> byLayout = new TreeMap<>();
        Map<Integer, List<Double>> byBatch = new TreeMap<>();
        for (int r : ev.rows(BMM, "function=bmm")) {
            double speedup = ev.number(BMM, "speedup_vs_matmul", r);
            byLayout.computeIfAbsent(ev.text(BMM, "layout", r), k -> new ArrayList<>()).add(speedup);
            byBatch.computeIfAbsent((int) ev.number(BMM, "B", r), k -> new ArrayList<>()).add(speedup);
        }
        String formula = "median of speedup_vs_matmul (matmul time / bmm time) over the bmm rows";
        double view = ev.derived("median_view", median(byLayout.get("split_heads_view")), formula
                + " with layout = split_heads_view", path(BMM));
        double contiguous = ev.derived("median_contiguous", median(byLayout.get("contiguous")), formula
                + " with layout = contiguous", path(BMM));
        List<Double> all = byLayout.values().stream().flatMap(List::stream).sorted().toList();
        ev.derived("speedup_min", all.get(0), "smallest speedup_vs_matmul of the bmm rows", path(BMM));
        ev.derived("speedup_max", all.get(all.size() - 1), "largest speedup_vs_matmul of the bmm rows", path(BMM));
        int smallest = byBatch.keySet().stream().min(Integer::compare).orElseThrow();
        int largest = byBatch.keySet().stream().max(Integer::compare).orElseThrow();
        double atSmall = ev.derived("median_b_min", median(byBatch.get(smallest)), formula + " with B = " + smallest, path(BMM));
        double atLarge = ev.derived("median_b_max", median(byBatch.get(largest)), formula + " with B = " + largest, path(BMM));
        return List.of(
                Part.decided("torch.bmm is usually faster than torch.matmul on batched input: TRUE if the median speedup "
                        + "exceeds 1.05 in either layout", view > 1.05 || contiguous > 1.05),
                Part.decided("the gain grows with the batch: TRUE if the median speedup at the largest B exceeds the one "
                        + "at the smallest B by more than 0.05", atLarge - atSmall > 0.05));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    // ---- decode (E02) and cost -------------------------------------------------------------------

    /** The engine of the project's fast float32 Vector API kernels, as named in decode_measured.csv. */
    static String fastEngine(Evidence ev) {
        return engines(ev).entrySet().stream().filter(e -> e.getValue().equals("fast")).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(path(DECODE) + " has no engine 'fast float32 …' (the "
                        + "Vector API kernels of dev.attnref.fast)"));
    }

    /** Every engine of decode_measured.csv, with the short key its figures use. */
    private static Map<String, String> engines(Evidence ev) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (int r : ev.rows(DECODE)) {
            String engine = ev.text(DECODE, "engine", r);
            keys.putIfAbsent(engine, engine.contains("scalar") ? "scalar" : engine.startsWith("fast") ? "fast"
                    : engine.contains("64") ? "f64" : "vector");
        }
        return keys;
    }

    /** The longest cache an engine's MHA row reaches in decode_measured.csv. */
    private static int longestCache(Evidence ev, String engine) {
        return ev.rows(DECODE, "variant=MHA", "engine=" + engine).stream()
                .map(r -> (int) ev.number(DECODE, "cache_length", r)).max(Comparator.naturalOrder()).orElseThrow();
    }

    /** Step times {MHA, GQA, MQA} of one engine at its longest cache; recorded as ms_*_key. */
    static double[] decodeTimes(Evidence ev, String engine, String key) {
        int longest = longestCache(ev, engine);
        double[] ms = new double[3];
        String[] variants = {"MHA", "GQA", "MQA"};
        for (int i = 0; i < 3; i++) {
            ms[i] = ev.cell("ms_" + variants[i].toLowerCase() + "_" + key, DECODE, "median_ms", "variant=" + variants[i],
                    "engine=" + engine, "cache_length=" + longest);
        }
        for (int i = 1; i < 3; i++) {
            ev.derived("x_" + variants[i].toLowerCase() + "_" + key, ms[0] / ms[i], "median_ms (MHA) / median_ms ("
                    + variants[i] + "), engine " + engine + ", S = " + longest, path(DECODE));
        }
        if (key.equals("fast")) {
            ev.cell("s_longest", DECODE, "cache_length", "variant=MHA", "engine=" + engine, "cache_length=" + longest);
        }
        return ms;
    }

    static List<Part> mqaSpeed(Evidence ev) {
        boolean faster = true;
        for (Map.Entry<String, String> e : engines(ev).entrySet()) {
            double[] ms = decodeTimes(ev, e.getKey(), e.getValue());
            faster &= ms[0] > ms[1] && ms[1] > ms[2];
        }
        String fast = fastEngine(ev);
        int longest = longestCache(ev, fast);
        double read = ev.cell("read_gb_per_s", MACHINE, "read_gb_per_s");
        double fma = ev.cell("fma_f32_gflops", MACHINE, "fma_f32_gflops");
        for (String v : new String[] {"MHA", "GQA", "MQA"}) {
            double gb = ev.cell("gbs_" + v.toLowerCase(), DECODE, "gb_per_s", "variant=" + v, "engine=" + fast,
                    "cache_length=" + longest);
            ev.derived("read_share_" + v.toLowerCase(), 100 * gb / read, "gb_per_s (" + v + ", fast, longest S) / "
                    + "read_gb_per_s × 100", path(DECODE) + " and " + path(MACHINE));
        }
        double gflops = ev.cell("gflops_mqa", DECODE, "gflop_per_s", "variant=MQA", "engine=" + fast, "cache_length=" + longest);
        ev.derived("fma_share_mqa", 100 * gflops / fma, "gflop_per_s (MQA, fast, longest S) / fma_f32_gflops × 100",
                path(DECODE) + " and " + path(MACHINE));
        return List.of(
                Part.decided("decoding is faster when fewer key/value heads are stored and read: TRUE if in every engine, "
                        + "at its longest cache, the step time falls from MHA (G = 32) to GQA (G = 8) to MQA (G = 1)", faster),
                Part.undecidable("GQA loses little quality"));
    }

    static List<Part> mqaFlops(Evidence ev) {
        GqaShape mha = (GqaShape) ModelCatalogue.LLAMA_2_7B.attention();
        GqaShape mqa = GqaShape.of(mha.modelWidth(), mha.numHeads(), 1, mha.headDim());
        String shapes = CATALOGUE + ", Llama-2-7B: M = 4,096, H = 32, D = 128; MQA with G = 1";
        double weightsMha = ev.derived("weights_mha", AttentionCost.matrixWeights(mha), "multiply-adds of the Q, K, V, O "
                + "projections per token per layer, 4·M² (MHA)", shapes);
        double weightsMqa = ev.derived("weights_mqa", AttentionCost.matrixWeights(mqa), "2·M² + 2·M·D (MQA)", shapes);
        double pairMha = ev.derived("pair_flops_mha", CoreShape.of(mha, CoreShape.MlaForm.ABSORBED).flopsPerPair(),
                "core FLOPs per (query, key) pair, 2·H·(D + Dv) (MHA)", shapes);
        double pairMqa = ev.derived("pair_flops_mqa", CoreShape.of(mqa, CoreShape.MlaForm.ABSORBED).flopsPerPair(),
                "2·H·(D + Dv) (MQA)", shapes);
        ev.derived("weight_saving", 100 * (1 - weightsMqa / weightsMha), "1 − weights_mqa / weights_mha, in percent", shapes);
        ev.derived("crossover_mqa", 2 * weightsMqa / pairMqa, "context S at which the core's S·2·H·(D + Dv) FLOPs per new "
                + "token equal MQA's 2·W projection FLOPs", shapes);
        ev.derived("crossover_mha", 2 * weightsMha / pairMha, "the same for MHA", shapes);
        ev.derived("total_saving_32k", 100 * (1 - (2 * weightsMqa + 32768 * pairMqa) / (2 * weightsMha + 32768 * pairMha)),
                "1 − (MQA's projection + core FLOPs) / MHA's, per new token at S = 32,768, in percent", shapes);
        int longest = ev.rows(PREFILL, "variant=MHA", MHA_H8).stream().map(r -> (int) ev.number(PREFILL, "length", r))
                .max(Comparator.naturalOrder()).orElseThrow();
        double coreMha = ev.cell("core_flops_mha", PREFILL, "flops", "variant=MHA", MHA_H8, "length=" + longest);
        double coreMqa = ev.cell("core_flops_mqa", PREFILL, "flops", "variant=MQA", "length=" + longest);
        ev.cell("prefill_length", PREFILL, "length", "variant=MQA", "length=" + longest);
        return List.of(
                Part.decided("sharing keys and values cuts the projection work: TRUE if MQA's projection multiply-adds per "
                        + "token per layer are at most 75% of MHA's (Llama-2-7B shapes)", weightsMqa <= 0.75 * weightsMha),
                Part.decided("and the attention itself: TRUE if MQA's core FLOPs per (query, key) pair, and the core FLOPs "
                        + "E03 counted for its causal prefill, are below MHA's", pairMqa < pairMha && coreMqa < coreMha));
    }

    static List<Part> mhaCost(Evidence ev) {
        int longest = ev.rows(PREFILL, "variant=MHA", MHA_H1).stream().map(r -> (int) ev.number(PREFILL, "length", r))
                .max(Comparator.naturalOrder()).orElseThrow();
        double many = ev.cell("flops_h8", PREFILL, "flops", "variant=MHA", MHA_H8, "length=" + longest);
        double one = ev.cell("flops_h1", PREFILL, "flops", "variant=MHA", MHA_H1, "length=" + longest);
        ev.cell("ms_h8", PREFILL, "median_ms", "variant=MHA", MHA_H8, "length=" + longest);
        ev.cell("ms_h1", PREFILL, "median_ms", "variant=MHA", MHA_H1, "length=" + longest);
        ev.cell("length_h1", PREFILL, "length", "variant=MHA", MHA_H1, "length=" + longest);
        double scores = ev.derived("score_ratio", heads(MHA_H8) / heads(MHA_H1), "H·T·S scores of the shape "
                + MHA_H8.substring(6) + " over those of " + MHA_H1.substring(6), path(PREFILL));
        return List.of(
                Part.decided("separate per-head projections increase computation: TRUE if E03's counted FLOPs of 8 heads of "
                        + "128 exceed those of one head of 1,024 at the same S by more than 1%", many > 1.01 * one),
                Part.decided("and memory: TRUE if the score tensor, which the seeds' code materialises, grows with H at equal "
                        + "M (the KV cache, 2·H·D = 2·M values per token, does not)", scores > 1),
                Part.undecidable("but markedly improves model quality"));
    }

    /** H of a shape condition such as {@code shape=MHA H8 G8 Dk128 Dv128}. */
    private static double heads(String shape) {
        return Double.parseDouble(shape.replaceAll(".* H(\\d+) .*", "$1"));
    }

    /** The context at which the MLA-against-MHA figures of {@link #mlaCompute} are compared per new token. */
    private static final int LONG_CONTEXT = 32_768;

    static List<Part> mlaCompute(Evidence ev) {
        MlaShape v3 = (MlaShape) ModelCatalogue.DEEPSEEK_V3.attention();
        GqaShape mha = GqaShape.of(v3.modelWidth(), v3.numHeads(), v3.numHeads(), v3.vHeadDim());
        String shapes = CATALOGUE + ", DeepSeek-V3: M = 7,168, H = 128, C_q = 1,536, C = 512, P = 64; the MHA has its "
                + "128 heads of D = 128";
        double weightsMla = ev.derived("weights_mla", AttentionCost.matrixWeights(v3), "weights MLA applies per token per "
                + "layer (AttentionCost.matrixWeights)", shapes);
        double weightsMha = ev.derived("weights_mha", AttentionCost.matrixWeights(mha), "4·M·H·D (MHA)", shapes);
        double absorbed = ev.cell("core_absorbed", INTENSITY, "core_flops_per_cached_token", "form=DeepSeek-V3 MLA (absorbed)");
        double naive = ev.cell("core_naive", INTENSITY, "core_flops_per_cached_token", "form=DeepSeek-V3 MLA (naive)");
        double coreMha = ev.derived("core_mha", CoreShape.of(mha, CoreShape.MlaForm.ABSORBED).flopsPerPair(),
                "2·H·(D + Dv) core FLOPs per cached token (MHA)", shapes);
        ev.derived("absorbed_over_naive", absorbed / naive, "core_absorbed / core_naive", path(INTENSITY));
        ev.derived("crossover_s", 2 * (weightsMha - weightsMla) / (absorbed - coreMha), "context S at which absorbed "
                + "MLA's 2·W + S·core FLOPs per new token reach the MHA's", shapes + " and " + path(INTENSITY));
        double mlaLong = ev.derived("flops_mla_long", AttentionCost.decode(v3, CoreShape.MlaForm.ABSORBED, 1, LONG_CONTEXT,
                KvPrecision.BF16).flops(), "FLOPs of one decode step at S = 32,768, absorbed MLA (AttentionCost.decode)", shapes);
        double mhaLong = ev.derived("flops_mha_long", AttentionCost.decode(mha, CoreShape.MlaForm.ABSORBED, 1, LONG_CONTEXT,
                KvPrecision.BF16).flops(), "the same for the MHA", shapes);
        return List.of(
                Part.decided("MLA's projections cost less than MHA's: TRUE if DeepSeek-V3's MLA applies fewer weights per "
                        + "token per layer than an MHA with the same 128 heads of 128", weightsMla < weightsMha),
                Part.decided("and its attention over the cache: TRUE if absorbed MLA's core FLOPs per cached token "
                        + "(intensity.csv) are below that MHA's 2·H·(D + Dv)", absorbed < coreMha),
                Part.decided("so a new token costs less at long context: TRUE if one decode step at S = 32,768 costs "
                        + "absorbed MLA fewer FLOPs than that MHA", mlaLong < mhaLong),
                Part.undecidable("MLA helps the model understand text better"));
    }

    static List<Part> mhaParameters(Evidence ev) {
        int longest = ev.rows(PREFILL, "variant=MHA", MHA_H1).stream().map(r -> (int) ev.number(PREFILL, "length", r))
                .max(Comparator.naturalOrder()).orElseThrow();
        double flopsMany = ev.cell("flops_h8", PREFILL, "flops", "variant=MHA", MHA_H8, "length=" + longest);
        double flopsOne = ev.cell("flops_h1", PREFILL, "flops", "variant=MHA", MHA_H1, "length=" + longest);
        ev.cell("length_h1", PREFILL, "length", "variant=MHA", MHA_H1, "length=" + longest);
        double weightsMany = ev.derived("weights_h8", projectionWeights(MHA_H8), "4·M·H·D, M = H·D, of the shape "
                + MHA_H8.substring(6), path(PREFILL));
        double weightsOne = ev.derived("weights_h1", projectionWeights(MHA_H1), "4·M·H·D, M = H·D, of the shape "
                + MHA_H1.substring(6), path(PREFILL));
        return List.of(
                Part.decided("MHA needs more parameters: TRUE if 8 heads of 128 project with more weights than one head "
                        + "of 1,024 (4·M·H·D each, M = H·D = 1,024: the shapes E03 timed)", weightsMany > weightsOne),
                Part.decided("and has a higher computational complexity: TRUE if E03 counted more than 1% more FLOPs for "
                        + "8 heads of 128 than for one head of 1,024 at the same S", flopsMany > 1.01 * flopsOne),
                Part.undecidable("it attends to different aspects of the input and raises the model's expressiveness"));
    }

    /** 4·M·H·D of the Q, K, V and O projections of a shape condition such as {@code shape=MHA H8 G8 Dk128 Dv128}, M = H·D. */
    private static double projectionWeights(String shape) {
        double width = heads(shape) * Double.parseDouble(shape.replaceAll(".* Dk(\\d+) .*", "$1"));
        return 4 * width * width;
    }
}
