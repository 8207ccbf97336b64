package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code attnref trace} and {@code attnref generate}, run through Main as the launcher runs them. */
class ModelCommandsTest {
    private record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return Arrays.asList(out.split("\n"));
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String lineContaining(Run run, String text) {
        return run.lines().stream().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no line contains '" + text + "' in:\n" + run.out()));
    }

    @Test
    void traceGoesFromTokenIdsToLogitsThroughSeed001sStages() {
        Run run = run("trace", "--variant", "GQA", "--batch", "2", "--seq-len", "5");
        assertEquals(0, run.exitCode(), run.err());
        // M = 16, H = 4 → D = 4; GQA default G = 2; V = 32.
        assertTrue(lineContaining(run, "token ids").contains("(B, T)") && lineContaining(run, "token ids").contains("[2, 5]"));
        assertTrue(lineContaining(run, "embedding").contains("[2, 5, 16]"));
        assertTrue(lineContaining(run, "K = x·W_Kᵀ").contains("[2, 5, 8]"));
        assertTrue(lineContaining(run, "scores").contains("(B, H, T, S)") && lineContaining(run, "scores").contains("[2, 4, 5, 5]"));
        String last = run.lines().get(run.lines().size() - 1);
        assertTrue(last.contains("LM head") && last.contains("(B, T, V)") && last.contains("[2, 5, 32]"), last);
    }

    @Test
    void traceVariantsSetTheNumberOfKvHeads() {
        assertTrue(lineContaining(run("trace", "--variant", "MQA"), "K = x·W_Kᵀ").contains("[2, 5, 4]"));
        assertTrue(lineContaining(run("trace", "--variant", "MHA"), "K = x·W_Kᵀ").contains("[2, 5, 16]"));
        Run learned = run("trace", "--position", "LEARNED", "--ffn", "GELU", "--norm", "LAYER", "--placement", "POST");
        assertEquals(0, learned.exitCode(), learned.err());
        assertTrue(learned.out().contains("+ learned positions") && !learned.out().contains("RoPE(Q)"), learned.out());
        assertTrue(lineContaining(learned, "gelu(·)").contains("[2, 5, 64]"), learned.out());
    }

    @Test
    void traceShowsTheCacheOfEachLatentVariant() {
        // Defaults: B = 2, T = 5, M = 16, H = 4; MLA C = 6, P = 2, D_nope = 4, Dv = 4; MFA C = 6.
        Run absorbed = run("trace", "--variant", "MLA");
        assertEquals(0, absorbed.exitCode(), absorbed.err());
        assertTrue(lineContaining(absorbed, "cache: latent c_kv").contains("(B, S, C)")
                && lineContaining(absorbed, "cache: latent c_kv").contains("[2, 5, 6]"), absorbed.out());
        assertTrue(lineContaining(absorbed, "k_R").contains("[2, 5, 2]"), absorbed.out());
        Run naive = run("trace", "--variant", "MLA", "--mla-form", "NAIVE", "--kv-lora-rank", "3");
        assertTrue(lineContaining(naive, "cache: keys").contains("[2, 4, 5, 6]"), naive.out());    // D_nope + P = 6
        assertTrue(lineContaining(naive, "cache: values").contains("[2, 4, 5, 4]"), naive.out());
        Run mfa = run("trace", "--variant", "MFA", "--mfa-head-dim", "8");
        assertTrue(lineContaining(mfa, "cache: shared value").contains("[2, 5, 8]"), mfa.out());
        Run keyReuse = run("trace", "--variant", "MFA-KR");
        assertTrue(keyReuse.out().startsWith("attnref trace: MFA-KR"), keyReuse.out());
        assertTrue(lineContaining(keyReuse, "before RoPE").contains("[2, 5, 6]") && !keyReuse.out().contains("shared value"),
                keyReuse.out());
        assertTrue(lineContaining(keyReuse, "scores").contains("[2, 4, 5, 5]"), keyReuse.out());
    }

