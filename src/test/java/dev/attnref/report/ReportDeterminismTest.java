package dev.attnref.report;

import org.junit.jupiter.api.Test;

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

    @Test
    void reportSaysOnItsFirstLineThatItIsGeneratedAndHowToRegenerate() throws IOException {
        String first = Files.readAllLines(ROOT.resolve("REPORT.md")).get(0);
        assertEquals(ReportBuilder.FIRST_LINE, first);
        assertTrue(first.contains("./attnref report") && first.contains("--quick"), first);
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
