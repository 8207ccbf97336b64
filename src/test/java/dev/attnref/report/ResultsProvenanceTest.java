package dev.attnref.report;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every committed result was produced from a committed state of the code: no CSV in
 * {@code experiments/*}{@code /results/} carries a {@code -dirty} commit stamp (a stamp written from a
 * working tree with uncommitted changes, which no commit reproduces).
 */
class ResultsProvenanceTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();

    private static List<Path> resultCsvs() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve("experiments"), 3)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".csv"))
                    .filter(f -> f.getParent().getFileName().toString().equals("results")).sorted().toList();
        }
    }

    @Test
    void noCommittedResultIsStampedDirty() throws IOException {
        List<Path> csvs = resultCsvs();
        assertTrue(csvs.size() >= 20, "found only " + csvs.size() + " result CSVs under experiments/*/results");
        List<String> dirty = csvs.stream().filter(ResultsProvenanceTest::stampedDirty)
                .map(f -> ROOT.relativize(f).toString()).toList();
        assertTrue(dirty.isEmpty(), "result CSVs stamped from uncommitted code (rerun them from a clean commit): " + dirty);
    }

    @Test
    void aDirtyStampIsRecognised() {
        assertTrue(dirty("a,b,commit\n1,2,c8ac9021c26c-dirty\n"));
        assertFalse(dirty("a,b,commit\n1,2,c8ac9021c26c\n"));
    }

    private static boolean stampedDirty(Path csv) {
        try {
            return dirty(Files.readString(csv));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + csv, e);
        }
    }

    /** A commit stamp is 12 hex digits; uncommitted changes append {@code -dirty}. */
    private static boolean dirty(String csv) {
        return csv.matches("(?s).*\\b[0-9a-f]{12}-dirty\\b.*");
    }
}
