package dev.attnref.experiment;

import dev.attnref.attention.KvCacheClaim;
import dev.attnref.attention.KvCacheClaims;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import org.knowm.xchart.CategoryChart;

import java.util.ArrayList;
import java.util.List;

/**
 * E01 — KV cache: values and bytes cached per token for every catalogue model and variant at bf16,
 * fp8 and 6-bit; how many tokens (batch × context) fit in each device's memory; and the published
 * KV-cache figures rebuilt from the configurations (DeepSeek-V2 Table 1 and Appendix D.2, the 93.3%
 * vs 82.2% reading, MFA's 93.7%, Step-3 vs DeepSeek-V3).
 *
 * <pre>
 *   bytes per token      = Σ_layers values per token per layer · bytes per value
 *   tokens that fit      = ⌊capacity / bytes per token⌋          (whole device memory: an upper bound,
 *                                                                  weights and activations not subtracted)
 *   batch at context N   = ⌊tokens that fit / N⌋
 * </pre>
 *
 * Derived from {@link ModelCatalogue} and {@link HardwareCatalogue}; nothing is timed. Checked by
 * {@code KvCacheExperimentTest}.
 */
public final class KvCacheExperiment implements Experiment {

    /** One cached form of one model. */
    public record Entry(String model, String form, int layers, long valuesPerTokenPerLayer) {
        public long valuesPerToken() {
            return valuesPerTokenPerLayer * layers;
        }

        /** Short chart label: model and form, the ablation names abbreviated. */
        public String label() {
            return model.replace("DeepSeek-V2 ablation: ", "V2 ablation ").replace(" MoE, MHA", "") + " · " + form;
        }

        public double bytesPerToken(KvPrecision precision) {
            return valuesPerToken() * precision.bytes();
        }
    }

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
            entries.add(new Entry(model.name(), form, model.numLayers(), model.attention().kvValuesPerTokenPerLayer()));
            if (model.attention() instanceof MlaShape mla) {
                entries.add(new Entry(model.name(), "MLA (naive)", model.numLayers(), mla.naiveKvValuesPerTokenPerLayer()));
            }
            if (model.attention() instanceof MfaShape mfa && !mfa.keyReuse()) {
                MfaShape kr = new MfaShape(mfa.modelWidth(), mfa.numHeads(), mfa.queryRank(), mfa.headDim(), true);
                entries.add(new Entry(model.name() + " with key reuse", "MFA-KR", model.numLayers(),
                        kr.kvValuesPerTokenPerLayer()));
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

    /** The published KV-cache figures, recomputed. */
    public static Results claims() {
        Results t = Results.of("kv_claims", "claim:s", "published:s", "reduced:s", "reduced_values:l", "reduced_bits:i",
                "baseline:s", "baseline_values:l", "baseline_bits:i", "fraction:d", "saving_percent:d");
        List<KvCacheClaim> claims = new ArrayList<>(KvCacheClaims.all());
        claims.add(new KvCacheClaim("step3-vs-deepseek-v3", "Step-3 caches less per token than DeepSeek-V3",
                "docs/MATH.md checks: V3 35,136; Step-3 31,232 elements per token", ModelCatalogue.STEP_3.name(),
                ModelCatalogue.DEEPSEEK_V3.name(), ModelCatalogue.STEP_3.kvValuesPerToken(), 16,
                ModelCatalogue.DEEPSEEK_V3.kvValuesPerToken(), 16));
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
                "capacity_bytes:d", "bytes_per_token:d", "tokens_that_fit:l"));
        for (int n : contexts) {
            capacityColumns.add("batch_at_" + n + ":l");
        }
        Results capacity = Results.of("capacity", capacityColumns.toArray(String[]::new));
        for (Entry e : entries()) {
            for (KvPrecision p : precisions) {
                double bytes = e.bytesPerToken(p);
                perToken.add(e.model(), e.form(), e.layers(), e.valuesPerTokenPerLayer(), e.valuesPerToken(), p.label(), bytes);
                for (Hardware hw : devices) {
                    long fit = (long) Math.floor(hw.capacity() / bytes);
                    List<Object> row = new ArrayList<>(List.of(e.model(), e.form(), p.label(), hw.name(), hw.capacity(),
                            bytes, fit));
                    for (int n : contexts) {
                        row.add(fit / n);
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

        CategoryChart bytes = Charts.bars("KV cache per token, all layers", "model (form)", "bytes per token (log)", true);
        List<String> names = new ArrayList<>();
        for (Entry e : entries()) {
            names.add(e.label());
        }
        for (KvPrecision p : precisions) {
            bytes.addSeries(p.label(), names, entries().stream().map(e -> (Number) e.bytesPerToken(p)).toList());
        }
        context.chart(bytes, "kv_bytes_per_token");

        CategoryChart fit = Charts.bars("Tokens (batch × context) whose bf16 KV cache fits in device memory",
                "model (form)", "tokens (log)", true);
        for (Hardware hw : devices) {
            fit.addSeries(hw.name(), names, entries().stream()
                    .map(e -> (Number) Math.floor(hw.capacity() / e.bytesPerToken(KvPrecision.BF16))).toList());
        }
        context.chart(fit, "tokens_that_fit_bf16");
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
