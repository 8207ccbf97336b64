package dev.attnref.experiment;

import org.knowm.xchart.CategoryChart;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *   <tr><td>SIMD</td><td>Vector API loops vs scalar loops (FMA peak, read loop, decode float32)</td></tr>
 *   <tr><td>precision</td><td>float64 loops vs float32 loops vs float32 Vector API; and the reference API
 *       {@code OracleAttention} (float64, allocates and copies per call, 1 thread)</td></tr>
 * </table>
 *
 * The decode rows are one GQA decode step at the spec's cache length. A missing JDK is logged and
 * listed in {@code jdks.csv} as absent; it is not an error.
 */
public final class HardwareSweepExperiment implements Experiment {

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
        Results rows = Results.of("sweep", "java_version:s", "measure:s", "variant:s", "run_threads:i", "value:d", "unit:s");
        Results jdks = Results.of("jdks", "requested:s", "java:s", "version:s", "present:s");
        String classPath = System.getProperty("java.class.path");
        Map<String, Map<String, Double>> decode = new LinkedHashMap<>();   // jdk → variant/threads → ms
        for (String requested : spec.texts("jdks")) {
            Path java = requested.equals("current") ? Path.of(System.getProperty("java.home"), "bin", "java")
                    : Path.of(requested, "bin", "java");
            if (!Files.isExecutable(java)) {
                context.log("JDK %s: %s not found, skipped", requested, java);
                jdks.add(requested, java.toString(), "", "no");
                continue;
            }
            String version = firstLine(run(List.of(java.toString(), "-version"), context, true));
            jdks.add(requested, java.toString(), version, "yes");
            List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                    "-Xss8m", "-cp", classPath, ProbeMain.class.getName(), Integer.toString(spec.integer("probeMiB")),
                    Integer.toString(spec.integer("probeRepeats")), Integer.toString(spec.integer("cacheLength")),
                    Integer.toString(spec.integer("heads")), Integer.toString(spec.integer("kvHeads")),
                    Integer.toString(spec.integer("headDim")), Double.toString(spec.number("warmupSeconds")),
                    Double.toString(spec.number("minSeconds"))));
            for (int t : spec.integers("threads")) {
                command.add(Integer.toString(t));
            }
            context.log("JDK %s (%s): running the probe", requested, version);
            Map<String, Double> decodeRows = new LinkedHashMap<>();
            for (String line : run(command, context, false)) {
                if (!line.startsWith("row,")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                double value = Double.parseDouble(f[4]);
                rows.add(version, f[1], f[2], Integer.parseInt(f[3]), value, f[5]);
                context.log("  %s %s %s threads: %.4g %s", f[1], f[2], f[3], value, f[5]);
                if (f[1].equals("decode_gqa")) {
                    decodeRows.put(f[2] + ", " + f[3] + " thr", value);
                }
            }
            decode.put(version, decodeRows);
        }
        context.write(rows, "sweep");
        context.write(jdks, "jdks");
        if (!decode.isEmpty()) {
            CategoryChart chart = Charts.bars("GQA decode step (H" + spec.integer("heads") + " G" + spec.integer("kvHeads")
                    + " D" + spec.integer("headDim") + ", S = " + spec.integer("cacheLength") + ") by engine, threads and JDK",
                    "engine, threads", "ms per step (log)", true);
            for (Map.Entry<String, Map<String, Double>> e : decode.entrySet()) {
                chart.addSeries(e.getKey(), new ArrayList<>(e.getValue().keySet()),
                        new ArrayList<Number>(e.getValue().values()));
            }
            context.chart(chart, "decode_by_engine_threads_jdk");
        }
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
