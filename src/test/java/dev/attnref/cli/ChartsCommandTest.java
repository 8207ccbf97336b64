package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code attnref charts}'s argument checks: each bad call is a one-line named error before anything is drawn. */
class ChartsCommandTest {
    private static void assertRefused(String expectedStart, String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.errLines().get(0).startsWith("attnref charts: " + expectedStart), run.err());
        assertEquals("see: attnref charts --help", run.errLines().get(run.errLines().size() - 1));
        assertEquals("", run.out(), "nothing drawn");
    }

    @Test
    void neitherIdsNorAllIsRefused() {
        assertRefused("give experiment IDs (E01 … E08, fast-race) or --all, not both or neither", "charts");
        assertRefused("give experiment IDs", "charts", "E02", "--all");
    }

    @Test
    void anUnknownExperimentIsRefusedWithTheKnownOnes() {
        assertRefused("unknown experiment (E99); expected one of E01 (E01-kv-cache)", "charts", "E99");
    }
}
