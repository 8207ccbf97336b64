package dev.attnref.experiment;

import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measured points from another machine (a GPU, another CPU), committed as CSV under
 * {@code experiments/<id>/imported/*.csv} and drawn beside this machine's points.
 *
 * <table>
 *   <caption>Import format (header row required; extra columns are kept in the file and ignored here)</caption>
 *   <tr><th>column</th><th>meaning</th></tr>
 *   <tr><td>chart</td><td>the chart the point belongs to, e.g. {@code decode_time} (E02) or {@code prefill_time} (E03)</td></tr>
 *   <tr><td>series</td><td>legend label of the series, e.g. {@code MHA sdpa}</td></tr>
 *   <tr><td>x, y</td><td>the point, in the chart's units (cache length or S; milliseconds)</td></tr>
 *   <tr><td>device</td><td>what measured it, e.g. {@code NVIDIA H100 80GB HBM3}</td></tr>
 *   <tr><td>dtype</td><td>{@code float16}, {@code bfloat16}, {@code float32}</td></tr>
 *   <tr><td>source</td><td>the script and version that wrote it ({@code experiments/gpu/run_gpu.py, torch 2.x})</td></tr>
 * </table>
 *
 * {@code experiments/gpu/run_gpu.py} writes this format. Checked by {@code ExperimentFrameworkTest}.
 */
public final class Imported {
    /** Columns every imported file must have. */
    public static final List<String> REQUIRED = List.of("chart", "series", "x", "y", "device", "dtype", "source");

    private Imported() {
    }

    /** One imported series: label "device dtype series", points in file order. */
    public record Series(String label, double[] x, double[] y) {
    }

    /** Every imported series for {@code chart} in {@code experimentDir/imported}, files in name order. */
    public static List<Series> forChart(Path experimentDir, String chart) {
        Path dir = experimentDir.resolve("imported");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (Path file : files) {
            Table table = Results.read(file);
            for (String column : REQUIRED) {
                if (!table.columnNames().contains(column)) {
                    throw new IllegalArgumentException("imported file " + file + " has no column '" + column
                            + "'; expected columns " + REQUIRED);
                }
            }
            for (int r = 0; r < table.rowCount(); r++) {
                if (!Results.text(table, "chart", r).equals(chart)) {
                    continue;
                }
                String label = Results.text(table, "device", r) + " " + Results.text(table, "dtype", r) + " "
                        + Results.text(table, "series", r);
                points.computeIfAbsent(label, k -> new ArrayList<>())
                        .add(new double[] {Results.number(table, "x", r), Results.number(table, "y", r)});
            }
        }
        List<Series> series = new ArrayList<>();
        points.forEach((label, list) -> series.add(new Series(label,
                list.stream().mapToDouble(p -> p[0]).toArray(), list.stream().mapToDouble(p -> p[1]).toArray())));
        return series;
    }
}
