package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.experiment.AttentionCost;
import dev.attnref.experiment.CoreShape;
import dev.attnref.report.ClaimsLedger.Verdict;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.IntStream;

import static dev.attnref.report.Evidence.SEED_OUTPUTS;
import static dev.attnref.report.Evidence.path;

/**
 * The decision rule of every claim in the ledger, as code over the committed results.
 *
 * <p>A claim is split into parts. Each part is decided TRUE or FALSE by its rule on the committed
 * data, or is UNDECIDABLE-HERE when it is about trained quality or training ({@link #UNDECIDABLE}).
 * One rule combines the parts for every claim ({@link #combine}):
 *
 * <pre>
 *   no part decided                          → UNDECIDABLE-HERE
 *   every part decided and TRUE              → TRUE
 *   every decided part FALSE                 → FALSE
 *   otherwise (TRUE beside FALSE or undecided) → PARTLY
 * </pre>
 *
 * Thresholds: an exponent k of time ≈ a·S^k is "quadratic, not linear" when k (its lower 95% bound
 * where the CSV gives one) is ≥ 1.5, midway between 1 and 2; a saving matches a published percentage
 * within the published rounding. Every number a rule reads is recorded with its source
 * ({@link Evidence}). Checked by {@code ClaimVerdictsTest}.
 */
final class ClaimRules {
    /** Why a part cannot be decided here; the same reason for every such part. */
    static final String UNDECIDABLE = "UNDECIDABLE-HERE: about the quality of a trained model, and attnref trains none";

    /** Exponent at or above which growth counts as quadratic rather than (near-)linear. */
    static final double QUADRATIC_FROM = 1.5;

    private static final String FIT = "E03-prefill/prefill_fit";
    private static final String PREFILL = "E03-prefill/prefill_measured";
    private static final String DECODE = "E02-decode/decode_measured";
    private static final String MACHINE = "E02-decode/machine";
    private static final String KV = "E01-kv-cache/kv_per_token";
    private static final String KV_CLAIMS = "E01-kv-cache/kv_claims";
    private static final String TABLE1 = "E01-kv-cache/deepseek_v2_table1";
    private static final String SATURATION = "E06-scaling/saturation";
    private static final String RANK = "E05-numerics/mla_head_rank";
    private static final String BMM = "E07-seed-bugs/bmm_vs_matmul";
    private static final String CATALOGUE = "the model catalogue (dev.attnref.attention.ModelCatalogue)";
    private static final String MHA_H8 = "shape=MHA H8 G8 Dk128 Dv128";
    private static final String MHA_H1 = "shape=MHA H1 G1 Dk1024 Dv1024";

    /** One part of a claim: its rule and its verdict (TRUE, FALSE or UNDECIDABLE_HERE). */
    record Part(String rule, Verdict verdict) {
        static Part decided(String rule, boolean holds) {
            return new Part(rule, holds ? Verdict.TRUE : Verdict.FALSE);
        }

        static Part undecidable(String what) {
            return new Part(what, Verdict.UNDECIDABLE_HERE);
        }
    }

