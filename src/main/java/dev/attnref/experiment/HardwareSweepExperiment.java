package dev.attnref.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * E04 — "hardware" swept on this machine: thread count (1, 2), Vector API on/off, float64 reference
 * vs float32, and the JDK (17 vs 25 where installed). Each JDK runs {@link ProbeMain} as a
 * subprocess with this process's class path, so both JDKs run the same bytecode (compiled for 17).
 *
 * <table>
 *   <caption>What varies</caption>
 *   <tr><th>axis</th><th>values</th></tr>
 *   <tr><td>JDK</td><td>each {@code java} of the spec's {@code jdks} that exists ({@code current} = this JVM's)</td></tr>
 *   <tr><td>threads</td><td>the spec's {@code threads}</td></tr>
 *   <tr><td>SIMD</td><td>Vector API loops vs scalar loops (FMA peak, read loop); the product's fast kernels,
 *       Vector API vs their scalar twins (decode)</td></tr>
 *   <tr><td>precision</td><td>the fast float32 kernels vs the float64 reference API {@code OracleAttention}
 *       (allocates and copies per call, 1 thread)</td></tr>
 * </table>
 *
 * The decode rows are one GQA decode step at the spec's cache length, median of ≥ 5 interleaved rounds
 * with min, max and a busy flag ({@link Timing}). Every probe JVM runs on a fixed, pre-touched heap
 * ({@link #heapFlags}; the flags are in {@code jdks.csv}'s {@code probe_flags}). A missing JDK is logged and
 * listed in {@code jdks.csv} as absent; it is not an error.
 */
public final class HardwareSweepExperiment implements Experiment {

    /** One row a probe printed, under one JDK. */
    record Row(String version, String measure, String variant, int threads, double value, String unit, double min,
               double max, int repeats, String busy, double canaryMs) {
    }

    @Override
    public String id() {
        return "E04";
    }

    @Override
    public String folder() {
        return "E04-hardware";
    }

    @Override
    public String title() {
        return "This machine swept: threads, Vector API on/off, float64 vs float32, JDK 17 vs 25";
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        Results jdks = Results.of("jdks", "requested:s", "java:s", "version:s", "present:s", "probe_flags:s");
        String flags = String.join(" ", heapFlags(spec));
        List<Row> rows = new ArrayList<>();
        for (String requested : spec.texts("jdks")) {
            Path java = requested.equals("current") ? Path.of(System.getProperty("java.home"), "bin", "java")
                    : Path.of(requested, "bin", "java");
            if (!Files.isExecutable(java)) {
                context.log("JDK %s: %s not found, skipped", requested, java);
                jdks.add(requested, java.toString(), "", "no", "");
                continue;
            }
            String version = firstLine(run(List.of(java.toString(), "-version"), context, true));
            jdks.add(requested, java.toString(), version, "yes", flags);
            context.log("JDK %s (%s): running the probe", requested, version);
            rows.addAll(probe(context, java, version));
        }
        Results sweep = Results.of("sweep", "java_version:s", "measure:s", "variant:s", "run_threads:i", "value:d",
                "unit:s", "min:d", "max:d", "repeats:i", "busy:s", "canary_ms:d");
        rows.forEach(r -> sweep.add(r.version(), r.measure(), r.variant(), r.threads(), r.value(), r.unit(), r.min(),
                r.max(), r.repeats(), r.busy(), r.canaryMs()));
        context.write(sweep, "sweep");
        context.write(jdks, "jdks");
        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        HardwareCharts.draw(charts);
    }

    /**
     * Runs each part of {@link ProbeMain} under {@code java}, in a JVM of its own, and parses the rows. The peaks run
     * twice, before and after the decode parts (about 40 s apart), and each peak row is the better of the two
     * ({@link #better}): a peak is an upper envelope, and a probe of ~60 ms (five passes over 512 MiB) lay wholly in
     * one of the host's slow stretches in 5 of 11 recent runs (a two-thread read row at 28–36 GB/s against 38–55).
     */
    private static List<Row> probe(ExperimentContext context, Path java, String version) {
        List<Row> first = probe(context, java, version, "peaks", List.of());
        List<Row> decode = new ArrayList<>();
        for (String part : List.of("VECTOR", "SCALAR", "ORACLE")) {
            decode.addAll(probe(context, java, version, part, decode));
        }
        List<Row> second = probe(context, java, version, "peaks", first);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            rows.add(better(first.get(i), second.get(i)));
        }
        rows.addAll(decode);
        return rows;
    }

    /**
     * One peak from two probes of it: the higher best with its probe's busy flags and canary, the lower slowest,
     * and the repeats of both.
     */
    static Row better(Row a, Row b) {
        if (!a.measure().equals(b.measure()) || !a.variant().equals(b.variant()) || a.threads() != b.threads()) {
            throw new IllegalStateException("peak probes disagree on their rows: " + a + " against " + b);
        }
        Row best = a.value() >= b.value() ? a : b;
        return new Row(best.version(), best.measure(), best.variant(), best.threads(), best.value(), best.unit(),
                Math.min(a.min(), b.min()), best.max(), a.repeats() + b.repeats(), best.busy(), best.canaryMs());
    }

    /**
     * One part in a JVM of its own; {@code earlier}: the same JDK's rows of this kind so far, whose fastest canary per
     * thread count the JVM starts its {@code host} judgement from (a canary's time depends on the work around it, so
     * only probes of one kind share a reference).
     */
    private static List<Row> probe(ExperimentContext context, Path java, String version, String part,
            List<Row> earlier) {
        Spec spec = context.spec();
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Xss8m"));
        command.addAll(heapFlags(spec));
        if (!earlier.isEmpty()) {
            command.add("-D" + HostCanary.HANDED_REFERENCES + "=" + canaryReferences(earlier));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProbeMain.class.getName(), part));
        for (String key : List.of("probeMiB", "probeRepeats", "cacheLength", "heads", "kvHeads", "headDim", "rounds")) {
            command.add(Integer.toString(spec.integer(key)));
        }
        command.add(Double.toString(spec.number("minSeconds")));
        command.add(Double.toString(spec.number("maxWarmupSeconds")));
        spec.integers("threads").forEach(t -> command.add(Integer.toString(t)));
        List<Row> rows = new ArrayList<>();
        for (String line : run(command, context, false)) {
            if (line.startsWith("log,")) {
                context.log("  %s", line.substring(4));
            }
            if (line.startsWith("row,")) {
                // row,measure,variant,threads,value,unit,min,max,repeats,busy,canary_ms
                String[] f = line.split(",", -1);
                Row r = new Row(version, f[1], f[2], Integer.parseInt(f[3]), Double.parseDouble(f[4]), f[5],
                        f[6].isEmpty() ? Double.NaN : Double.parseDouble(f[6]),
                        f[7].isEmpty() ? Double.NaN : Double.parseDouble(f[7]), Integer.parseInt(f[8]), f[9],
                        Double.parseDouble(f[10]));
                rows.add(r);
                context.log("  %s %s %d threads: %.4g %s%s %s", r.measure(), r.variant(), r.threads(), r.value(), r.unit(),
                        Double.isNaN(r.min()) ? "" : String.format(Locale.ROOT, " [%.4g–%.4g]", r.min(), r.max()), r.busy());
            }
        }
        return rows;
    }

    /** The fastest canary of {@code rows} per thread count: {@code threads:ms} pairs joined by commas. */
    static String canaryReferences(List<Row> rows) {
        Map<Integer, Double> fastest = new TreeMap<>();
        for (Row r : rows) {
            fastest.merge(r.threads(), r.canaryMs(), Math::min);
        }
        List<String> pairs = new ArrayList<>();
        fastest.forEach((threads, ms) -> pairs.add(threads + ":" + ms));
        return String.join(",", pairs);
    }

    /**
     * A fixed, pre-touched heap for each probe JVM. The float64 oracle allocates its present k and v per call
     * (2 × 64 MiB at the defaults); on a heap grown on demand its decode took 131–174 ms (maxima 207–247 ms) on
     * JDK 25, on a fixed pre-touched one 103–107 ms (four JVMs each, alternated, 2026-12-07). Size: 1 GiB, the read
     * probe's buffer and eight of the oracle's cache tensors [G, S, D] (past and present k and v, and the previous
     * call's).
     */
    static List<String> heapFlags(Spec spec) {
        long tensorMiB = ((long) spec.integer("kvHeads") * spec.integer("cacheLength") * spec.integer("headDim")
                * Double.BYTES) >> 20;
        long mib = 1024 + spec.integer("probeMiB") + 8 * tensorMiB;
        return List.of("-Xms" + mib + "m", "-Xmx" + mib + "m", "-XX:+AlwaysPreTouch");
    }

    private static String firstLine(List<String> lines) {
        return lines.isEmpty() ? "unknown" : lines.get(0).replace("\"", "");
    }

    /** Runs a command; returns its output lines (stderr merged when {@code mergeErr}); fails on a non-zero exit. */
    private static List<String> run(List<String> command, ExperimentContext context, boolean mergeErr) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(mergeErr);
            if (!mergeErr) {
                builder.redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            Process process = builder.start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            }
            int code = process.waitFor();
            if (code != 0) {
                throw new IllegalStateException("command " + command.get(0) + " exited with " + code);
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }
}
