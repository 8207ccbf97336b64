package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed reference-data/v1 is exactly what the generator writes today: every case is
 * recomputed (and cross-checked against the modules) in memory, and every byte of every file must
 * match. This is what makes the published vectors reproducible without recording a commit.
 */
class GoldenFilesTest {
    static final Path V1 = Path.of(GoldenGenerator.DEFAULT_DIRECTORY);

    @Test
    void regeneratingV1GivesTheCommittedBytes() throws IOException {
        Map<String, byte[]> generated = GoldenGenerator.files(GoldenGenerator.cases());
        TreeSet<String> committed = new TreeSet<>();
        try (Stream<Path> files = Files.list(V1)) {
            files.forEach(p -> committed.add(p.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(generated.keySet()), committed, "files of " + V1 + " vs the generator's");
        List<String> different = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : generated.entrySet()) {
            if (!Arrays.equals(e.getValue(), Files.readAllBytes(V1.resolve(e.getKey())))) {
                different.add(e.getKey());
            }
        }
        assertEquals(List.of(), different, "files whose bytes the generator no longer reproduces");
    }

    @Test
    void v1StaysSmall() throws IOException {
        long bytes;
        try (Stream<Path> files = Files.list(V1)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        // The brief's budget is a few MB; v1 is about 0.63 MB.
        assertTrue(bytes < 1_000_000, "reference-data/v1 holds " + bytes + " bytes");
    }
}
