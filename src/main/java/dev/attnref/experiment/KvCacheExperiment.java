package dev.attnref.experiment;

import dev.attnref.attention.GqaShape;
import dev.attnref.attention.KvCacheClaim;
import dev.attnref.attention.KvCacheClaims;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * E01 — KV cache: values and bytes cached per token for every catalogue model and variant at bf16,
 * fp8 and 6-bit; how many tokens (batch × context) fit in each device's memory beside the model's
 * weights; and the published KV-cache figures rebuilt from the configurations (DeepSeek-V2 Table 1
 * and Appendix D.2, the 93.3% vs 82.2% reading, MFA's 93.7%, Step-3 vs DeepSeek-V3).
 *
 * <pre>
 *   bytes per token          = Σ_layers values per token per layer · bytes per value
 *   tensor-parallel degree t = the smallest of 1, 2, 4, 8 at which each device's share of the bf16
 *                              weights, W·2 / t, is below its memory (none: the model does not fit)
 *   cache per device         = bytes per token / min(t, ways the cache splits)   (K/V heads; an MLA or
 *                              MFA latent is one head, replicated on every device)
 *   tokens that fit          = ⌊(memory − W·2 / t) / cache per device⌋   (activations not subtracted)
 *   batch at context N       = ⌊tokens that fit / N⌋
 * </pre>
 *
 * Device memory is the datasheet's decimal GB, shown in GiB. Derived from {@link ModelCatalogue},
 * {@link #totalParameters} and {@link HardwareCatalogue}; nothing is timed. Checked by
 * {@code KvCacheExperimentTest}.
 */
public final class KvCacheExperiment implements Experiment {

    /** Largest tensor-parallel degree considered. */
    public static final int MAX_TENSOR_PARALLEL = 8;

    /**
     * One cached form of one model.
     *
     * @param cacheSplit how many ways tensor parallelism can split its cache: the key/value heads (G), the
     *                   heads of a naive MLA cache (H), 1 for an MLA or MFA latent
     */
    public record Entry(String model, String form, int layers, long valuesPerTokenPerLayer, int cacheSplit) {
        public long valuesPerToken() {
            return valuesPerTokenPerLayer * layers;
        }

        public double bytesPerToken(KvPrecision precision) {
            return valuesPerToken() * precision.bytes();
        }

        /** Cache bytes per token on each of t devices: K/V heads split over them, a latent replicated on each. */
        public double bytesPerTokenPerDevice(double bytesPerToken, int tensorParallel) {
            return bytesPerToken / Math.min(tensorParallel, cacheSplit);
        }

        /** bf16 weight bytes, W·2, from the model's published total parameters. */
        public double weightBytes() {
            return totalParameters(model.replace(" with key reuse (hypothetical)", "")) * 2;
        }
    }

    /**
     * How a form's cache fits on a device beside its weights.
     *
     * @param tensorParallel t, or 0 when the weights do not fit on {@value #MAX_TENSOR_PARALLEL} devices
     * @param freeBytes      memory per device left by its share of the weights
     * @param cacheBytes     cache bytes per token on each device
     * @param tokens         tokens (batch × context) whose cache fits in the t devices; 0 when t = 0
     */
    public record Fit(int tensorParallel, double freeBytes, double cacheBytes, long tokens) {
    }

    /** The fit of one form on one device at one cache precision (class comment); {@code maxParallel} 1 for a CPU. */
    public static Fit fit(Entry e, Hardware hw, KvPrecision precision, int maxParallel) {
        for (int t = 1; t <= maxParallel; t *= 2) {
            double free = hw.capacity() - e.weightBytes() / t;
            if (free > 0) {
                double perDevice = e.bytesPerTokenPerDevice(e.bytesPerToken(precision), t);
                return new Fit(t, free, perDevice, (long) Math.floor(free / perDevice));
            }
        }
        return new Fit(0, 0, e.bytesPerToken(precision), 0);
    }

    /**
     * Published total parameters (all experts, embeddings included), which bf16 weights take 2 bytes each of.
     * Llama-2: arXiv:2307.09288 Table 1 and the meta-llama/Llama-2-{7b,70b}-hf safetensors index (6.74B, 69.0B);
     * Llama-3-8B: meta-llama/Meta-Llama-3-8B (8.03B); Mistral-7B: mistralai/Mistral-7B-v0.1 (7.24B); Falcon-7B:
     * tiiuae/falcon-7b (6.92B); DeepSeek-67B: arXiv:2401.02954 Table 2 (67B); DeepSeek-V2 236B and V2-Lite 15.7B:
     * arXiv:2405.04434 §1 and Appendix B; the two ablation MHA models 15.8B and 250.8B: its Table 9; DeepSeek-V3
     * 671B: arXiv:2412.19437 abstract; Step-3 321B: StepFun's Step-3 report.
     */
    public static double totalParameters(String model) {
        return switch (model) {
            case "Llama-2-7B" -> 6.74e9;
            case "Llama-2-70B" -> 68.98e9;
            case "Llama-3-8B" -> 8.03e9;
            case "Mistral-7B" -> 7.24e9;
            case "Falcon-7B" -> 6.92e9;
            case "DeepSeek-67B" -> 67e9;
            case "DeepSeek-V2" -> 236e9;
            case "DeepSeek-V2-Lite" -> 15.7e9;
            case "DeepSeek-V3" -> 671e9;
            case "Step-3" -> 321e9;
            case "DeepSeek-V2 ablation: small MoE, MHA" -> 15.8e9;
            case "DeepSeek-V2 ablation: large MoE, MHA" -> 250.8e9;
            default -> throw new IllegalArgumentException("no published parameter count for model (" + model
                    + ") in KvCacheExperiment.totalParameters");
        };
    }

    /**
     * Bytes per token per layer of FlashMLA's "FP8 with scale" cache row: the C latent values in fp8, one fp32
     * scale per 128 of them, and the P RoPE values left in bf16 — 512 + 4·4 + 64·2 = 656 bytes for C = 512,
     * P = 64 (deepseek-ai/FlashMLA README.md at 9241ae3e, "FP8 KV Cache").
     */
    public static long flashMlaFp8BytesPerTokenPerLayer(MlaShape mla) {
        return mla.kvLoraRank() + 4L * ((mla.kvLoraRank() + 127) / 128) + 2L * mla.qkRopeHeadDim();
    }

    /** Bytes per GiB. */
    public static final double GIB = 1024.0 * 1024 * 1024;

    @Override
    public String id() {
        return "E01";
    }

    @Override
    public String folder() {
        return "E01-kv-cache";
    }

    @Override
    public String title() {
        return "KV cache per token and capacity per device, every variant";
    }

    /**
     * Every catalogue model in the form a decoder runs, plus the naive form of each MLA model
     * (every head's key and value cached) and Step-3 with key reuse (MFA-KR, hypothetical: no
     * published model uses it).
     */
    public static List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (ModelConfig model : ModelCatalogue.all()) {
            String form = model.variant().label() + (model.attention() instanceof MlaShape ? " (absorbed)" : "");
            int split = model.attention() instanceof GqaShape g ? g.numKvHeads() : 1;
            entries.add(new Entry(model.name(), form, model.numLayers(), model.attention().kvValuesPerTokenPerLayer(), split));
            if (model.attention() instanceof MlaShape mla) {
                entries.add(new Entry(model.name(), "MLA (naive)", model.numLayers(), mla.naiveKvValuesPerTokenPerLayer(),
                        mla.numHeads()));
            }
            if (model.attention() instanceof MfaShape mfa && !mfa.keyReuse()) {
                MfaShape kr = new MfaShape(mfa.modelWidth(), mfa.numHeads(), mfa.queryRank(), mfa.headDim(), true);
                entries.add(new Entry(model.name() + " with key reuse (hypothetical)", "MFA-KR", model.numLayers(),
                        kr.kvValuesPerTokenPerLayer(), 1));
            }
        }
        return entries;
    }

    /** DeepSeek-V2 Table 1 rebuilt with V2's n_h = 128, d_h = 128, l = 60 (GQA with n_g = 8), d_c = 512, d_R = 64. */
    public static Results table1() {
        int nh = 128;
        int dh = 128;
        int layers = 60;
        int ng = 8;
        int dc = 512;
        int dr = 64;
        Results t = Results.of("deepseek_v2_table1", "mechanism:s", "formula:s", "values_per_token:l", "in_units_of_dh_l:d");
        t.add("MHA", "2·n_h·d_h·l", 2L * nh * dh * layers, 2.0 * nh);
        t.add("GQA (n_g = 8)", "2·n_g·d_h·l", 2L * ng * dh * layers, 2.0 * ng);
        t.add("MQA", "2·d_h·l", 2L * dh * layers, 2.0);
        t.add("MLA", "(d_c + d_R)·l", (long) (dc + dr) * layers, (double) (dc + dr) / dh);
        return t;
    }

    /**
     * The published KV-cache figures, recomputed; then Step-3 against DeepSeek-V3, and Step-3's MFA and
     * MFA-KR (hypothetical) against an MHA of the same width (H·D = M = 7,168, 56 heads of 128): MFA's
     * "93.7%" comes from C = M/8, and Step-3's C = 256 is M/28.
     */
    public static Results claims() {
        Results t = Results.of("kv_claims", "claim:s", "published:s", "reduced:s", "reduced_values:l", "reduced_bits:i",
                "baseline:s", "baseline_values:l", "baseline_bits:i", "fraction:d", "saving_percent:d");
        List<KvCacheClaim> claims = new ArrayList<>(KvCacheClaims.all());
        claims.add(new KvCacheClaim("step3-vs-deepseek-v3", "Step-3 caches less per token than DeepSeek-V3",
                "docs/MATH.md checks: V3 35,136; Step-3 31,232 elements per token", ModelCatalogue.STEP_3.name(),
                ModelCatalogue.DEEPSEEK_V3.name(), ModelCatalogue.STEP_3.kvValuesPerToken(), 16,
                ModelCatalogue.DEEPSEEK_V3.kvValuesPerToken(), 16));
        MfaShape step3 = (MfaShape) ModelCatalogue.STEP_3.attention();
        ModelConfig keyReuse = new ModelConfig("Step-3 with key reuse (hypothetical)", ModelCatalogue.STEP_3.numLayers(),
                new MfaShape(step3.modelWidth(), step3.numHeads(), step3.queryRank(), step3.headDim(), true),
                "Step-3's shape with MFA-KR's key reuse; no published model");
        ModelConfig sameWidthMha = new ModelConfig("MHA, H·D = M = 7,168", ModelCatalogue.STEP_3.numLayers(),
                GqaShape.of(step3.modelWidth(), step3.modelWidth() / 128, step3.modelWidth() / 128, 128),
                "an MHA of Step-3's width and depth with heads of 128; no published model");
        claims.add(new KvCacheClaim("step3-mfa-vs-mha-same-width", "(MFA against MHA; the abstract's \"up to 56%\" names no baseline, arXiv:2412.19255)",
                "Step-3's MFA against an MHA of the same M and L", ModelCatalogue.STEP_3.name(), sameWidthMha.name(),
                ModelCatalogue.STEP_3.kvValuesPerToken(), 16, sameWidthMha.kvValuesPerToken(), 16));
        claims.add(new KvCacheClaim("step3-mfa-kr-vs-mha-same-width", "(MFA-KR's \"up to 93.7%\", arXiv:2412.19255)",
                "Step-3 with key reuse against an MHA of the same M and L", keyReuse.name(), sameWidthMha.name(),
                keyReuse.kvValuesPerToken(), 16, sameWidthMha.kvValuesPerToken(), 16));
        for (KvCacheClaim c : claims) {
            t.add(c.id(), c.published(), c.reduced(), c.reducedValues(), c.reducedBits(), c.baseline(), c.baselineValues(),
                    c.baselineBits(), c.fraction(), 100 * c.saving());
        }
        return t;
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        List<KvPrecision> precisions = new ArrayList<>();
        for (String label : spec.texts("precisions")) {
            precisions.add(precision(label));
        }
        List<Integer> contexts = spec.integers("contexts");
        List<Hardware> devices = new ArrayList<>(HardwareCatalogue.accelerators());
        double ram = CpuProbe.memoryBytes();
        devices.add(new Hardware("this machine (RAM)", 1, 1, 1, ram, true, "total memory reported by the OS"));

        Results perToken = Results.of("kv_per_token", "model:s", "form:s", "layers:i", "values_per_token_per_layer:l",
                "values_per_token:l", "precision:s", "bytes_per_token:d");
        List<String> capacityColumns = new ArrayList<>(List.of("model:s", "form:s", "precision:s", "device:s",
                "device_gib:d", "tensor_parallel:i", "weights_gib_per_device:d", "free_gib_per_device:d",
                "cache_bytes_per_token_per_device:d", "tokens_that_fit:l"));
        for (int n : contexts) {
            capacityColumns.add("batch_at_" + n + ":l");
        }
        Results capacity = Results.of("capacity", capacityColumns.toArray(String[]::new));
        for (Entry e : entries()) {
            for (KvPrecision p : precisions) {
                double bytes = e.bytesPerToken(p);
                perToken.add(e.model(), e.form(), e.layers(), e.valuesPerTokenPerLayer(), e.valuesPerToken(), p.label(), bytes);
                for (Hardware hw : devices) {
                    Fit fit = fit(e, hw, p, maxParallel(hw));
                    List<Object> row = new ArrayList<>(List.of(e.model(), e.form(), p.label(), hw.name(), hw.capacity() / GIB,
                            fit.tensorParallel(), fit.tensorParallel() == 0 ? Double.NaN : e.weightBytes() / fit.tensorParallel() / GIB,
                            fit.freeBytes() / GIB, fit.cacheBytes(), fit.tokens()));
                    for (int n : contexts) {
                        row.add(fit.tokens() / n);
                    }
                    capacity.add(row.toArray());
                }
            }
        }
        context.write(perToken, "kv_per_token");
        context.write(capacity, "capacity");
        context.write(table1(), "deepseek_v2_table1");
        context.write(claims(), "kv_claims");
        context.log("%d model forms × %d precisions × %d devices", entries().size(), precisions.size(), devices.size());

        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        KvCacheCharts.draw(charts);
    }

    /** Tensor parallelism spans up to 8 accelerators; this machine's RAM (the one measured device) is one. */
    public static int maxParallel(Hardware hw) {
        return hw.measured() ? 1 : MAX_TENSOR_PARALLEL;
    }

    static KvPrecision precision(String label) {
        for (KvPrecision p : KvPrecision.values()) {
            if (p.label().equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision (" + label + ") must be one of bf16, fp8, 6-bit");
    }
}
