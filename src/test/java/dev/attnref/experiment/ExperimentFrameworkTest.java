package dev.attnref.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Specs, stamped CSVs, imported points, charts and the power fit of the experiment framework. */
class ExperimentFrameworkTest {

    private static final String SPEC = """
            {"id": "E99", "full": {"n": 3, "xs": [1, 2], "fills": ["-Infinity", -1e9], "shape": {"kind": "gqa"}},
             "quick": {"n": 1}}""";

    @Test
    void specReadsTheBlockOfItsMode() {
        assertEquals(3, Spec.parse(SPEC, "test.json", Spec.Mode.FULL).integer("n"));
        assertEquals(1, Spec.parse(SPEC, "test.json", Spec.Mode.QUICK).integer("n"));
        assertEquals(List.of(Double.NEGATIVE_INFINITY, -1e9), Spec.parse(SPEC, "t", Spec.Mode.FULL).numbers("fills"));
        assertEquals("gqa", Spec.parse(SPEC, "t", Spec.Mode.FULL).object("shape").text("kind"));
    }

    @Test
    void aMissingKeyNamesTheFileTheBlockAndTheKey() {
        Spec quick = Spec.parse(SPEC, "test.json", Spec.Mode.QUICK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> quick.integers("xs"));
        assertEquals("spec test.json: 'quick' block has no 'xs'", e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeSaysWhatWasExpected() {
        Spec full = Spec.parse(SPEC, "test.json", Spec.Mode.FULL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> full.text("n"));
        assertEquals("spec test.json: 'full.n' is 3; expected text", e.getMessage());
    }

    @Test
    void stampedCsvEndsWithTheStampColumnsOnEveryRow(@TempDir Path dir) throws IOException {
        Results r = Results.of("t", "name:s", "count:i", "value:d");
        r.add("a", 1, 0.5).add("b", 2, Double.NEGATIVE_INFINITY);
        // steal 20 of 1,000 ticks between start and end: 2.0%
        Stamp stamp = new Stamp("abc123", "Vendor 17", "Test CPU", 2, "quick", 4, new Stamp.Load(1.5, 100, 10_000, 0, 0),
                new Stamp.Load(3.25, 120, 11_000, 0, 0));
        Path file = dir.resolve("results/t.csv");
        r.write(file, stamp);
        List<String> lines = Files.readAllLines(file);
        assertEquals("name,count,value,commit,jdk,cpu,threads,mode,cores,load_start,load_end,steal_pct", lines.get(0));
        assertEquals("a,1,0.5,abc123,Vendor 17,Test CPU,2,quick,4,1.50,3.25,2.0", lines.get(1));
        Table back = Results.read(file);
        assertEquals(Double.NEGATIVE_INFINITY, Results.number(back, "value", 1));
        assertEquals("quick", Results.text(back, "mode", 1));
    }

    @Test
    void aResultColumnMayNotShadowAStampColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Results.of("t", "threads:i"));
        assertTrue(e.getMessage().startsWith("column (threads) is a stamp column"), e.getMessage());
    }

    @Test
    void aRowOfTheWrongLengthIsRejected() {
        Results r = Results.of("t", "a:s", "b:d");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.add("x"));
        assertEquals("row has 1 values; table t has 2 columns [a, b]", e.getMessage());
    }

    @Test
    void importedPointsAreGroupedByDeviceDtypeAndSeriesForTheirChart(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("imported"));
        Files.writeString(dir.resolve("imported/gpu.csv"), """
                chart,series,x,y,device,dtype,source
                decode_time,MHA,1024,0.5,H100,bfloat16,run_gpu.py
                decode_time,MHA,2048,0.9,H100,bfloat16,run_gpu.py
                prefill_time,MHA,128,0.1,H100,bfloat16,run_gpu.py
                """);
        List<Imported.Series> series = Imported.forChart(dir, "decode_time");
        assertEquals(1, series.size());
        assertEquals("H100 bfloat16 MHA", series.get(0).label());
        assertEquals(List.of(1024.0, 2048.0), List.of(series.get(0).x()[0], series.get(0).x()[1]));
        assertEquals(0.9, series.get(0).y()[1]);
    }

    @Test
    void anImportedFileWithoutARequiredColumnIsRejected(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("imported"));
        Files.writeString(dir.resolve("imported/bad.csv"), "chart,series,x,y\ndecode_time,MHA,1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Imported.forChart(dir, "decode_time"));
        assertTrue(e.getMessage().contains("has no column 'device'"), e.getMessage());
    }

    @Test
    void chartsAreWrittenAsPngAndAsSvgExactlyWhenSvgSupportIsPresent(@TempDir Path dir) throws IOException {
        XYChart chart = Charts.lines("t", "x", "y", true, true);
        Charts.series(chart, "s", new double[] {1, 10}, new double[] {1, 100});
        List<Path> files = Charts.save(chart, dir, "c");
        byte[] png = Files.readAllBytes(dir.resolve("c.png"));
        assertEquals((byte) 0x89, png[0]);            // PNG signature 89 50 4E 47
        assertEquals('P', png[1]);
        assertEquals(Charts.svgAvailable(), Files.exists(dir.resolve("c.svg")));
        assertEquals(Charts.svgAvailable() ? 2 : 1, files.size());
    }

}