    @Test
    void badModelOptionsAreUsageErrorsNamingTheValue() {
        Run badHeads = run("trace", "--variant", "GQA", "--heads", "6", "--kv-heads", "4", "--model-width", "12");
        assertEquals(2, badHeads.exitCode());
        assertTrue(badHeads.err().contains("numKvHeads (4) must divide numHeads (6)"), badHeads.err());
        Run oddRope = run("trace", "--variant", "MLA", "--qk-rope-dim", "3");
        assertEquals(2, oddRope.exitCode());
        assertTrue(oddRope.err().contains("qkRopeHeadDim (3)") && oddRope.err().contains("Usage: attnref trace"),
                oddRope.err());
        Run kvHeads = run("generate", "--variant", "MFA", "--kv-heads", "2");
        assertEquals(2, kvHeads.exitCode());
        assertTrue(kvHeads.err().contains("--kv-heads (2)"), kvHeads.err());
        Run learned = run("trace", "--variant", "MFA-KR", "--position", "LEARNED");
        assertEquals(2, learned.exitCode());
        assertTrue(learned.err().contains("position (LEARNED) must be ROPE"), learned.err());
        Run unknown = run("trace", "--variant", "MXA");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("MXA"), unknown.err());
    }

    @Test
    void generateOnEveryLatentVariantAgreesWithoutTheCache() {
        for (String variant : new String[] {"MLA", "MFA", "MFA-KR"}) {
            Run run = run("generate", "--variant", variant, "--steps", "4", "--check-cache");
            assertEquals(0, run.exitCode(), variant + ": " + run.err());
            assertTrue(run.out().contains("tokens identical"), run.out());
        }
        Run naive = run("generate", "--variant", "MLA", "--mla-form", "NAIVE", "--greedy", "--steps", "3");
        Run absorbed = run("generate", "--variant", "MLA", "--mla-form", "ABSORBED", "--greedy", "--steps", "3");
        assertEquals(lineContaining(naive, "tokens:"), lineContaining(absorbed, "tokens:"), "same weights, same greedy tokens");
    }

    @Test
    void generatePrintsEachTokenWithItsProbabilityAndAgreesWithoutTheCache() {
        Run run = run("generate", "--steps", "6", "--temperature", "0.8", "--top-k", "8", "--top-p", "0.95",
                "--penalty", "1.2", "--seed", "3", "--check-cache");
        assertEquals(0, run.exitCode(), run.err());
        List<String> stepLines = run.lines().stream().filter(l -> l.matches("\\s+\\d+\\s+\\d+\\s+\\d+\\s+[0-9.E-]+")).toList();
        assertEquals(6, stepLines.size(), run.out());
        for (String line : stepLines) {
            double p = Double.parseDouble(line.trim().split("\\s+")[3]);
            assertTrue(p > 0 && p <= 1, line);
        }
        assertTrue(lineContaining(run, "cache check").contains("tokens identical"), run.out());
    }

    @Test
    void generateIsReproducibleForASeedAndVariesAcrossSeeds() {
        Run first = run("generate", "--steps", "10", "--seed", "11");
        Run again = run("generate", "--steps", "10", "--seed", "11");
        Run other = run("generate", "--steps", "10", "--seed", "12");
        assertEquals(first.out(), again.out());
        assertNotEquals(lineContaining(first, "tokens:"), lineContaining(other, "tokens:"));
    }

    @Test
    void generateRejectsANonPositiveTemperature() {
        Run run = run("generate", "--temperature", "0");
        assertEquals(2, run.exitCode(), "a bad option value is a usage error");
        assertTrue(run.err().contains("temperature (0.0)") && run.err().contains("greedy"), run.err());
        Run greedy = run("generate", "--greedy", "--steps", "3");
        assertEquals(0, greedy.exitCode(), greedy.err());
        assertTrue(greedy.out().contains("decoding: greedy"), greedy.out());
    }
}
