package dev.attnref.report;

import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import dev.attnref.experiment.Charts;
import dev.attnref.experiment.HardwareCatalogue;
import dev.attnref.experiment.KvCacheExperiment;
import dev.attnref.experiment.KvPrecision;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Deployment memory: the KV cache of one sequence per GPU against its context length, 4K to 128K, for every
 * published catalogue model in the form it runs, beside its weights per GPU — at the cache precisions models
 * are deployed with: bf16, fp8, DeepSeek-V2's 6-bit average ({@code deepseek-v2} §3.2.3) and, for MLA, FlashMLA's
 * 656-byte "FP8 with scale" row per token and layer.
 *
 * <pre>
 *   t                      = the smallest of 1, 2, 4, 8 whose share of the bf16 weights fits an H100 SXM (80 GB),
 *                            E01's rule ({@link KvCacheExperiment#fit}); 8 where none does
 *   cache GiB per GPU at N = bytes per token · N / min(t, ways the cache splits) / 2³⁰
 *   weights GiB per GPU    = published parameters · bytes per weight / t / 2³⁰
 * </pre>
 *
 * Everything comes from {@link KvCacheExperiment} (entries, parameters, the split) and {@link ModelCatalogue}.
 * Checked by {@code DeploymentMemoryTest}.
 */
final class DeploymentMemory {
    /** FlashMLA's "FP8 with scale" cache, as the precision column names it. */
    static final String FLASHMLA = "FlashMLA fp8 (656 B/layer)";

    /** Context lengths, one per octave. */
    static final List<Integer> CONTEXTS = List.of(4096, 8192, 16384, 32768, 65536, 131072);

    private DeploymentMemory() {
    }

    /** One model's cache at one precision on each of its t GPUs. */
    record Row(KvCacheExperiment.Entry entry, int tensorParallel, String precision, double bytesPerToken) {
        double cacheGib(int context) {
            return entry.bytesPerTokenPerDevice(bytesPerToken, tensorParallel) * context / KvCacheExperiment.GIB;
        }

        double weightGib(double bytesPerWeight) {
            return entry.weightBytes() / 2 * bytesPerWeight / tensorParallel / KvCacheExperiment.GIB;
        }
    }

