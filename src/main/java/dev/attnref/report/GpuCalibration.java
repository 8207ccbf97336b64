package dev.attnref.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.attention.AttentionShape;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import dev.attnref.experiment.AttentionCost;
import dev.attnref.experiment.CoreShape;
import dev.attnref.experiment.Hardware;
import dev.attnref.experiment.HardwareCatalogue;
import dev.attnref.mirror.CatalogueJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Calibration of attnref's roofline against published GPU measurements of attention kernels ({@value #RESOURCE}):
 * FlashMLA's H800 bandwidth and FLOP/s, FlashAttention's and FlashAttention-2's throughput, and Step-3's time per
 * attention layer. Each published figure is set beside what the roofline predicts for the same configuration on
 * the same device's peaks, as predicted / published, with the reason for the gap.
 *
 * <pre>
 *   mla-decode    core only (FlashMLA's own count): FLOPs = B·s_q·S·2·H·(Dk + Dv),
 *                 bytes = (B·S·(C + P) + B·s_q·H·(Dk + Dv))·2              ({@link CoreShape#mlaAbsorbed})
 *   prefill-core  core only, one pass: FLOPs = pairs·2·H·(D + D), bytes = 4·B·T·H·D·2   ({@link CoreShape#gqa})
 *   layer         one attention layer per GPU, projections included ({@link AttentionCost}): fp8 weights (1 byte),
 *                 bf16 cache and activations; projection FLOPs at the GEMM peak, core FLOPs at the BF16 peak
 *   time          = max(compute time, bytes / bandwidth); a rate = the work / that time
 * </pre>
 *
 * Checked by {@code GpuCalibrationTest}.
 */
final class GpuCalibration {
    /** Classpath location of the published figures. */
    static final String RESOURCE = "/dev/attnref/report/gpu-published.json";

    /** A device's peaks: dense BF16 matmul, the GEMM precision the source used, and memory bandwidth. */
    record Device(String name, double bf16Flops, double gemmFlops, double bandwidth, String source) {
    }

    /** One published figure and what predicts it. */
    record Published(String id, String kernel, Device device, String kind, String metric, double published,
                     JsonNode config, String configNote, String source, String gap) {
    }

    /** A prediction: the rate or time the roofline gives, and whether memory bounds it. */
    record Prediction(double value, boolean memoryBound) {
    }

    private GpuCalibration() {
    }

    /** The file: its {@code rows} array checked by {@link CatalogueJson#entries}, the whole object kept. */
    private static final JsonNode ROOT = parse();

    private static JsonNode parse() {
        String json = CatalogueJson.readResource(GpuCalibration.class, RESOURCE);
        CatalogueJson.entries(json, RESOURCE, "rows");
        try {
            return new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(RESOURCE + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Every published figure, in the file's order. */
    static List<Published> published() {
        Map<String, Device> devices = new LinkedHashMap<>();
        for (JsonNode d : ROOT.get("devices")) {
            Device device = device(d);
            devices.put(device.name(), device);
        }
        List<Published> rows = new ArrayList<>();
        JsonNode array = ROOT.get("rows");
        for (int i = 0; i < array.size(); i++) {
            JsonNode r = array.get(i);
            String where = CatalogueJson.where("row", i, r);
            String deviceName = CatalogueJson.text(r, "device", where);
            Device device = devices.get(deviceName);
            if (device == null) {
                throw new IllegalArgumentException(RESOURCE + ", " + where + ": device (" + deviceName + ") is not one of "
                        + devices.keySet());
            }
            rows.add(new Published(CatalogueJson.text(r, "id", where), CatalogueJson.text(r, "kernel", where), device,
                    CatalogueJson.text(r, "kind", where), CatalogueJson.text(r, "metric", where), r.get("published").asDouble(),
                    r.get("config"), CatalogueJson.text(r, "config_note", where), CatalogueJson.text(r, "source", where),
                    CatalogueJson.text(r, "gap", where)));
        }
        return rows;
    }

    /** A device from its row: its own peaks, or a {@link HardwareCatalogue} accelerator's. */
    private static Device device(JsonNode d) {
        String name = CatalogueJson.text(d, "name", "device");
        String source = CatalogueJson.text(d, "source", "device " + name);
        if (d.has("catalogue")) {
            Hardware hw = HardwareCatalogue.accelerators().stream()
                    .filter(h -> h.name().equals(d.get("catalogue").asText())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(RESOURCE + ": device " + name + " names catalogue entry ("
                            + d.get("catalogue").asText() + "), which HardwareCatalogue does not have"));
            return new Device(name, hw.matrixFlops(), hw.matrixFlops(), hw.bandwidth(), source);
        }
        return new Device(name, d.get("bf16_flops").asDouble(), d.get("gemm_flops").asDouble(), d.get("bandwidth").asDouble(),
                source);
    }

    /** What the roofline predicts for a published figure, in the figure's metric. */
    static Prediction predict(Published p) {
        return switch (p.kind()) {
            case "mla-decode" -> {
                // FlashMLA's count: FLOPs = B·s_q·S·2·H·(Dk + Dv); bytes = (B·S·(C + P) + B·s_q·H·(Dk + Dv))·2
                CoreShape core = CoreShape.mlaAbsorbed((int) num(p, "heads"), (int) num(p, "latent"), (int) num(p, "rope"));
                double b = num(p, "batch");
                double queries = b * num(p, "queries");
                double s = num(p, "cache_length");
                double flops = queries * s * core.flopsPerPair();
                double bytes = (b * s * core.cacheValuesPerToken()
                        + queries * core.numHeads() * (core.keyWidth() + core.valueWidth())) * 2;
                yield rate(p, flops, flops / p.device().bf16Flops(), bytes);
            }
            case "prefill-core" -> {
                // one forward pass: FLOPs = pairs·2·H·(D + D) (flashattention-2 §4.1: 4·T²·D·H); q, k, v, o in bf16
                int heads = (int) num(p, "heads");
                int headDim = (int) num(p, "head_dim");
                CoreShape core = CoreShape.gqa(heads, heads, headDim);
                double b = num(p, "batch");
                double t = num(p, "length");
                double pairs = num(p, "causal") != 0 ? b * t * (t + 1) / 2 : b * t * t;
                double flops = pairs * core.flopsPerPair();
                yield rate(p, flops, flops / p.device().bf16Flops(), 4 * b * t * heads * headDim * 2);
            }
            case "layer" -> layer(p);
            default -> throw new IllegalArgumentException(RESOURCE + ", row " + p.id() + ": kind (" + p.kind()
                    + ") must be mla-decode, prefill-core or layer");
        };
    }

    /** A number of the row's configuration (a boolean as 0 or 1); a missing one is refused by name. */
    private static double num(Published p, String key) {
        JsonNode value = p.config() == null ? null : p.config().get(key);
        if (value == null || !(value.isNumber() || value.isBoolean())) {
            throw new IllegalArgumentException(RESOURCE + ", row " + p.id() + ": config." + key
                    + " is missing or not a number");
        }
        return value.isBoolean() ? (value.asBoolean() ? 1 : 0) : value.asDouble();
    }

    /** One decode step of one attention layer on one GPU: fp8 weights, bf16 cache; the time in µs. */
    private static Prediction layer(Published p) {
        int t = (int) num(p, "tensor_parallel");
        AttentionShape shape = shard(p.config().path("model").asText(), t);
        int context = (int) num(p, "context");
        AttentionCost cost = AttentionCost.of(shape, CoreShape.MlaForm.ABSORBED, (int) num(p, "batch_per_gpu"), 1,
                context - 1, 1, 2, 2);
        double compute = cost.projectionFlops() / p.device().gemmFlops() + cost.coreFlops() / p.device().bf16Flops();
        double memory = cost.bytes() / p.device().bandwidth();
        return new Prediction(Math.max(compute, memory) * 1e6, memory >= compute);
    }

    /** A model's attention shape and layer count: the catalogue's, or a {@code models} row of the file. */
    private record Model(AttentionShape shape, int layers) {
    }

    private static Model model(String name) {
        for (JsonNode m : ROOT.get("models")) {
            if (m.get("name").asText().equals(name)) {
                return new Model(GqaShape.of(m.get("model_width").asInt(), m.get("heads").asInt(), m.get("kv_heads").asInt(),
                        m.get("head_dim").asInt()), m.get("layers").asInt());
            }
        }
        ModelConfig config = ModelCatalogue.byName(name);
        return new Model(config.attention(), config.numLayers());
    }

    /** The attention shape one GPU holds: the whole layer at t = 1; 1/t of the heads of a GQA layer. */
    private static AttentionShape shard(String name, int t) {
        AttentionShape whole = model(name).shape();
        if (t == 1) {
            return whole;
        }
        if (!(whole instanceof GqaShape g) || g.numKvHeads() % t != 0) {
            throw new IllegalArgumentException(RESOURCE + ": tensor_parallel (" + t + ") needs a GQA model whose key/value "
                    + "heads it divides; " + name + " is " + whole.variant().label());
        }
        return GqaShape.of(g.modelWidth(), g.numHeads() / t, g.numKvHeads() / t, g.headDim());
    }

    /**
     * Step-3's counts per decoding token recomputed (its Tables 2 and 3: whole model, 8-bit cache): KV bytes read and
     * written, core FLOPs and projection FLOPs of one decode step at S keys, times L.
     */
    static String counts() {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode c : ROOT.get("counts")) {
            Model m = model(c.get("model").asText());
            int context = c.get("context").asInt();
            AttentionCost cost = AttentionCost.of(m.shape(), CoreShape.MlaForm.ABSORBED, 1, 1, context - 1, 1, 1, 1);
            String[] cite = c.get("source").asText().split(": ", 2);
            List<String> row = new ArrayList<>(List.of(c.get("model").asText(), OctaveAxes.tokens(context),
                    References.cite(cite[0]) + " " + cite[1]));
            double[][] pairs = {
                {(cost.cacheReadBytes() + cost.cacheWriteBytes()) * m.layers(), c.get("kv_bytes").asDouble()},
                {cost.coreFlops() * m.layers(), c.get("attention_flops").asDouble()},
                {cost.projectionFlops() * m.layers(), c.get("linear_flops").asDouble()}};
            for (double[] pair : pairs) {
                row.add(String.format(Locale.ROOT, "%.3g / %.3g = %.3f", pair[0], pair[1], pair[0] / pair[1]));
            }
            rows.add(row);
        }
        return Markdown.table(List.of("model", "context", "published", "KV bytes: attnref / published",
                "attention FLOPs (no projections)", "projection FLOPs"), rows);
    }

    /** A rate in the published metric (GB/s of bytes moved, or TFLOP/s) at the roofline's time. */
    private static Prediction rate(Published p, double flops, double computeSeconds, double bytes) {
        double memorySeconds = bytes / p.device().bandwidth();
        double seconds = Math.max(computeSeconds, memorySeconds);
        double value = switch (p.metric()) {
            case "GB/s" -> bytes / seconds / 1e9;
            case "TFLOP/s" -> flops / seconds / 1e12;
            default -> throw new IllegalArgumentException(RESOURCE + ", row " + p.id() + ": metric (" + p.metric()
                    + ") must be GB/s or TFLOP/s for kind " + p.kind());
        };
        return new Prediction(value, memorySeconds >= computeSeconds);
    }

    /** The derived section: the table and how to read it. */
    static String section() {
        List<List<String>> rows = new ArrayList<>();
        for (Published p : published()) {
            Prediction pred = predict(p);
            String[] cite = p.source().split(": ", 2);
            rows.add(List.of(p.kernel(), p.device().name(), p.configNote(), p.metric(),
                    Markdown.num(p.published()) + " " + References.cite(cite[0]) + (cite.length > 1 ? " " + cite[1] : ""),
                    Markdown.num(pred.value()) + (pred.memoryBound() ? " (mem)" : " (compute)"),
                    String.format(Locale.ROOT, "%.2f", pred.value() / p.published()), p.gap()));
        }
        return "**Published GPU measurements, quoted, beside the roofline's prediction for the same configuration.** "
                + "attnref has measured nothing on a GPU; until it does, the roofline (section 4) is credible only as far as "
                + "it matches these. Rates (GB/s, TFLOP/s): the roofline's is the ceiling a kernel could reach, so "
                + "predicted / published > 1 is the share it leaves; times (µs per layer): the roofline's is a floor, so "
                + "predicted / published < 1 is the share it explains. Peaks: the device rows of `"
                + RESOURCE.substring(1) + "` (H800, H20, A800 from " + References.cite("step-3", "Table 4") + "; A100 "
                + "and H100 from the hardware catalogue). (mem) / (compute): which roof binds the prediction.\n\n"
                + Markdown.table(List.of("kernel", "device", "configuration", "metric", "published (quoted)",
                        "roofline predicts", "predicted / published", "why they differ"), rows)
                + "\nThe counts under those times: attnref's cost model (`AttentionCost`, one decode step at S keys, times "
                + "L, 8-bit cache as Step-3 assumes) against the counts per decoding token " + References.cite("step-3")
                + " publishes. The attention FLOPs of MLA differ because Step-3 counts the value width as the whole cached "
                + "row (C + P = 576) where absorbed MLA sums only c_kv (C = 512): 2·H·(576 + 576) against 2·H·(576 + 512) "
                + "per pair, 1088 / 1152 = 0.944 before the published figures' rounding.\n\n" + counts();
    }
}
