package dev.attnref.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Charts drawn from committed CSVs alone, byte-stable, under the chart rules of {@link Charts}. */
class ChartsTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();

    @Test
    void everyCommittedChartIsRedrawnFromTheCommittedCsvsAlone(@TempDir Path copy) throws IOException {
        for (Experiment e : Experiments.all()) {
            Path folder = copyInputs(e.folder(), copy);
            ChartFolder charts = ChartFolder.committed(copy, e);
            e.drawCharts(charts);
            assertEquals(names(ROOT.resolve("experiments").resolve(e.folder()).resolve("charts")), names(folder.resolve("charts")),
                    e.id() + ": the charts drawn are the charts committed");
        }
        Path race = copyInputs("fast-race", copy);
        RaceCharts.draw(race.resolve("results/race.csv"), race.resolve("charts"));
        assertEquals(names(ROOT.resolve("experiments/fast-race/charts")), names(race.resolve("charts")));
    }

    @Test
    void drawingTwiceGivesTheSameBytes(@TempDir Path copy) throws IOException {
        List<byte[]> drawn = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path folder = copy.resolve("run" + i);
            copyInputs("E02-decode", folder);
            new DecodeExperiment().drawCharts(ChartFolder.committed(folder, Experiments.byId("E02")));
            for (String name : List.of("decode_time.png", "roofline_decode_h100.png", "decode_intensity.png")) {
                drawn.add(Files.readAllBytes(folder.resolve("experiments/E02-decode/charts").resolve(name)));
            }
            if (Charts.svgAvailable()) {
                drawn.add(Files.readAllBytes(folder.resolve("experiments/E02-decode/charts/decode_time.svg")));
            }
        }
        int half = drawn.size() / 2;
        for (int i = 0; i < half; i++) {
            assertArrayEquals(drawn.get(i), drawn.get(half + i), "file " + i + " of the second drawing");
        }
    }

    @Test
    void logAxesAreLabelledAtEveryOctave() {
        assertEquals("1K", Charts.octaveLabel(10, true));
        assertEquals("128K", Charts.octaveLabel(17, true));
        assertEquals("512", Charts.octaveLabel(9, true));
        assertEquals("1,024", Charts.octaveLabel(10, false));
        assertEquals("16K", Charts.octaveLabel(14, false));
        assertEquals("0.0625", Charts.octaveLabel(-4, false));
        assertEquals("2⁻²⁴", Charts.octaveLabel(-24, false));
        assertEquals("512", Charts.octaveLabel(9.5, true), "off an octave, the octave below: XChart refuses repeated labels");
    }

    @Test
    void aNinthMeasuredSeriesIsRefused() {
        XYChart chart = Charts.lines("crowded", "x", "y", true, true);
        for (int i = 0; i < Charts.MAX_SERIES; i++) {
            Charts.series(chart, "s" + i, new double[] {1, 2}, new double[] {1, 2});
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Charts.series(chart, "s8", new double[] {1, 2}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("split it into panels"), e.getMessage());
    }

    @Test
    void everyMeasuredSeriesHasItsOwnColourAndMarker() {
        XYChart chart = Charts.lines("distinct", "x", "y", true, true);
        List<String> styles = new ArrayList<>();
        for (int i = 0; i < Charts.MAX_SERIES; i++) {
            var s = Charts.series(chart, "s" + i, new double[] {1, 2}, new double[] {1, 2}, new double[] {1, 1},
                    new double[] {2, 3});
            styles.add(s.getLineColor().getRGB() + "/" + s.getMarker().getClass().getSimpleName());
        }
        assertEquals(Charts.MAX_SERIES, styles.stream().map(s -> s.split("/")[0]).distinct().count(), styles.toString());
        assertEquals(Charts.MAX_SERIES, styles.stream().map(s -> s.split("/")[1]).distinct().count(), styles.toString());
    }

    @Test
    void aZeroOnALogAxisIsRefusedWhenDrawn(@TempDir Path dir) {
        XYChart chart = Charts.lines("zero", "x", "y", true, true);
        Charts.series(chart, "s", new double[] {1, 2}, new double[] {0, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.save(chart, dir, "zero"));
        assertEquals("chart 'zero', series s has value 0.0 on a log axis; expected a finite value > 0", e.getMessage());
    }

    @Test
    void aMissingResultsFileNamesTheCommandThatWritesIt(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("experiments/E06-scaling"));
        Files.copy(ROOT.resolve("experiments/E06-scaling/spec.json"), dir.resolve("experiments/E06-scaling/spec.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScalingExperiment().drawCharts(ChartFolder.committed(dir, new ScalingExperiment())));
        assertTrue(e.getMessage().endsWith("saturation.csv does not exist; expected the CSV that 'attnref experiment E06' "
                + "writes"), e.getMessage());
    }

    /** Copies what charts are drawn from (spec, results, imported points) of {@code experiments/<folder>} under {@code root}. */
    private static Path copyInputs(String folder, Path root) throws IOException {
        Path from = ROOT.resolve("experiments").resolve(folder);
        Path to = root.resolve("experiments").resolve(folder);
        for (String part : List.of("spec.json", "results", "imported")) {
            if (Files.exists(from.resolve(part))) {
                try (Stream<Path> files = Files.walk(from.resolve(part))) {
                    files.forEach(f -> copy(f, to.resolve(from.relativize(f).toString())));
                }
            }
        }
        return to;
    }

    private static void copy(Path from, Path to) {
        try {
            if (Files.isDirectory(from)) {
                Files.createDirectories(to);
            } else {
                Files.createDirectories(to.getParent());
                Files.copy(from, to);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
