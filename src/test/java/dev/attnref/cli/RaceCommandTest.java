package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnref race}'s option checks: each bad option is a one-line named error before anything runs. */
class RaceCommandTest {
    private static void assertRefused(String expectedStart, String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(2, run.errLines().size(), run.err());
        assertTrue(run.errLines().get(0).startsWith("attnref race: " + expectedStart), run.err());
        assertEquals("see: attnref race --help", run.errLines().get(1));
        assertEquals("", run.out(), "nothing raced or drawn");
    }

    @Test
    void aThreadCountBelowOneIsRefused() {
        assertRefused("--threads (0) must be positive", "race", "--threads", "0");
        assertRefused("--threads (-2) must be positive", "race", "--threads", "1,-2");
        assertRefused("--runs (0) must be positive", "race", "--runs", "0");
    }

    @Test
    void anOnlyFilterThatMatchesNothingIsRefused() {
        assertRefused("--only no-such-kernel matches no configuration of [", "race", "--only", "no-such-kernel");
    }

    @Test
    void aPhaseRunRefusesChartsAndOnlyFiltersOverTheRaceConfigurations(@TempDir Path dir) {
        assertRefused("--charts-only draws the race's charts; --phases has none", "race", "--phases", "--charts-only",
                "--out", dir.resolve("phases.csv").toString());
        // decode-gqa-S1024 is a race configuration, not a phase one; the error lists the phase ones
        assertRefused("--only decode-gqa-S1024 matches no configuration of [prefill-gqa-S2048, prefill-gqa-S2048-logits,",
                "race", "--phases", "--only", "decode-gqa-S1024");
    }

    @Test
    void chartsOnlyWithoutTheCsvIsRefused(@TempDir Path dir) {
        Path missing = dir.resolve("race.csv");
        assertRefused("--charts-only: no race results at " + missing, "race", "--charts-only", "--out", missing.toString());
        assertTrue(List.of(dir.toFile().list()).isEmpty(), "no chart written");
    }
}
