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
 * The committed reference-data/v1 and v2 are exactly what the generator writes today: every case is
 * recomputed (and cross-checked against the modules) in memory, and every byte of every file must
 * match. This is what makes the published vectors reproducible without recording a commit.
 */
class GoldenFilesTest {
    static final Path V1 = Path.of(GoldenGenerator.DEFAULT_DIRECTORY);
    static final Path V2 = Path.of(GoldenGenerator.directory("v2"));

    @Test
    void regeneratingV1GivesTheCommittedBytes() throws IOException {
        requireCommittedBytes(V1, GoldenGenerator.files(GoldenGenerator.cases()));
    }

    @Test
    void regeneratingV2GivesTheCommittedBytes() throws IOException {
        requireCommittedBytes(V2, GoldenGenerator.files("v2", GoldenGenerator.cases("v2")));
    }

    private static void requireCommittedBytes(Path dir, Map<String, byte[]> generated) throws IOException {
        TreeSet<String> committed = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> committed.add(p.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(generated.keySet()), committed, "files of " + dir + " vs the generator's");
        List<String> different = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : generated.entrySet()) {
            if (!Arrays.equals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())))) {
                different.add(e.getKey());
            }
        }
        assertEquals(List.of(), different, "files of " + dir + " whose bytes the generator no longer reproduces");
    }

    @Test
    void v1AndV2StaySmall() throws IOException {
        // The brief's budget is a few MB; v1 is about 0.63 MB.
        for (Path dir : List.of(V1, V2)) {
            long bytes;
            try (Stream<Path> files = Files.list(dir)) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(bytes < (dir == V1 ? 1_000_000 : 3_000_000), dir + " holds " + bytes + " bytes");
        }
    }
}