    /** The published models (not the ablation twins), each in the form a decoder runs, at every precision. */
    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (ModelConfig model : ModelCatalogue.all()) {
            if (ModelCatalogue.kvCountOnly(model)) {
                continue;
            }
            KvCacheExperiment.Entry e = KvCacheExperiment.entries().stream()
                    .filter(x -> x.model().equals(model.name())).findFirst().orElseThrow();
            int fit = KvCacheExperiment.fit(e, HardwareCatalogue.H100_SXM, KvPrecision.BF16,
                    KvCacheExperiment.MAX_TENSOR_PARALLEL).tensorParallel();
            int t = fit == 0 ? KvCacheExperiment.MAX_TENSOR_PARALLEL : fit;
            for (KvPrecision p : KvPrecision.values()) {
                rows.add(new Row(e, t, p.label(), e.bytesPerToken(p)));
            }
            if (model.attention() instanceof MlaShape mla) {
                rows.add(new Row(e, t, FLASHMLA,
                        (double) KvCacheExperiment.flashMlaFp8BytesPerTokenPerLayer(mla) * e.layers()));
            }
        }
        return rows;
    }

    /** The derived section: how the table is made, then the table. */
    static String section() {
        List<String> headers = new ArrayList<>(List.of("model", "form", "t", "weights / GPU, bf16 · fp8",
                "KV precision", "KV bytes / token"));
        CONTEXTS.forEach(n -> headers.add("KV / GPU at " + OctaveAxes.tokens(n)));
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows()) {
            List<String> row = new ArrayList<>(List.of(r.entry().model(), r.entry().form(), Integer.toString(r.tensorParallel()),
                    String.format(Locale.ROOT, "%.1f · %.1f GiB", r.weightGib(2), r.weightGib(1)), r.precision(),
                    Markdown.bytes(r.bytesPerToken())));
            CONTEXTS.forEach(n -> row.add(gib(r.cacheGib(n))));
            table.add(row);
        }
        double h100 = HardwareCatalogue.H100_SXM.capacity() / KvCacheExperiment.GIB;
        return String.format(Locale.ROOT, "KV cache of **one sequence**, per GPU, against its context length, beside the "
                + "model's weights per GPU. t = tensor-parallel degree: the smallest of 1, 2, 4, 8 whose share of the bf16 "
                + "weights fits an H100 SXM (%.1f GiB; E01's rule), 8 where none does (DeepSeek-V3 and Step-3: Step-3 "
                + "fits 8 GPUs with fp8 weights, DeepSeek-V3 not even then). K/V heads split over the t GPUs; an MLA or "
                + "MFA latent is replicated on each, so t does not shrink it. Precisions: bf16; fp8 (scales not counted); "
                + "6-bit, DeepSeek-V2's deployed average %s; for MLA, FlashMLA's fp8 row of 656 bytes per token and layer "
                + "(512 fp8 latent values, 4 fp32 scales, 64 bf16 RoPE values; %s). Weights from the published parameter "
                + "counts (E01, `KvCacheExperiment.totalParameters`) at bf16 and fp8 (DeepSeek-V2 is served with fp8 "
                + "weights, %s). Batch B multiplies every cache column; activations are not counted. GiB = 2³⁰ bytes. The "
                + "charts add the bf16 weights per GPU to the cache of one sequence, against the H100's memory: where a "
                + "line crosses it, even one sequence no longer fits at that t (Llama-2-70B and DeepSeek-67B nearly "
                + "coincide: 8 K/V heads each and similar weights). The latent panel draws each model at one precision: "
                + "DeepSeek-V2 at its 6-bit cache, DeepSeek-V3 at FlashMLA's fp8 row, the others at bf16.\n\n",
                h100, References.cite("deepseek-v2", "§3.2.3"), References.cite("flashmla", "\"FP8 KV Cache\""),
                References.cite("deepseek-v2", "§3.2.3"))
                + Markdown.table(headers, table);
    }

    private static String gib(double g) {
        return g >= 10 ? String.format(Locale.ROOT, "%.1f GiB", g) : String.format(Locale.ROOT, "%.2f GiB", g);
    }

    /**
     * The cache precision each chart draws a model at: DeepSeek-V2's 6-bit average (deepseek-v2 §3.2.3), FlashMLA's
     * fp8 row for DeepSeek-V3 (the model FlashMLA serves), bf16 for the rest.
     */
    private static final Map<String, String> CHART_PRECISION = Map.of("DeepSeek-V2", KvPrecision.BITS6.label(),
            "DeepSeek-V3", FLASHMLA);

    /**
     * Two panels of memory per GPU for one sequence, bf16 weights plus its KV cache, against context: the MHA / GQA /
     * MQA models, and the MLA / MFA models; a dashed line at an H100's memory.
     */
    static void charts(Path dir) {
        XYChart gqa = chart("Memory per GPU, one sequence: MHA / GQA / MQA models (bf16 weights + bf16 cache)");
        XYChart latent = chart("Memory per GPU, one sequence: MLA / MFA models (bf16 weights + cache as labelled)");
        double[] x = OctaveAxes.log2(CONTEXTS.stream().mapToDouble(Integer::doubleValue).toArray());
        for (Row r : rows()) {
            String model = r.entry().model();
            if (!r.precision().equals(CHART_PRECISION.getOrDefault(model, KvPrecision.BF16.label()))) {
                continue;
            }
            boolean isLatent = !(ModelCatalogue.byName(model).attention() instanceof GqaShape);
            double[] gib = CONTEXTS.stream().mapToDouble(n -> r.weightGib(2) + r.cacheGib(n)).toArray();
            Charts.series(isLatent ? latent : gqa, model + " (t = " + r.tensorParallel() + ")"
                    + (isLatent ? ", " + r.precision() + " cache" : ""), x, OctaveAxes.log2(gib));
        }
        double h100 = HardwareCatalogue.H100_SXM.capacity() / KvCacheExperiment.GIB;
        for (XYChart c : List.of(gqa, latent)) {
            Charts.modelled(c, String.format(Locale.ROOT, "H100 SXM memory (%.1f GiB)", h100), new double[] {x[0],
                x[x.length - 1]}, OctaveAxes.log2(new double[] {h100, h100}));
            OctaveAxes.x(c, 12, 17, OctaveAxes::tokens);
            OctaveAxes.distinctColours(c);
        }
        OctaveAxes.y(gqa, 3, 7, OctaveAxes::power);
        OctaveAxes.y(latent, 4, 8, OctaveAxes::power);
        Charts.save(gqa, dir, "deployment_kv_gqa");
        Charts.save(latent, dir, "deployment_kv_latent");
    }

    private static XYChart chart(String title) {
        return Charts.lines(title, "context length of the one sequence (tokens, log scale)",
                "weights + KV cache per GPU (GiB, log scale)", false, false);
    }
}
