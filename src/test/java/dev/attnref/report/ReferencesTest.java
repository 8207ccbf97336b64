package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REPORT.md's sources: every citation resolves to a listed, anchored source; every arXiv id the report names is
 * listed; the issue's papers are all in the list; and every row of the quoted data files names a listed source.
 */
class ReferencesTest {
    private static final Path ROOT = Path.of(".");
    private static final Pattern CITATION = Pattern.compile("\\[\\[([^\\]]+)]]\\(#ref-([^)]+)\\)");
    private static final Pattern ARXIV = Pattern.compile("arXiv[: ]?(\\d{4}\\.\\d{4,5})");
    /** The papers issue #15 names. */
    private static final List<String> ISSUE_PAPERS = List.of("1911.02150", "2305.13245", "2104.09864", "2309.00071",
            "2405.04434", "2412.19437", "2412.19255", "2205.14135", "2307.08691");

    private static String report() throws IOException {
        return Files.readString(ROOT.resolve("REPORT.md"));
    }

    private static Set<String> keys() {
        return References.all().stream().map(References.Reference::key).collect(Collectors.toSet());
    }

    @Test
    void everyCitationInTheReportResolvesToAnAnchoredSource() throws IOException {
        String report = report();
        Matcher m = CITATION.matcher(report);
        int citations = 0;
        while (m.find()) {
            citations++;
            assertEquals(m.group(1), m.group(2), "citation text and anchor differ: " + m.group());
            assertTrue(keys().contains(m.group(1)), "citation [" + m.group(1) + "] is not in references.json");
            assertTrue(report.contains("<a id=\"ref-" + m.group(1) + "\"></a>"), "no anchor for " + m.group(1));
        }
        assertTrue(citations >= 30, "REPORT.md cites only " + citations + " times");
    }

    @Test
    void everyArxivIdTheReportNamesIsAListedSource() throws IOException {
        Set<String> listed = References.all().stream().map(References.Reference::source)
                .filter(s -> s.startsWith("arXiv:")).map(s -> s.substring("arXiv:".length())).collect(Collectors.toSet());
        Set<String> unlisted = new TreeSet<>();
        Matcher m = ARXIV.matcher(report());
        while (m.find()) {
            if (!listed.contains(m.group(1))) {
                unlisted.add(m.group(1));
            }
        }
        assertEquals(Set.of(), unlisted, "arXiv ids in REPORT.md missing from references.json");
    }

    @Test
    void theIssuesPapersAreListedInTheReportsReferences() throws IOException {
        String report = report();
        int start = report.lastIndexOf("\n## References");
        assertTrue(start >= 0, "REPORT.md has no references section");
        String references = report.substring(start);
        for (String id : ISSUE_PAPERS) {
            assertTrue(references.contains("arXiv:" + id), "references section lacks arXiv:" + id);
        }
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> References.cite("no-such-paper"));
        assertTrue(e.getMessage().contains("no-such-paper") && e.getMessage().contains("deepseek-v2"), e.getMessage());
        assertEquals("[[gqa]](#ref-gqa) Table 1", References.cite("gqa", "Table 1"));
    }

    @Test
    void aSourceTextIsCitedByTheArxivIdsAndAddressesItNames() {
        assertEquals("[[deepseek-v2]](#ref-deepseek-v2)", References.citeSources("DeepSeek-AI, arXiv:2405.04434, §3.1.2"));
        assertEquals("[[nvidia-h100]](#ref-nvidia-h100)",
                References.citeSources("datasheet (linked from https://www.nvidia.com/en-us/data-center/h100/)"));
        assertEquals("", References.citeSources("no paper here, arXiv:9999.99999"));
    }

    /** Every row (and device, model, count) of each quoted data file names its source by a listed key. */
    @Test
    void everyRowOfTheQuotedDataNamesAListedSource() throws IOException {
        int rows = 0;
        for (String resource : List.of(QuotedResults.RESOURCE, GpuCalibration.RESOURCE)) {
            JsonNode root;
            try (InputStream in = ReferencesTest.class.getResourceAsStream(resource)) {
                root = new ObjectMapper().readTree(in);
            }
            for (String array : List.of("rows", "devices", "models", "counts")) {
                for (JsonNode row : root.path(array)) {
                    rows++;
                    String source = row.path("source").asText("");
                    assertFalse(source.isBlank(), resource + " " + array + " row without a source: " + row);
                    String key = source.split("[: (]", 2)[0];
                    assertTrue(keys().contains(key), resource + ": source (" + source + ") does not start with a listed key");
                }
            }
        }
        assertTrue(rows > 40, "only " + rows + " rows read");
    }
}