    /** A claim decided: the combined verdict, its parts and every figure read. */
    record Decision(Verdict verdict, List<Part> parts, List<Evidence.Figure> figures) {
        /** The rule as text: each part's rule and verdict, then the combination. */
        String rule() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                Part p = parts.get(i);
                sb.append("(").append(i + 1).append(") ").append(p.rule()).append(" → ")
                        .append(p.verdict() == Verdict.UNDECIDABLE_HERE ? UNDECIDABLE : p.verdict().label()).append(". ");
            }
            return sb.append("Combined by the ledger's one rule: ").append(verdict.label()).append(".").toString();
        }
    }

    private static final Map<String, Function<Evidence, List<Part>>> RULES = new LinkedHashMap<>();

    static {
        RULES.put("C-MLA-LINEAR", ClaimRules::mlaLinear);
        RULES.put("C-MLA-LATENTS", ClaimRules::mlaLatents);
        RULES.put("C-GQA-SIMILARITY", ClaimRules::gqaSimilarity);
        RULES.put("C-GQA-TOKENS", ClaimRules::gqaTokens);
        RULES.put("C-GQA-DEGENERATE", ClaimRules::gqaDegenerate);
        RULES.put("C-GQA-ENDPOINTS", ClaimRules::gqaEndpoints);
        RULES.put("C-MLA-RANK", ClaimRules::mlaRank);
        RULES.put("C-MFA-937", ClaimRules::mfa937);
        RULES.put("C-DSV2-933", ClaimRules::deepSeekV2Saving);
        RULES.put("C-SCALE-GRAD", ClaimRules::scaleGradient);
        RULES.put("C-BMM-FASTER", ClaimRules::bmmFaster);
        RULES.put("C-MQA-SPEED", ClaimRules::mqaSpeed);
        RULES.put("C-MQA-FLOPS", ClaimRules::mqaFlops);
        RULES.put("C-GQA-SEQ-SCALING", ClaimRules::gqaSequenceScaling);
        RULES.put("C-MHA-COST", ClaimRules::mhaCost);
        RULES.put("C-GQA-CACHE", ClaimRules::gqaCache);
        RULES.put("C-MLA-CACHE", ClaimRules::mlaCache);
        RULES.put("C-MFA-SINGLE-KV", ClaimRules::mfaSingleKv);
    }

    private ClaimRules() {
    }

    /** The ids that have a rule. */
    static Set<String> ids() {
        return RULES.keySet();
    }

    /** Decides claim {@code id} on the committed data under {@code root}. */
    static Decision decide(String id, Path root) {
        Function<Evidence, List<Part>> rule = RULES.get(id);
        if (rule == null) {
            throw new IllegalArgumentException("claim " + id + " has no decision rule in ClaimRules");
        }
        Evidence evidence = new Evidence(root);
        List<Part> parts = rule.apply(evidence);
        return new Decision(combine(parts), parts, evidence.figures());
    }

    /** The one combination rule (class comment). */
    static Verdict combine(List<Part> parts) {
        long yes = parts.stream().filter(p -> p.verdict() == Verdict.TRUE).count();
        long no = parts.stream().filter(p -> p.verdict() == Verdict.FALSE).count();
        if (yes + no == 0) {
            return Verdict.UNDECIDABLE_HERE;
        }
        if (yes == parts.size()) {
            return Verdict.TRUE;
        }
        return yes == 0 ? Verdict.FALSE : Verdict.PARTLY;
    }

    // ---- prefill exponents (E03) ----------------------------------------------------------------

    /** Column of the fit's lower 95% bound, when prefill_fit.csv has one. */
    private static final String EXPONENT_LOW = "exponent_low95";

    /** The fitted exponent, recorded as {@code name}; its lower 95% bound, if the CSV has one, is what rules compare. */
    private static double exponentBound(Evidence ev, String name, String... where) {
        double k = ev.cell(name, FIT, "exponent", where);
        return ev.hasColumn(FIT, EXPONENT_LOW) ? ev.cell(name + "_low", FIT, EXPONENT_LOW, where) : k;
    }

    private static List<Part> mlaLinear(Evidence ev) {
        double absorbed = exponentBound(ev, "k_absorbed", "variant=MLA (absorbed)");
        double naive = exponentBound(ev, "k_naive", "variant=MLA (naive)");
        ev.cell("k_gqa", FIT, "exponent", "variant=GQA");
        ev.cell("fit_from", FIT, "fit_from", "variant=MLA (absorbed)");
        ev.cell("fit_points", FIT, "points", "variant=MLA (absorbed)");
        return List.of(Part.decided("MLA's prefill time is linear or near-linear in S: FALSE if the fitted exponent k of "
                + "time ≈ a·S^k is ≥ " + QUADRATIC_FROM + " for both the absorbed and the naive MLA core",
                absorbed < QUADRATIC_FROM || naive < QUADRATIC_FROM));
    }

    private static List<Part> gqaSequenceScaling(Evidence ev) {
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

    // ---- the seeds' own runs (probes) -------------------------------------------------------------

    private static List<Part> mlaLatents(Evidence ev) {
        JsonNode latents = ev.probe("mla_latents");
        double linear = ev.derived("linear_only", latents.path("every_parameter_is_a_linear_layer").asBoolean() ? 1 : 0,
                "probes.mla_latents.every_parameter_is_a_linear_layer (1 = true)", SEED_OUTPUTS);
        JsonNode shapes = latents.path("C_kv_shape_by_seq_len");
        double rows3 = ev.derived("ckv_rows_t3", shapes.path("seq_len_3").path(1).asInt(),
                "probes.mla_latents.C_kv_shape_by_seq_len.seq_len_3[1]", SEED_OUTPUTS);
        double rows5 = ev.derived("ckv_rows_t5", shapes.path("seq_len_5").path(1).asInt(),
                "probes.mla_latents.C_kv_shape_by_seq_len.seq_len_5[1]", SEED_OUTPUTS);
        int[] seen = influence(ev, "Seed000MultiHeadLatentAttention/as_published", false);
        double ones = ev.derived("mla_influence_ones", seen[0], "ones in probes.influence.matrices"
                + "[Seed000MultiHeadLatentAttention/as_published] (no mask)", SEED_OUTPUTS);
        double cells = ev.derived("mla_influence_cells", seen[1], "cells of that matrix", SEED_OUTPUTS);
        return List.of(
                Part.decided("MLA holds a fixed set of L learned latent embeddings: FALSE if every parameter of the seed's "
                        + "MLA is an nn.Linear weight or bias and C_kv has one row per token (T rows at T = 3 and 5)",
                        !(linear == 1 && rows3 == 3 && rows5 == 5)),
                Part.decided("queries attend to the latents instead of the whole sequence: FALSE if, without a mask, "
                        + "every output of the seed's MLA depends on every token (influence matrix all ones)", ones < cells));
    }

    /** {ones, cells} of an influence matrix, over its lower triangle when {@code causal}. */
    private static int[] influence(Evidence ev, String module, boolean causal) {
        JsonNode matrix = ev.probe("influence").path("matrices").path(module);
        if (!matrix.isArray() || matrix.isEmpty()) {
            throw new IllegalArgumentException(SEED_OUTPUTS + ": probes.influence.matrices has no matrix '" + module + "'");
        }
        int ones = 0;
        int cells = 0;
        for (int t = 0; t < matrix.size(); t++) {
            for (int s = 0; s < matrix.get(t).size() && (!causal || s <= t); s++) {
                ones += matrix.get(t).get(s).asInt();
                cells++;
            }
        }
        return new int[] {ones, cells};
    }

    private static List<Part> gqaSimilarity(Evidence ev) {
        JsonNode rows = ev.probe("gqa_head_to_kv_map").path("rows");
        int byIndex = 0;
        for (JsonNode row : rows) {
            List<Integer> expected = headToKv(row.path("num_heads").asInt(), row.path("kv_heads").asInt());
            if (ints(row.path("seed000_split_head")).equals(expected) && ints(row.path("seed002_repeat_interleave")).equals(expected)) {
                byIndex++;
            }
        }
        double same = ev.derived("maps_by_index", byIndex, "rows of probes.gqa_head_to_kv_map where both seeds' maps "
                + "equal ⌊h / R⌋, R = H / G", SEED_OUTPUTS);
        double probed = ev.derived("maps_probed", rows.size(), "rows of probes.gqa_head_to_kv_map", SEED_OUTPUTS);
        return List.of(Part.decided("GQA groups queries by similarity or position of the inputs: FALSE if in every probed "
                + "(H, G) both seeds' head-to-KV map is ⌊h / R⌋, fixed by the head index whatever the input", same < probed));
    }

    /** ⌊h / R⌋ for h = 0 … H−1, R = H / G. */
    private static List<Integer> headToKv(int numHeads, int numKvHeads) {
        List<Integer> map = new ArrayList<>();
        for (int h = 0; h < numHeads; h++) {
            map.add(h / (numHeads / numKvHeads));
        }
        return map;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asInt()));
        return values;
    }

    private static List<Part> gqaTokens(Evidence ev) {
        int[] seed000 = influence(ev, "Seed000GroupQueryAttention/fixed", true);
        int[] seed002 = influence(ev, "Seed002GroupQueryAttention/fixed", true);
        double seen000 = ev.derived("causal_seen_000", seed000[0], "ones on and below the diagonal of probes.influence"
                + ".matrices[Seed000GroupQueryAttention/fixed] (causal mask)", SEED_OUTPUTS);
        double seen002 = ev.derived("causal_seen_002", seed002[0], "ones on and below the diagonal of probes.influence"
                + ".matrices[Seed002GroupQueryAttention/fixed] (causal mask)", SEED_OUTPUTS);
        double pairs = ev.derived("causal_pairs", seed000[1], "cells on and below the diagonal (T = 4)", SEED_OUTPUTS);
        return List.of(Part.decided("GQA splits the tokens into groups and attends within each (local attention): FALSE "
                + "if, with a causal mask, every output of both seeds' GQA depends on every earlier token",
                !(seen000 == pairs && seen002 == pairs)));
    }

    /** The two endpoint parts: G = 1 is MQA, G = H is MHA, read from the seeds' head-to-KV maps. */
    private static List<Part> endpoints(Evidence ev) {
        int toZero = 0;
        int identity = 0;
        for (JsonNode row : ev.probe("gqa_head_to_kv_map").path("rows")) {
            int numHeads = row.path("num_heads").asInt();
            int numKvHeads = row.path("kv_heads").asInt();
            List<Integer> seed000 = ints(row.path("seed000_split_head"));
            List<Integer> seed002 = ints(row.path("seed002_repeat_interleave"));
            if (numKvHeads == 1 && seed000.equals(seed002)) {
                toZero += (int) seed000.stream().filter(g -> g == 0).count();
            }
            if (numKvHeads == numHeads && seed000.equals(seed002)) {
                identity += (int) IntStream.range(0, numHeads).filter(h -> seed000.get(h) == h).count();
            }
        }
        double zero = ev.derived("mqa_heads_to_kv0", toZero, "query heads both seeds send to key/value head 0 in the "
                + "G = 1 row (H = 4) of probes.gqa_head_to_kv_map", SEED_OUTPUTS);
        double same = ev.derived("mha_heads_to_own", identity, "query heads h both seeds send to key/value head h in the "
                + "G = H row (H = 4) of probes.gqa_head_to_kv_map", SEED_OUTPUTS);
        return List.of(
                Part.decided("G = 1 is MQA: TRUE if with G = 1 both seeds send all 4 query heads to key/value head 0",
                        zero == 4),
                Part.decided("G = H is MHA: TRUE if with G = H both seeds send each of the 4 query heads h to its own "
                        + "key/value head h", same == 4));
    }

    private static List<Part> gqaDegenerate(Evidence ev) {
        return endpoints(ev);
    }

    private static List<Part> gqaEndpoints(Evidence ev) {
        List<Part> parts = new ArrayList<>(endpoints(ev));
        double llama2 = ev.cell("per_layer_g32", KV, "values_per_token_per_layer", "model=Llama-2-7B", "precision=bf16");
        double llama3 = ev.cell("per_layer_g8", KV, "values_per_token_per_layer", "model=Llama-3-8B", "precision=bf16");
        parts.add(Part.decided("G sets the efficiency: TRUE if the cache per token per layer is 2·G·D, i.e. G = 32 "
                + "(Llama-2-7B) caches 4× what G = 8 (Llama-3-8B) caches at the same H = 32 and D = 128", llama2 == 4 * llama3));
        parts.add(Part.undecidable("G trades that efficiency against quality"));
        return parts;
    }

    // ---- MLA rank, KV-cache figures (E05, E01) ---------------------------------------------------

    private static List<Part> mlaRank(Evidence ev) {
        int atBound = 0;
        List<Integer> rows = ev.rows(RANK);
        for (int r : rows) {
            if (ev.number(RANK, "max_rank_over_heads", r) == ev.number(RANK, "bound_min_dnope_qin_c", r)) {
                atBound++;
            }
        }
        double bound = ev.derived("rows_at_bound", atBound, "rows where max_rank_over_heads = bound_min_dnope_qin_c",
                path(RANK));
        double all = ev.derived("rows_measured", rows.size(), "rows", path(RANK));
        for (int c : new int[] {4, 8, 16, 96}) {
            ev.cell("rank_d8_c" + c, RANK, "max_rank_over_heads", "nope_dim=8", "latent_width=" + c);
        }
        ev.cell("rank_d32_c96", RANK, "max_rank_over_heads", "nope_dim=32", "latent_width=96");
        return List.of(
                Part.decided("per head, the position-free logit c_qᵀ (W_UQ,iᵀ W_UK,i) c_kv has rank min(D_nope, C_q, C), "
                        + "so a latent C wider than D_nope adds no rank to any one head: TRUE if the measured rank equals "
                        + "that bound in every row of mla_head_rank.csv", bound == all),
                Part.undecidable("so a larger intermediate dimension does not raise the model's performance ceiling"));
    }

    private static List<Part> mfa937(Evidence ev) {
        double saving = ev.cell("saving_eighth", KV_CLAIMS, "saving_percent", "claim=mfa-kr-vs-mha-at-eighth-width");
        ev.cell("kr_values_eighth", KV_CLAIMS, "reduced_values", "claim=mfa-kr-vs-mha-at-eighth-width");
        ev.cell("mha_values_eighth", KV_CLAIMS, "baseline_values", "claim=mfa-kr-vs-mha-at-eighth-width");
        ev.cell("saving_step3_kr", KV_CLAIMS, "saving_percent", "claim=step3-mfa-kr-vs-mha-same-width");
        ev.cell("saving_step3_mfa", KV_CLAIMS, "saving_percent", "claim=step3-mfa-vs-mha-same-width");
        return List.of(
                Part.decided("\"up to 93.7%\" is MFA-KR's cache against MHA's: TRUE if MFA-KR caching C = M/8 values per "
                        + "token per layer against an MHA caching 2·M saves 93.7% within 0.1 point",
                        Math.abs(saving - 93.7) < 0.1),
                Part.undecidable("with performance comparable to or better than MHA"));
    }

    private static List<Part> deepSeekV2Saving(Evidence ev) {
        double bytes = ev.cell("saving_bytes", KV_CLAIMS, "saving_percent", "claim=deepseek-v2-vs-67b-bytes");
        double elements = ev.cell("saving_elements", KV_CLAIMS, "saving_percent", "claim=deepseek-v2-vs-67b-elements");
        ev.cell("v2_values", KV_CLAIMS, "reduced_values", "claim=deepseek-v2-vs-67b-elements");
        ev.cell("dsk67b_values", KV_CLAIMS, "baseline_values", "claim=deepseek-v2-vs-67b-elements");
        return List.of(
                Part.decided("93.3% as a saving in bytes (V2's ~6-bit quantised cache against 67B's 16-bit one): TRUE if "
                        + "that saving is 93.3% within 0.05 point", Math.abs(bytes - 93.3) < 0.05),
                Part.decided("93.3% as what the architecture saves (values cached per token): TRUE if the element-count "
                        + "saving is at least 93.25%", elements >= 93.25));
    }

    private static List<Part> gqaCache(Evidence ev) {
        double llama2 = ev.cell("bytes_llama2_7b", KV, "bytes_per_token", "model=Llama-2-7B", "precision=bf16");
        double llama3 = ev.cell("bytes_llama3_8b", KV, "bytes_per_token", "model=Llama-3-8B", "precision=bf16");
        ev.cell("bytes_llama2_70b", KV, "bytes_per_token", "model=Llama-2-70B", "precision=bf16");
        double[] fast = decodeTimes(ev, fastEngine(ev), "fast");
        return List.of(
                Part.decided("fewer key/value heads shrink the cache: TRUE if it is 2·G·D per token per layer, i.e. "
                        + "Llama-2-7B (G = 32) caches 4× Llama-3-8B (G = 8), same H, D and L", llama2 == 4 * llama3),
                Part.decided("and so speed up decoding: TRUE if the fast kernels' GQA step (G = 8 of 32) at the longest "
                        + "cache measured is faster than their MHA step", fast[1] < fast[0]));
    }

    private static List<Part> mlaCache(Evidence ev) {
        double absorbed = ev.cell("v3_absorbed", KV, "values_per_token_per_layer", "model=DeepSeek-V3",
                "form=MLA (absorbed)", "precision=bf16");
        ev.cell("v3_naive", KV, "values_per_token_per_layer", "model=DeepSeek-V3", "form=MLA (naive)", "precision=bf16");
        ev.cell("v2_absorbed_bytes", KV, "bytes_per_token", "model=DeepSeek-V2", "form=MLA (absorbed)", "precision=bf16");
        ev.cell("v2_naive_bytes", KV, "bytes_per_token", "model=DeepSeek-V2", "form=MLA (naive)", "precision=bf16");
        double mha = ev.derived("mha_per_layer", ev.number(TABLE1, "values_per_token", ev.rows(TABLE1, "mechanism=MHA").get(0))
                / 60, "values_per_token (mechanism = MHA: 2·n_h·d_h·l, n_h = d_h = 128) / l, l = 60", path(TABLE1));
        return List.of(Part.decided("MLA compresses the cached keys and values: TRUE if DeepSeek-V3's absorbed MLA caches "
                + "fewer values per token per layer than an MHA with its 128 heads of 128", absorbed < mha));
    }

    private static List<Part> mfaSingleKv(Evidence ev) {
        MfaShape step3 = (MfaShape) ModelCatalogue.STEP_3.attention();
        double c = ev.derived("step3_c", step3.headDim(), "Step-3's head_dim C", CATALOGUE);
        double perLayer = ev.cell("step3_per_layer", KV, "values_per_token_per_layer", "model=Step-3", "precision=bf16");
        double perToken = ev.cell("step3_per_token", KV, "values_per_token", "model=Step-3", "precision=bf16");
        ev.cell("step3_kr_per_token", KV, "values_per_token", "model=Step-3 with key reuse (hypothetical)", "precision=bf16");
        double v3 = ev.cell("v3_per_token", KV, "values_per_token", "model=DeepSeek-V3", "form=MLA (absorbed)",
                "precision=bf16");
        return List.of(Part.decided("one key/value head keeps the cache minimal whatever the query heads: TRUE if Step-3 "
                + "(64 query heads) caches 2·C values per token per layer, one key and one value, and less per token than "
                + "DeepSeek-V3's MLA", perLayer == 2 * c && perToken < v3));
    }

    // ---- scaling (E06) ----------------------------------------------------------------------------

    private static List<Part> scaleGradient(Evidence ev) {
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

    private static List<Part> bmmFaster(Evidence ev) {
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

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    // ---- decode (E02) and cost -------------------------------------------------------------------

    /** The engine of the project's fast float32 Vector API kernels, as named in decode_measured.csv. */
    private static String fastEngine(Evidence ev) {
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
    private static double[] decodeTimes(Evidence ev, String engine, String key) {
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

    private static List<Part> mqaSpeed(Evidence ev) {
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

    private static List<Part> mqaFlops(Evidence ev) {
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

    private static List<Part> mhaCost(Evidence ev) {
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
}
