package dev.attnref.report;

import dev.attnref.experiment.Results;
import dev.attnref.mirror.BugCatalogue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report opens with its summary: on the first screen, every link landing on a heading of the report, one row
 * per claim with the verdict its rule derives, and counts and figures that agree with the files they come from.
 */
class SummarySectionTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();
    private static String report;
    private static String summary;

    @BeforeAll
    static void build() {
        report = new ReportBuilder(ROOT, null).build();
        int start = report.indexOf(SummarySection.HEADING + "\n");
        summary = report.substring(start, report.indexOf("\nTwo kinds of section", start) + 1);
    }

    @Test
    void theSummaryIsTheFirstScreen() {
        List<String> lines = report.lines().toList();
        assertTrue(lines.indexOf(SummarySection.HEADING) <= 6, "summary starts at line " + lines.indexOf(SummarySection.HEADING));
        assertTrue(summary.lines().count() <= 50, "the summary has " + summary.lines().count() + " lines:\n" + summary);
        assertTrue(report.indexOf("## 1. ") > report.indexOf(SummarySection.HEADING), "section 1 comes before the summary");
    }

    @Test
    void githubSlugsOfTheReportsHeadings() {
        assertEquals("2-kv-cache-derived-e01", SummarySection.slug("2. KV cache (derived; E01)"));
        assertEquals("e02--decode-time-vs-cache-length", SummarySection.slug("E02 — Decode time vs cache length"));
        assertEquals("fast-float32-kernels-vs-onnx-runtime-attnref-race",
                SummarySection.slug("Fast float32 kernels vs ONNX Runtime (`attnref race`)"));
        assertEquals(Map.of("A", "#a", "B", "#b"), SummarySection.anchors("# A\ntext\n## B\n"));
        assertEquals("#a-1", SummarySection.anchors("# A\n## A!\n").get("A!"));
    }

    @Test
    void everyLineOfTheSummaryLinksToAHeadingOfTheReport() {
        Map<String, String> anchors = SummarySection.anchors(report);
        Matcher link = Pattern.compile("\\]\\((#[^)]+)\\)").matcher(summary);
        int links = 0;
        while (link.find()) {
            assertTrue(anchors.containsValue(link.group(1)), "no heading has the anchor " + link.group(1));
            links++;
        }
        assertTrue(links >= 30, "only " + links + " links");
        summary.lines().filter(l -> l.startsWith("- ") || l.startsWith("| C-") || l.startsWith("**"))
                .forEach(l -> assertTrue(l.contains("](#"), "line without a link: " + l));
    }

    @Test
    void oneRowPerClaimWithTheVerdictItsRuleDerives() {
        for (ClaimsLedger.Decided d : ClaimsLedger.load().decide(ROOT)) {
            String row = summary.lines().filter(l -> l.startsWith("| [" + d.claim().id() + "]")).findFirst()
                    .orElseThrow(() -> new AssertionError("no summary row for " + d.claim().id()));
            assertTrue(row.contains("**" + d.verdict().label() + "**"), row);
        }
    }

    @Test
    void countsAgreeWithTheFilesTheyCountFrom() throws IOException {
        long onnx;
        try (Stream<Path> files = Files.list(ROOT.resolve("reference-data/onnx-attention"))) {
            onnx = files.filter(f -> f.getFileName().toString().startsWith("test_attention_")).count();
        }
        assertTrue(summary.contains(onnx + " of " + onnx + " ONNX"), summary);
        assertTrue(summary.contains(BugCatalogue.load().bugs().size() + " bugs in the seeds' code"), summary);
        int laws = 0;
        try (Stream<Path> files = Files.walk(ROOT.resolve("src/test/java/dev/attnref"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/property/")).toList()) {
                String source = Files.readString(f);
                for (int at = source.indexOf("Property.of(\""); at >= 0; at = source.indexOf("Property.of(\"", at + 1)) {
                    laws++;
                }
            }
        }
        assertTrue(summary.contains(laws + " seeded property laws"), laws + " laws expected in\n" + summary);
    }

    @Test
    void decodeFiguresAreTheCommittedMediansAtTheLongestCache() {
        Table decode = Results.read(ROOT.resolve("experiments/E02-decode/results/decode_measured.csv"));
        double longest = decode.numberColumn("cache_length").max();
        int found = 0;
        for (int r = 0; r < decode.rowCount(); r++) {
            if (Results.number(decode, "cache_length", r) == longest) {
                String figure = Results.text(decode, "variant", r) + " " + Markdown.num(Results.number(decode, "median_ms", r))
                        + " ms [";
                assertTrue(summary.contains(figure), "missing " + figure);
                found++;
            }
        }
        assertTrue(found >= 3, "only " + found + " decode rows at the longest cache");
    }

    @Test
    void aHeadingTheSummaryLinksToIsNamedWhenMissing() {
        String withoutLedger = report.replace(summary, "").replace("Claims ledger", "Ledger of claims");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SummarySection.insertAfterTitle(ROOT, withoutLedger));
        assertTrue(e.getMessage().contains("'Claims ledger'"), e.getMessage());
    }
}
