package dev.attnref.experiment;

import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import dev.attnref.fast.FastAttention;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * E02 — decode: measured time per decode step against the cache length on this CPU, for every
 * variant's attention core ({@link CoreShape}; engines: this package's {@link CoreKernels} and the project's
 * fast kernels through {@link FastCore}, spec name {@code FAST}), set against the bytes each step
 * reads and the FLOPs it does; arithmetic intensity per variant; roofline predictions per layer for
 * the model catalogue on the hardware catalogue.
 *
 * <pre>
 *   bytes read per step   = S · cache values per token · bytes per value      (4 float32, 8 float64)
 *   FLOPs per step        = S · 2·H·(Dk + Dv)  (+ 3·Dk·S for MFA-KR's rotation)
 *   achieved bandwidth    = bytes / time;   achieved FLOP/s = FLOPs / time
 *   roofline (this CPU)   = max(FLOPs / FMA peak, bytes / read-loop bandwidth), both measured in this run
 * </pre>
 *
 * <p>{@code clock}: {@code wall} (the spec's threads) or {@code thread-cpu} (one thread, timed by its CPU
 * time, as are the probe's peaks — other processes on shared cores then do not inflate the figures).
 *
 * <p>The measured part is the core only (projections do not grow with S); the catalogue predictions are
 * whole layers ({@link AttentionCost}). Checked by {@code ExperimentCommandTest} (tiny spec end to end).
 */
public final class DecodeExperiment implements Experiment {
    private static final long SEED = 0xE02L;
    /** Spec name of the project's fast kernels ({@link FastCore}) among the engines. */
    static final String FAST = "FAST";
    static final String FAST_LABEL = "fast float32 (dev.attnref.fast)";

    @Override
    public String id() {
        return "E02";
    }

    @Override
    public String folder() {
        return "E02-decode";
    }

    @Override
    public String title() {
        return "Decode time vs cache length per variant (measured) and per layer on accelerators (roofline)";
    }

    /** Catalogue forms for predictions: each published model as run, MLA also naive, Step-3 also with key reuse. */
    public static Map<String, ModelForm> catalogueForms() {
        Map<String, ModelForm> forms = new LinkedHashMap<>();
        for (ModelConfig m : List.of(ModelCatalogue.LLAMA_2_7B, ModelCatalogue.LLAMA_2_70B, ModelCatalogue.LLAMA_3_8B,
                ModelCatalogue.FALCON_7B, ModelCatalogue.DEEPSEEK_67B, ModelCatalogue.DEEPSEEK_V2,
                ModelCatalogue.DEEPSEEK_V3, ModelCatalogue.STEP_3)) {
            if (m.attention() instanceof dev.attnref.attention.MlaShape) {
                forms.put(m.name() + " MLA (absorbed)", new ModelForm(m.name(), m.attention(), CoreShape.MlaForm.ABSORBED));
                forms.put(m.name() + " MLA (naive)", new ModelForm(m.name(), m.attention(), CoreShape.MlaForm.NAIVE));
            } else if (m.attention() instanceof dev.attnref.attention.MfaShape f) {
                forms.put(m.name() + " MFA", new ModelForm(m.name(), f, CoreShape.MlaForm.ABSORBED));
                dev.attnref.attention.MfaShape kr = new dev.attnref.attention.MfaShape(f.modelWidth(), f.numHeads(),
                        f.queryRank(), f.headDim(), true);
                forms.put(m.name() + " MFA-KR", new ModelForm(m.name() + " with key reuse", kr, CoreShape.MlaForm.ABSORBED));
            } else {
                forms.put(m.name() + " " + m.variant().label(), new ModelForm(m.name(), m.attention(), CoreShape.MlaForm.ABSORBED));
            }
        }
        return forms;
    }

    /** A catalogue shape in one form. */
    public record ModelForm(String model, dev.attnref.attention.AttentionShape shape, CoreShape.MlaForm form) {
        public String formLabel() {
            return CoreShape.of(shape, form).label();
        }
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        List<Integer> lengths = spec.integers("cacheLengths");
        int maxLength = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        List<String> engines = spec.texts("engines");
        String chartEngine = spec.text("chartEngine");
        for (String engine : engines) {
            if (!engine.equals(FAST) && java.util.Arrays.stream(CoreKernels.Engine.values()).noneMatch(e -> e.name().equals(engine))) {
                throw new IllegalArgumentException("engine (" + engine + ") must be FAST or one of "
                        + java.util.Arrays.toString(CoreKernels.Engine.values()));
            }
        }
        // thread CPU time of one-thread steps: immune to other processes on the shared cores
        boolean threadCpu = spec.text("clock").equals("thread-cpu");
        if (!threadCpu && !spec.text("clock").equals("wall")) {
            throw new IllegalArgumentException("clock (" + spec.text("clock") + ") must be wall or thread-cpu");
        }
        int threads = threadCpu ? 1 : context.threads();

        context.log("probing this machine (%d threads)", threads);
        CpuProbe.Measurement machine = CpuProbe.measure(threads, (long) spec.integer("probeMiB") << 20,
                spec.integer("probeRepeats"));
        context.log("%s", machine.describe());
        Results machineTable = Results.of("machine", "fma_f32_gflops:d", "fma_f64_gflops:d", "read_gb_per_s:d",
                "ram_gb:d", "vector_bits:i");
        machineTable.add(machine.fmaF32() / 1e9, machine.fmaF64() / 1e9, machine.readBandwidth() / 1e9,
                machine.memoryBytes() / 1e9, machine.floatLanes() * 32);
        context.write(machineTable, "machine", threads);

        Results measured = Results.of("decode_measured", "variant:s", "shape:s", "engine:s", "cache_length:i",
                "median_ms:d", "min_ms:d", "repeats:i", "bytes_read:d", "flops:d", "gb_per_s:d", "gflop_per_s:d",
                "intensity_flop_per_byte:d", "roofline_ms:d");
        List<Spec> shapeSpecs = spec.objects("shapes");
        int total = shapeSpecs.size() * engines.size() * lengths.size();
        int done = 0;
        Map<String, double[][]> chartSeries = new LinkedHashMap<>();    // variant → {S, ms, bytes, GB/s, GFLOP/s}
        Map<String, double[]> modelledSeries = new LinkedHashMap<>();
        for (Spec shapeSpec : shapeSpecs) {
            CoreShape shape = CoreShape.fromSpec(shapeSpec);
            for (String engine : engines) {
                boolean fast = engine.equals(FAST);
                boolean float64 = !fast && CoreKernels.Engine.valueOf(engine).float64();
                String engineLabel = fast ? FAST_LABEL : CoreKernels.Engine.valueOf(engine).label();
                if (shapeSpec == shapeSpecs.get(0) && !fast) {
                    CoreKernels.warmUp(CoreKernels.Engine.valueOf(engine), threads, spec.number("jitWarmupSeconds"));
                }
                int bytesPerValue = float64 ? 8 : 4;
                double peak = float64 ? machine.fmaF64() : machine.fmaF32();
                double scale = 1 / Math.sqrt(shape.keyWidth());
                double[][] series = new double[5][lengths.size()];
                double[] modelled = new double[lengths.size()];
                // this package's kernels reuse one cache of the largest length; the fast kernels take exact sizes
                CoreCache shared = fast ? null : CoreCache.random(shape, maxLength, 1, float64, SEED);
                double[] out = new double[shape.numHeads() * shape.valueWidth()];
                try (CoreKernels kernels = fast ? null : new CoreKernels(CoreKernels.Engine.valueOf(engine), threads);
                     FastAttention fastKernels = fast ? new FastAttention(threads) : null) {
                    if (fast) {
                        FastCore.warmUp(fastKernels, shapeSpec == shapeSpecs.get(0) ? spec.number("jitWarmupSeconds") : 0.1);
                    }
                    for (int i = 0; i < lengths.size(); i++) {
                        int s = lengths.get(i);
                        Runnable call;
                        if (fast) {
                            FastCore step = FastCore.prepare(fastKernels, CoreCache.random(shape, s, 1, false, SEED), scale);
                            call = step::run;
                        } else {
                            call = () -> kernels.decode(shared, 0, s, scale, out);
                        }
                        Timing.Result t = Timing.measure(call, spec.integer("warmups"),
                                i == 0 || fast ? spec.number("warmupSeconds") : 0, spec.integer("minRepeats"),
                                spec.number("minSeconds"), threadCpu);
                        double bytes = (double) s * shape.cacheValuesPerToken() * bytesPerValue;
                        double flops = (double) s * (shape.flopsPerPair() + shape.flopsPerKeyRead());
                        double roofline = Math.max(flops / peak, bytes / machine.readBandwidth());
                        measured.add(shape.label(), shape.describe(), engineLabel, s, t.medianSeconds() * 1e3,
                                t.minSeconds() * 1e3, t.repeats(), bytes, flops, bytes / t.medianSeconds() / 1e9,
                                flops / t.medianSeconds() / 1e9, flops / bytes, roofline * 1e3);
                        series[0][i] = s;
                        series[1][i] = t.medianSeconds() * 1e3;
                        series[2][i] = bytes / 1e6;
                        series[3][i] = bytes / t.medianSeconds() / 1e9;
                        series[4][i] = flops / t.medianSeconds() / 1e9;
                        modelled[i] = roofline * 1e3;
                        done++;
                        context.log("%d/%d %s %s S=%d: %.3f ms (%.1f GB/s, %.1f GFLOP/s)", done, total, shape.label(),
                                engineLabel, s, t.medianSeconds() * 1e3, bytes / t.medianSeconds() / 1e9,
                                flops / t.medianSeconds() / 1e9);
                    }
                }
                if (engine.equals(chartEngine)) {
                    chartSeries.put(shape.label(), series);
                    modelledSeries.put(shape.label(), modelled);
                }
            }
        }
        context.write(measured, "decode_measured", threads);
        context.write(intensityTable(), "intensity");
        List<Hardware> devices = new ArrayList<>(HardwareCatalogue.accelerators());
        devices.add(HardwareCatalogue.thisMachine(machine));
        Results roofline = rooflineTable(devices, spec.integers("catalogueCacheLengths"), spec.integers("batches"));
        context.write(roofline, "roofline_decode");

        String engineNote = " (" + (chartEngine.equals(FAST) ? "fast kernels" : CoreKernels.Engine.valueOf(chartEngine).label())
                + ", " + threads + " thread" + (threads == 1 ? "" : "s") + ", " + spec.text("clock") + ")";
        XYChart time = Charts.lines("Decode step time vs cache length" + engineNote,
                "cache length S (tokens)", "ms per step (log)", true, true);
        XYChart vsBytes = Charts.lines("Decode step time vs bytes read" + engineNote, "MB read per step (log)",
                "ms per step (log)", true, true);
        XYChart bandwidth = Charts.lines("Achieved bandwidth of a decode step" + engineNote, "cache length S (tokens)",
                "GB/s", true, false);
        XYChart gflops = Charts.lines("Achieved FLOP/s of a decode step" + engineNote, "cache length S (tokens)",
                "GFLOP/s (log)", true, true);
        for (Map.Entry<String, double[][]> e : chartSeries.entrySet()) {
            double[][] s = e.getValue();
            Charts.series(time, e.getKey(), s[0], s[1]);
            Charts.modelled(time, e.getKey() + " roofline", s[0], modelledSeries.get(e.getKey()));
            Charts.series(vsBytes, e.getKey(), s[2], s[1]);
            Charts.series(bandwidth, e.getKey(), s[0], s[3]);
            Charts.series(gflops, e.getKey(), s[0], s[4]);
        }
        double[] xs = chartSeries.values().iterator().next()[0];
        Charts.modelled(bandwidth, "read loop (measured)", new double[] {xs[0], xs[xs.length - 1]},
                new double[] {machine.readBandwidth() / 1e9, machine.readBandwidth() / 1e9});
        double peak = !chartEngine.equals(FAST) && CoreKernels.Engine.valueOf(chartEngine).float64() ? machine.fmaF64()
                : machine.fmaF32();
        Charts.modelled(gflops, "FMA peak (measured)", new double[] {xs[0], xs[xs.length - 1]},
                new double[] {peak / 1e9, peak / 1e9});
        for (Imported.Series s : Imported.forChart(context.experimentDir(), "decode_time")) {
            Charts.imported(time, s.label(), s.x(), s.y());
        }
        context.chart(time, "decode_time");
        context.chart(vsBytes, "decode_time_vs_bytes");
        context.chart(bandwidth, "decode_bandwidth");
        context.chart(gflops, "decode_gflops");
        context.chart(rooflineChart(HardwareCatalogue.H100_SXM, spec.integers("catalogueCacheLengths")),
                "roofline_decode_h100");
        context.chart(intensityChart(), "decode_intensity");
    }

    /** Decode arithmetic intensity per catalogue form: core alone, and whole layer at S = 32768, B = 1 and 64. */
    public static Results intensityTable() {
        Results t = Results.of("intensity", "form:s", "variant:s", "core_flops_per_cached_token:l",
                "cache_bytes_per_token_bf16:d", "core_intensity_bf16:d", "layer_intensity_s32k_b1:d",
                "layer_intensity_s32k_b64:d");
        for (Map.Entry<String, ModelForm> e : catalogueForms().entrySet()) {
            ModelForm f = e.getValue();
            CoreShape core = CoreShape.of(f.shape(), f.form());
            long flops = core.flopsPerPair() + core.flopsPerKeyRead();
            double bytes = core.cacheValuesPerToken() * KvPrecision.BF16.bytes();
            t.add(e.getKey(), core.label(), flops, bytes, flops / bytes,
                    AttentionCost.decode(f.shape(), f.form(), 1, 32768, KvPrecision.BF16).intensity(),
                    AttentionCost.decode(f.shape(), f.form(), 64, 32768, KvPrecision.BF16).intensity());
        }
        return t;
    }

    /** Predicted decode time per layer for every catalogue form, device, cache length and batch. */
    public static Results rooflineTable(List<Hardware> devices, List<Integer> lengths, List<Integer> batches) {
        Results t = Results.of("roofline_decode", "form:s", "variant:s", "device:s", "measured_device:s", "batch:i",
                "cache_length:i", "flops:d", "bytes:d", "intensity:d", "predicted_us:d", "bound:s");
        for (Map.Entry<String, ModelForm> e : catalogueForms().entrySet()) {
            ModelForm f = e.getValue();
            for (Hardware hw : devices) {
                for (int b : batches) {
                    for (int s : lengths) {
                        AttentionCost c = AttentionCost.decode(f.shape(), f.form(), b, s, KvPrecision.BF16);
                        t.add(e.getKey(), f.formLabel(), hw.name(), hw.measured() ? "measured" : "datasheet", b, s,
                                c.flops(), c.bytes(), c.intensity(), c.seconds(hw) * 1e6,
                                c.memoryBound(hw) ? "memory" : "compute");
                    }
                }
            }
        }
        return t;
    }

    private static XYChart rooflineChart(Hardware hw, List<Integer> lengths) {
        XYChart chart = Charts.lines("Roofline: decode time per layer on " + hw.name() + " (bf16, batch 1, modelled)",
                "cache length S (tokens)", "µs per layer (log)", true, true);
        double[] xs = lengths.stream().mapToDouble(Integer::doubleValue).toArray();
        for (Map.Entry<String, ModelForm> e : catalogueForms().entrySet()) {
            ModelForm f = e.getValue();
            double[] ys = lengths.stream()
                    .mapToDouble(s -> AttentionCost.decode(f.shape(), f.form(), 1, s, KvPrecision.BF16).seconds(hw) * 1e6)
                    .toArray();
            Charts.modelled(chart, e.getKey(), xs, ys);
        }
        return chart;
    }

    private static CategoryChart intensityChart() {
        CategoryChart chart = Charts.bars("Decode arithmetic intensity of the attention core (bf16 cache) vs ridge points",
                "model form", "FLOP per byte (log)", true);
        List<String> names = new ArrayList<>(catalogueForms().keySet());
        List<Number> core = new ArrayList<>();
        for (ModelForm f : catalogueForms().values()) {
            CoreShape c = CoreShape.of(f.shape(), f.form());
            core.add((c.flopsPerPair() + c.flopsPerKeyRead()) / (c.cacheValuesPerToken() * KvPrecision.BF16.bytes()));
        }
        chart.addSeries("core intensity", names, core);
        for (Hardware hw : List.of(HardwareCatalogue.H100_SXM, HardwareCatalogue.A100_80GB, HardwareCatalogue.L4)) {
            List<Number> ridge = names.stream().map(n -> (Number) hw.ridge()).toList();
            CategorySeries s = chart.addSeries("ridge " + hw.name(), names, ridge);
            s.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        }
        return chart;
    }
}
