package dev.attnref.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The derived sections of the committed REPORT.md are exactly what the code computes now: a change to
 * the catalogue, the cost model, the bug catalogue or the claims ledger without `./attnref report`
 * fails here.
 */
class ReportDeterminismTest {
    private static final Path ROOT = Path.of(".");

    @Test
    void committedReportDerivedSectionsEqualARegeneration() throws IOException {
        String committed = Files.readString(ROOT.resolve("REPORT.md"));
        Map<String, String> inFile = ReportBuilder.derivedSectionsOf(committed);
        Map<String, String> regenerated = DerivedSections.all(ROOT);
        assertEquals(regenerated.keySet(), inFile.keySet(), "derived section ids of REPORT.md");
        for (Map.Entry<String, String> e : regenerated.entrySet()) {
            String expected = e.getValue().endsWith("\n") ? e.getValue() : e.getValue() + "\n";
            assertEquals(expected, inFile.get(e.getKey()),
                    "REPORT.md derived section '" + e.getKey() + "' is stale: run ./attnref report");
        }
    }

    /** The report without its two machine-dependent sections: 8 (this checkout's Surefire reports) and 10 (this JVM). */
    private static String withoutMachineSections(String report) {
        return report.replaceAll("(?s)\n## 8\\. .*?(?=\n## 9\\. )", "\n").replaceAll("(?s)\n## 10\\. .*", "\n");
    }

    @Test
    void committedReportIsRebuiltByteForByteFromTheCommittedResults() throws IOException {
        String committed = Files.readString(ROOT.resolve("REPORT.md"));
        String rebuilt = new ReportBuilder(ROOT.toAbsolutePath(), null).build();
        assertTrue(committed.contains("\n## 8. ") && committed.contains("\n## 10. "), "REPORT.md lacks sections 8 and 10");
        assertEquals(withoutMachineSections(committed), withoutMachineSections(rebuilt),
                "REPORT.md differs from `./attnref report` on the committed results: run it and commit REPORT.md");
    }

    @Test
    void quickReportReadsOnlyItsOwnResultsAndSaysItIsASmokeRun(@TempDir Path quick) throws IOException {
        Path results = quick.resolve("experiments/E06-scaling/results");
        Files.createDirectories(results);
        Files.copy(ROOT.resolve("experiments/E06-scaling/results/saturation.csv"), results.resolve("saturation.csv"));
        String report = new ReportBuilder(ROOT.toAbsolutePath(), quick).build();
        assertTrue(report.contains(ReportBuilder.QUICK_WARNING), "no quick-run warning");
        assertTrue(report.contains("Results `experiments/E06-scaling/results/`"), "E06 not read from the quick base");
        assertTrue(report.contains("Not run yet: `./attnref experiment E02`"), "E02 read from the committed results");
    }

    @Test
    void reportStatesTheCommittedMutationScore() throws IOException {
        // Read independently of ReportBuilder: the total row of the score file, by column name.
        java.util.List<String> lines = Files.readAllLines(ROOT.resolve("experiments/mutation/score.csv"));
        java.util.List<String> header = java.util.List.of(lines.get(0).split(","));
        String[] total = lines.stream().filter(l -> l.startsWith("total,")).findFirst().orElseThrow().split(",");
        String report = new ReportBuilder(ROOT, null).build();
        String expected = "PIT killed " + total[header.indexOf("killed")] + " of " + total[header.indexOf("mutants")]
                + " mutants (" + total[header.indexOf("score")] + "%)";
        assertTrue(report.contains(expected), "REPORT.md should state: " + expected);
    }

    @Test
    void reportSaysOnItsFirstLineThatItIsGeneratedAndHowToRegenerate() throws IOException {
        String first = Files.readAllLines(ROOT.resolve("REPORT.md")).get(0);
        assertEquals(ReportBuilder.FIRST_LINE, first);
        assertTrue(first.contains("./attnref report") && first.contains("--quick") && first.contains("target/quick/"), first);
    }

    @Test
    void twoBuildsOfTheDerivedSectionsAreIdentical() {
        assertEquals(DerivedSections.all(ROOT), DerivedSections.all(ROOT));
    }

    @Test
    void derivedSectionsAreFoundBetweenTheirMarkers() {
        String text = "x\n" + ReportBuilder.derived("a", "one\ntwo") + "y\n" + ReportBuilder.derived("b", "three\n");
        assertEquals(Map.of("a", "one\ntwo\n", "b", "three\n"), ReportBuilder.derivedSectionsOf(text));
    }

    @Test
    void numbersUseThreeSignificantDigitsAndFullIntegers() {
        // 1234.5 → 1235 (3 s.f. keeps the integer part); 0.012345 → 0.0123; 4096 → 4,096; 2e-5 → 2.00e-05
        assertEquals("1235", Markdown.num(1234.5));
        assertEquals("0.0123", Markdown.num(0.012345));
        assertEquals("4,096", Markdown.num(4096));
        assertEquals("2.00e-05", Markdown.num(2e-5));
        assertEquals("512.0 KiB", Markdown.bytes(524_288));
    }
}
