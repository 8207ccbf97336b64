package dev.attnref.experiment;

import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * E02 — decode: measured time per decode step against the cache length on this CPU, for every
 * variant's attention core ({@link CoreShape}) on the product's float32 kernels ({@code dev.attnref.fast}:
 * the Vector API kernels and their scalar twins, through {@link FastStep}), set against the bytes each
 * step reads and the FLOPs it does; arithmetic intensity per variant; roofline predictions per layer
 * for the model catalogue on the hardware catalogue.
 *
 * <pre>
 *   bytes read per step   = S · cache values per token · 4          (float32)
 *   FLOPs per step        = S · 2·H·(Dk + Dv)  (+ 3·Dk·S for MFA-KR's rotation)
 *   achieved bandwidth    = bytes / time;   achieved FLOP/s = FLOPs / time
 *   roofline (this CPU)   = max(FLOPs / FMA peak, bytes / read-loop bandwidth), both measured in this run
 * </pre>
 *
 * <p>Timing ({@link Timing}): at each cache length every (core, kernels) series is warmed up until the
 * JIT is quiet, then timed in ≥ 5 rounds of seeded random order; the tables give the median with min,
 * max and quartiles, and flag busy points. {@code clock}: {@code wall} (the spec's threads) or
 * {@code thread-cpu} (one thread, timed by its CPU time, as are the probe's peaks — other processes on
 * shared cores then do not inflate the figures).
 *
 * <p>The measured part is the core only (projections do not grow with S); the catalogue predictions are
 * whole layers ({@link AttentionCost}). Checked by {@code ExperimentCommandTest} (tiny spec end to end).
 */
public final class DecodeExperiment implements Experiment {
    private static final long SEED = 0xE02L;

    /** One measured point: a core on one set of kernels at one cache length. */
    record Point(CoreShape shape, Kernels kernels, int length, Timing.Stats time, double bytes, double flops,
                 double rooflineSeconds) {
        double gbPerSecond() {
            return bytes / time.median() / 1e9;
        }

        double gflopPerSecond() {
            return flops / time.median() / 1e9;
        }
    }

    /** The engine column of a kernel set (the Vector API label is the one earlier results used). */
    static String label(Kernels kernels) {
        return kernels == Kernels.VECTOR ? "fast float32 (dev.attnref.fast)" : "fast float32 scalar twin (dev.attnref.fast)";
    }

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
        Timing.Settings timing = Timing.Settings.from(spec, SEED);
        int threads = timing.threadCpu() ? 1 : context.threads();
        context.log("probing this machine (%d threads)", threads);
        CpuProbe.Measurement machine = CpuProbe.measure(threads, (long) spec.integer("probeMiB") << 20,
                spec.integer("probeRepeats"));
        context.log("%s", machine.describe());
        Results machineTable = Results.of("machine", "fma_f32_gflops:d", "fma_f64_gflops:d", "read_gb_per_s:d",
                "ram_gb:d", "vector_bits:i");
        machineTable.add(machine.fmaF32() / 1e9, machine.fmaF64() / 1e9, machine.readBandwidth() / 1e9,
                machine.memoryBytes() / 1e9, machine.floatLanes() * 32);
        context.write(machineTable, "machine", threads);

        List<Point> points = measure(context, timing, threads, machine);
        context.write(measuredTable(points), "decode_measured", threads);
        context.write(intensityTable(), "intensity");
        List<Hardware> devices = new ArrayList<>(HardwareCatalogue.accelerators());
        devices.add(HardwareCatalogue.thisMachine(machine));
        context.write(rooflineTable(devices, spec.integers("catalogueCacheLengths"), spec.integers("batches")),
                "roofline_decode");
        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        DecodeCharts.draw(charts);
    }

    /**
     * Times every (core, kernels) series at each cache length, interleaved within the length. The
     * inputs of one length are allocated once and shared by both kernel sets.
     */
    private static List<Point> measure(ExperimentContext context, Timing.Settings timing, int threads,
                                       CpuProbe.Measurement machine) {
        Spec spec = context.spec();
        List<CoreShape> shapes = spec.objects("shapes").stream().map(CoreShape::fromSpec).toList();
        List<Kernels> kernelSets = spec.choices("kernels", Kernels.class);
        List<Point> points = new ArrayList<>();
        Map<Kernels, FastAttention> engines = new LinkedHashMap<>();
        try {
            kernelSets.forEach(k -> engines.put(k, new FastAttention(threads, k)));
            for (int s : spec.integers("cacheLengths")) {
                List<Runnable> calls = new ArrayList<>();
                for (CoreShape shape : shapes) {
                    Consumer<FastAttention> step = FastStep.decode(shape, s, SEED);
                    engines.values().forEach(fast -> calls.add(() -> step.accept(fast)));
                }
                List<Timing.Stats> stats = Timing.interleaved(calls, timing, line -> context.log("S=%d %s", s, line));
                int i = 0;
                for (CoreShape shape : shapes) {
                    for (Kernels k : kernelSets) {
                        double bytes = (double) s * shape.cacheValuesPerToken() * Float.BYTES;
                        double flops = (double) s * (shape.flopsPerPair() + shape.flopsPerKeyRead());
                        double roofline = Math.max(flops / machine.fmaF32(), bytes / machine.readBandwidth());
                        Point p = new Point(shape, k, s, stats.get(i++), bytes, flops, roofline);
                        points.add(p);
                        context.log("%s %s S=%d: %.3f ms [%.3f–%.3f] (%.1f GB/s, %.1f GFLOP/s), busy: %s",
                                shape.label(), k, s, p.time().median() * 1e3, p.time().min() * 1e3,
                                p.time().max() * 1e3, p.gbPerSecond(), p.gflopPerSecond(), p.time().busy());
                    }
                }
            }
        } finally {
            engines.values().forEach(FastAttention::close);
        }
        return points;
    }

    private static Results measuredTable(List<Point> points) {
        Results measured = Results.of("decode_measured", "variant:s", "shape:s", "engine:s", "cache_length:i",
                "median_ms:d", "min_ms:d", "max_ms:d", "q1_ms:d", "q3_ms:d", "repeats:i", "busy:s", "canary_ms:d", "bytes_read:d",
                "flops:d", "gb_per_s:d", "gflop_per_s:d", "intensity_flop_per_byte:d", "roofline_ms:d");
        for (Point p : points) {
            Timing.Stats t = p.time();
            measured.add(p.shape().label(), p.shape().describe(), label(p.kernels()), p.length(), t.median() * 1e3,
                    t.min() * 1e3, t.max() * 1e3, t.q1() * 1e3, t.q3() * 1e3, t.repeats(), t.busy(), t.canary() * 1e3, p.bytes(),
                    p.flops(), p.gbPerSecond(), p.gflopPerSecond(), p.flops() / p.bytes(), p.rooflineSeconds() * 1e3);
        }
        return measured;
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
}
