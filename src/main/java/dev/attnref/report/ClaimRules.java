package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import dev.attnref.experiment.AttentionCost;
import dev.attnref.report.ClaimsLedger.Verdict;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    static final String FIT = "E03-prefill/prefill_fit";
    static final String PREFILL = "E03-prefill/prefill_measured";
    static final String DECODE = "E02-decode/decode_measured";
    static final String MACHINE = "E02-decode/machine";
    static final String KV = "E01-kv-cache/kv_per_token";
    static final String KV_CLAIMS = "E01-kv-cache/kv_claims";
    static final String TABLE1 = "E01-kv-cache/deepseek_v2_table1";
    static final String SATURATION = "E06-scaling/saturation";
    static final String RANK = "E05-numerics/mla_head_rank";
    static final String BMM = "E07-seed-bugs/bmm_vs_matmul";
    static final String INTENSITY = "E02-decode/intensity";
    static final String CATALOGUE = "the model catalogue (dev.attnref.attention.ModelCatalogue)";
    static final String MHA_H8 = "shape=MHA H8 G8 Dk128 Dv128";
    static final String MHA_H1 = "shape=MHA H1 G1 Dk1024 Dv1024";

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
        RULES.put("C-MLA-LINEAR", MeasuredClaimRules::mlaLinear);
        RULES.put("C-MLA-LATENTS", ClaimRules::mlaLatents);
        RULES.put("C-GQA-SIMILARITY", ClaimRules::gqaSimilarity);
        RULES.put("C-GQA-TOKENS", ClaimRules::gqaTokens);
        RULES.put("C-GQA-DEGENERATE", ClaimRules::gqaDegenerate);
        RULES.put("C-GQA-ENDPOINTS", ClaimRules::gqaEndpoints);
        RULES.put("C-MLA-RANK", ClaimRules::mlaRank);
        RULES.put("C-MFA-937", ClaimRules::mfa937);
        RULES.put("C-DSV2-933", ClaimRules::deepSeekV2Saving);
        RULES.put("C-SCALE-GRAD", MeasuredClaimRules::scaleGradient);
        RULES.put("C-BMM-FASTER", MeasuredClaimRules::bmmFaster);
        RULES.put("C-MQA-SPEED", MeasuredClaimRules::mqaSpeed);
        RULES.put("C-MQA-FLOPS", MeasuredClaimRules::mqaFlops);
        RULES.put("C-GQA-SEQ-SCALING", MeasuredClaimRules::gqaSequenceScaling);
        RULES.put("C-MHA-COST", MeasuredClaimRules::mhaCost);
        RULES.put("C-GQA-CACHE", ClaimRules::gqaCache);
        RULES.put("C-MLA-CACHE", ClaimRules::mlaCache);
        RULES.put("C-MFA-SINGLE-KV", ClaimRules::mfaSingleKv);
        RULES.put("C-GQA-MODELS", ClaimRules::gqaModels);
        RULES.put("C-MLA-COMPUTE", MeasuredClaimRules::mlaCompute);
        RULES.put("C-MFA-DESIGN", ClaimRules::mfaDesign);
        RULES.put("C-MFA-ACCOUNT", ClaimRules::mfaAccount);
        RULES.put("C-MHA-PARAMS", MeasuredClaimRules::mhaParameters);
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
        double[] fast = MeasuredClaimRules.decodeTimes(ev, MeasuredClaimRules.fastEngine(ev), "fast");
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

    // ---- which models use which variant, and MFA's design (E01, E02, the catalogue) ---------------

    /**
     * Whether a catalogue model shares key/value heads: its cached values per token per layer (recorded as
     * {@code v_<key>}) below the 2·H·D an MHA with its heads caches ({@code mha_<key>}).
     */
    private static boolean sharesKeyValueHeads(Evidence ev, ModelConfig model, String key) {
        GqaShape shape = (GqaShape) model.attention();
        double cached = ev.cell("v_" + key, KV, "values_per_token_per_layer", "model=" + model.name(), "precision=bf16");
        double mha = ev.derived("mha_" + key, 2.0 * shape.numHeads() * shape.headDim(), "2·H·D of " + model.name()
                + " (H = " + shape.numHeads() + ", D = " + shape.headDim() + ")", CATALOGUE);
        return cached < mha;
    }

    private static List<Part> gqaModels(Evidence ev) {
        return List.of(
                Part.decided("Llama-2 uses GQA, as a family: FALSE if Llama-2-7B caches the 2·H·D values per token per "
                        + "layer of MHA (G = H)", sharesKeyValueHeads(ev, ModelCatalogue.LLAMA_2_7B, "llama2_7b")),
                Part.decided("Llama-2-70B uses GQA: TRUE if it caches fewer than 2·H·D values per token per layer (G < H)",
                        sharesKeyValueHeads(ev, ModelCatalogue.LLAMA_2_70B, "llama2_70b")),
                Part.decided("Llama from Llama 3 on uses GQA: TRUE if Llama-3-8B caches fewer than 2·H·D",
                        sharesKeyValueHeads(ev, ModelCatalogue.LLAMA_3_8B, "llama3_8b")),
                Part.decided("Mistral uses GQA: TRUE if Mistral-7B caches fewer than 2·H·D",
                        sharesKeyValueHeads(ev, ModelCatalogue.MISTRAL_7B, "mistral_7b")));
    }

    private static List<Part> mfaDesign(Evidence ev) {
        MfaShape step3 = (MfaShape) ModelCatalogue.STEP_3.attention();
        double width = ev.derived("step3_m", step3.modelWidth(), "Step-3's model width M", CATALOGUE);
        double heads = ev.derived("step3_hc", (double) step3.numHeads() * step3.headDim(), "H·C: Step-3's 64 query "
                + "heads times their width C = 256", CATALOGUE);
        double weights = ev.derived("step3_weights", AttentionCost.matrixWeights(step3), "Step-3's attention weights "
                + "per layer, M·C_q + C_q·H·C + 2·M·C + H·C·M (C_q = 2,048)", CATALOGUE);
        double mha = ev.derived("mha_weights", 4.0 * width * width, "4·M², the weights of an MHA of the same width "
                + "(H·D = M)", CATALOGUE);
        ev.derived("query_full", width * heads, "M·H·C, Step-3's query projection without the factorisation", CATALOGUE);
        ev.derived("query_factorised", width * step3.queryRank() + (double) step3.queryRank() * heads, "M·C_q + C_q·H·C, "
                + "its factorised query projection", CATALOGUE);
        ev.cell("step3_per_layer", KV, "values_per_token_per_layer", "model=Step-3", "precision=bf16");
        return List.of(
                Part.decided("MFA has more and wider heads than MHA: TRUE if Step-3's H·C exceeds its width M (an MHA "
                        + "has H·D = M)", heads > width),
                Part.decided("its low-rank factorisation keeps the parameters efficient: TRUE if Step-3's attention "
                        + "weights per layer are fewer than the 4·M² of an MHA of the same width", weights < mha),
                Part.undecidable("which greatly increases the attention module's capacity"));
    }

    private static List<Part> mfaAccount(Evidence ev) {
        MfaShape step3 = (MfaShape) ModelCatalogue.STEP_3.attention();
        double c = ev.derived("step3_c", step3.headDim(), "Step-3's head_dim C", CATALOGUE);
        double perLayer = ev.cell("step3_per_layer", KV, "values_per_token_per_layer", "model=Step-3", "precision=bf16");
        ev.cell("step3_per_token", KV, "values_per_token", "model=Step-3", "precision=bf16");
        double saving = ev.cell("saving_step3_mfa", KV_CLAIMS, "saving_percent", "claim=step3-mfa-vs-mha-same-width");
        double mfa = ev.cell("core_step3", INTENSITY, "core_flops_per_cached_token", "form=Step-3 MFA");
        double wider = ev.cell("core_llama2_70b", INTENSITY, "core_flops_per_cached_token", "form=Llama-2-70B GQA");
        return List.of(
                Part.decided("MFA cuts a language model's inference memory: TRUE if Step-3's MFA caches over 90% less than "
                        + "an MHA of the same width and depth", saving > 90),
                Part.decided("and its computation: TRUE if Step-3's core FLOPs per cached token are below those of "
                        + "Llama-2-70B, whose width M = 8,192 exceeds Step-3's 7,168 (core FLOPs do not depend on G)",
                        mfa < wider),
                Part.decided("it models long sequences of user behaviour or input features, compressed by matrices "
                        + "optimised offline and pre-stored for online inference: FALSE if in Step-3, the language model "
                        + "that uses it, MFA caches 2·C values for every token, computed from that token at inference",
                        perLayer != 2 * c),
                Part.undecidable("without losing information, at performance comparable to MHA"));
    }
}
