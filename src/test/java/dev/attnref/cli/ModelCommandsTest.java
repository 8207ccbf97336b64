package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code attnref trace} and {@code attnref generate}, run through Main as the launcher runs them. */
class ModelCommandsTest {
    private static String lineContaining(CliRun run, String text) {
        return run.lines().stream().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no line contains '" + text + "' in:\n" + run.out()));
    }

    @Test
    void traceGoesFromTokenIdsToLogitsThroughSeed001sStages() {
        CliRun run = CliRun.of("trace", "--variant", "GQA", "--batch", "2", "--seq-len", "5");
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
        assertTrue(lineContaining(CliRun.of("trace", "--variant", "MQA"), "K = x·W_Kᵀ").contains("[2, 5, 4]"));
        assertTrue(lineContaining(CliRun.of("trace", "--variant", "MHA"), "K = x·W_Kᵀ").contains("[2, 5, 16]"));
        CliRun learned = CliRun.of("trace", "--position", "LEARNED", "--ffn", "GELU", "--norm", "LAYER", "--placement", "POST");
        assertEquals(0, learned.exitCode(), learned.err());
        assertTrue(learned.out().contains("+ learned positions") && !learned.out().contains("RoPE(Q)"), learned.out());
        assertTrue(lineContaining(learned, "gelu(·)").contains("[2, 5, 64]"), learned.out());
    }

    @Test
    void traceShowsTheCacheOfEachLatentVariant() {
        // Defaults: B = 2, T = 5, M = 16, H = 4; MLA C = 6, P = 2, D_nope = 4, Dv = 4; MFA C = 6.
        CliRun absorbed = CliRun.of("trace", "--variant", "MLA");
        assertEquals(0, absorbed.exitCode(), absorbed.err());
        assertTrue(lineContaining(absorbed, "cache: latent c_kv").contains("(B, S, C)")
                && lineContaining(absorbed, "cache: latent c_kv").contains("[2, 5, 6]"), absorbed.out());
        assertTrue(lineContaining(absorbed, "k_R").contains("[2, 5, 2]"), absorbed.out());
        CliRun naive = CliRun.of("trace", "--variant", "MLA", "--mla-form", "NAIVE", "--kv-lora-rank", "3");
        assertTrue(lineContaining(naive, "cache: keys").contains("[2, 4, 5, 6]"), naive.out());    // D_nope + P = 6
        assertTrue(lineContaining(naive, "cache: values").contains("[2, 4, 5, 4]"), naive.out());
        CliRun mfa = CliRun.of("trace", "--variant", "MFA", "--mfa-head-dim", "8");
        assertTrue(lineContaining(mfa, "cache: shared value").contains("[2, 5, 8]"), mfa.out());
        CliRun keyReuse = CliRun.of("trace", "--variant", "MFA-KR");
        assertTrue(keyReuse.out().startsWith("attnref trace: MFA-KR"), keyReuse.out());
        assertTrue(lineContaining(keyReuse, "before RoPE").contains("[2, 5, 6]") && !keyReuse.out().contains("shared value"),
                keyReuse.out());
        assertTrue(lineContaining(keyReuse, "scores").contains("[2, 4, 5, 5]"), keyReuse.out());
    }

    /** Each step, in order, with its symbolic and numeric shape, as the trace prints it. */
    private static void assertSteps(CliRun run, String... stepsAndShapes) {
        assertEquals(0, run.exitCode(), run.err());
        int from = 0;
        for (int i = 0; i < stepsAndShapes.length; i += 2) {
            String step = stepsAndShapes[i];
            int at = from;
            while (at < run.lines().size() && !run.lines().get(at).trim().startsWith(step)) {
                at++;
            }
            assertTrue(at < run.lines().size(), "no step '" + step + "' after line " + from + " in:\n" + run.out());
            assertTrue(run.lines().get(at).endsWith(stepsAndShapes[i + 1]), run.lines().get(at));
            from = at + 1;
        }
    }

    @Test
    void traceShowsEveryProjectionStepOfTheLatentVariants() {
        // Defaults: B = 2, T = S = 5, M = 16, H = 4; MLA C_q = 8, C = 6, D_nope = 4, P = 2, Dv = 4; MFA C_q = 8, C = 6.
        String[] mlaQueryAndLatent = {"c̃_q = x·W_DQᵀ", "(B, T, C_q)      [2, 5, 8]",
                "c_q = RMSNorm(c̃_q)", "(B, T, C_q)      [2, 5, 8]",
                "q = c_q·W_UQᵀ, split heads", "(B, H, T, Dn+P)  [2, 4, 5, 6]",
                "q_C", "(B, H, T, Dn)    [2, 4, 5, 4]", "q_R ← RoPE(q̃_R)", "(B, H, T, P)     [2, 4, 5, 2]",
                "[c̃_kv | k̃_R] = x·W_DKVᵀ", "(B, T, C+P)      [2, 5, 8]",
                "c_kv = RMSNorm(c̃_kv)", "(B, T, C)        [2, 5, 6]", "k_R ← RoPE(k̃_R)", "(B, T, P)        [2, 5, 2]"};
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MLA"), mlaQueryAndLatent);
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MLA"),
                "q̂ = q_C·W_UK,i", "(B, H, T, C)     [2, 4, 5, 6]", "cache: latent c_kv", "(B, S, C)        [2, 5, 6]",
                "softmax over S", "(B, H, T, S)     [2, 4, 5, 5]", "ô = p·c_kv", "(B, H, T, C)     [2, 4, 5, 6]",
                "o = ô·W_UV,iᵀ per head", "(B, H, T, Dv)    [2, 4, 5, 4]", "merge heads", "(B, T, H·Dv)     [2, 5, 16]",
                "out = merged·W_Oᵀ", "(B, T, M)        [2, 5, 16]");
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MLA", "--mla-form", "NAIVE"), mlaQueryAndLatent);
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MLA", "--mla-form", "NAIVE"),
                "k_C = c_kv·W_UK,iᵀ per head", "(B, H, T, Dn)    [2, 4, 5, 4]",
                "v = c_kv·W_UV,iᵀ per head", "(B, H, T, Dv)    [2, 4, 5, 4]",
                "cache: keys", "(B, H, S, Dn+P)  [2, 4, 5, 6]", "o = p·V", "(B, H, T, Dv)    [2, 4, 5, 4]",
                "merge heads", "(B, T, H·Dv)     [2, 5, 16]", "out = merged·W_Oᵀ", "(B, T, M)        [2, 5, 16]");
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MFA"),
                "c̃_q = x·S_Qᵀ", "(B, T, C_q)   [2, 5, 8]", "q = c_q·Q_Cᵀ, split heads", "(B, H, T, C)  [2, 4, 5, 6]",
                "q ← RoPE(q)", "(B, H, T, C)  [2, 4, 5, 6]", "k̃ = x·S_Kᵀ", "(B, T, C)     [2, 5, 6]",
                "v = x·S_Vᵀ", "(B, T, C)     [2, 5, 6]", "o = p·v", "(B, H, T, C)  [2, 4, 5, 6]",
                "merge heads", "(B, T, H·C)   [2, 5, 24]", "out = merged·W_Oᵀ", "(B, T, M)     [2, 5, 16]");
        assertSteps(CliRun.of("trace", "--layers", "1", "--variant", "MFA-KR"),
                "k̄ = x·S_Kᵀ (cached before RoPE)", "(B, T, C)     [2, 5, 6]", "ō = p·k̄", "(B, H, T, C)  [2, 4, 5, 6]",
                "merge heads", "(B, T, H·C)   [2, 5, 24]");
        assertTrue(CliRun.of("trace", "--variant", "MLA", "--q-lora-rank", "0").out().contains("q = x·W_Qᵀ, split heads"));
    }

    /** A bad option is one line naming the option as typed and its value, then where to read more; exit code 2. */
    private static void assertUsageError(String expected, String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), String.join(" ", args));
        assertEquals(List.of("attnref " + args[0] + ": " + expected, "see: attnref " + args[0] + " --help"), run.errLines());
        assertEquals("", run.out());
    }

    @Test
    void badModelOptionsAreOneLineErrorsNamingTheOptionAndValue() {
        assertUsageError("--kv-heads (4) must divide --heads (6)",
                "trace", "--variant", "GQA", "--heads", "6", "--kv-heads", "4", "--model-width", "12");
        assertUsageError("--heads (-2) must be positive", "trace", "--heads", "-2");
        assertUsageError("--qk-rope-dim (3) must be even: rotary dimensions rotate in pairs",
                "trace", "--variant", "MLA", "--qk-rope-dim", "3");
        assertUsageError("MFA --mfa-head-dim (5) must be even: RoPE rotates every pair of the shared head",
                "generate", "--variant", "MFA", "--mfa-head-dim", "5");
        assertUsageError("--kv-heads (2) and --head-dim (0) apply to MHA, MQA and GQA only; MFA takes its widths from its own options",
                "generate", "--variant", "MFA", "--kv-heads", "2");
        assertUsageError("--position (LEARNED) must be ROPE with MFA-KR attention: it applies RoPE inside attention and "
                + "takes no added position table", "trace", "--variant", "MFA-KR", "--position", "LEARNED");
        assertUsageError("--batch (0) must be positive", "trace", "--batch", "0");
        assertUsageError("--steps (-1) must be non-negative", "generate", "--steps", "-1");
        CliRun unknown = CliRun.of("trace", "--variant", "MXA");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.errLines().get(0).contains("MXA") && unknown.errLines().size() == 2, unknown.err());
    }

    @Test
    void traceJsonHoldsEveryStageWithItsCheckedShape() throws Exception {
        JsonNode trace = new ObjectMapper().readTree(CliRun.of("trace", "--layers", "1", "--json").out());
        assertEquals("GQA", trace.path("variant").asText());
        assertEquals(1, trace.path("blocks").asInt());
        assertEquals(5, trace.path("sizes").path("T").asInt());
        JsonNode first = trace.path("stages").get(0);
        assertEquals("token ids", first.path("stage").asText());
        assertEquals("[2,5]", first.path("shape").toString());
        JsonNode last = trace.path("stages").get(trace.path("stages").size() - 1);
        assertEquals("B, T, V", last.path("axes").asText());
        assertEquals("[2,5,32]", last.path("shape").toString());
    }

    @Test
    void oneBlockIsSingular() {
        assertTrue(CliRun.of("trace", "--layers", "1").out().startsWith("attnref trace: GQA, 1 block, "));
        assertTrue(CliRun.of("trace", "--layers", "3").out().startsWith("attnref trace: GQA, 3 blocks, "));
        assertTrue(CliRun.of("generate", "--layers", "1", "--steps", "1").out().contains(", 1 block, model seed"));
    }

    @Test
    void generateJsonMatchesTheTextRun() throws Exception {
        CliRun text = CliRun.of("generate", "--steps", "4", "--seed", "5", "--check-cache");
        CliRun json = CliRun.of("generate", "--steps", "4", "--seed", "5", "--check-cache", "--json");
        assertEquals(0, json.exitCode(), json.err());
        JsonNode run = new ObjectMapper().readTree(json.out());
        StringBuilder tokens = new StringBuilder();
        run.path("tokens").forEach(t -> tokens.append(tokens.isEmpty() ? "" : " ").append(t.asInt()));
        assertEquals(lineContaining(text, "tokens:"), "tokens: 1 2 3 | " + tokens);
        assertEquals(4, run.path("steps").size());
        assertTrue(run.path("cacheCheck").path("sameTokens").asBoolean(), json.out());
    }

    @Test
    void generateOnEveryLatentVariantAgreesWithoutTheCache() {
        for (String variant : new String[] {"MLA", "MFA", "MFA-KR"}) {
            CliRun run = CliRun.of("generate", "--variant", variant, "--steps", "4", "--check-cache");
            assertEquals(0, run.exitCode(), variant + ": " + run.err());
            assertTrue(run.out().contains("tokens identical"), run.out());
        }
        CliRun naive = CliRun.of("generate", "--variant", "MLA", "--mla-form", "NAIVE", "--greedy", "--steps", "3");
        CliRun absorbed = CliRun.of("generate", "--variant", "MLA", "--mla-form", "ABSORBED", "--greedy", "--steps", "3");
        assertEquals(lineContaining(naive, "tokens:"), lineContaining(absorbed, "tokens:"), "same weights, same greedy tokens");
    }

    @Test
    void generatePrintsEachTokenWithItsProbabilityAndAgreesWithoutTheCache() {
        CliRun run = CliRun.of("generate", "--steps", "6", "--temperature", "0.8", "--top-k", "8", "--top-p", "0.95",
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
        CliRun first = CliRun.of("generate", "--steps", "10", "--seed", "11");
        CliRun again = CliRun.of("generate", "--steps", "10", "--seed", "11");
        CliRun other = CliRun.of("generate", "--steps", "10", "--seed", "12");
        assertEquals(first.out(), again.out());
        assertNotEquals(lineContaining(first, "tokens:"), lineContaining(other, "tokens:"));
    }

    @Test
    void generateRejectsANonPositiveTemperature() {
        CliRun run = CliRun.of("generate", "--temperature", "0");
        assertEquals(2, run.exitCode(), "a bad option value is a usage error");
        assertTrue(run.err().contains("temperature (0.0)") && run.err().contains("greedy"), run.err());
        CliRun greedy = CliRun.of("generate", "--greedy", "--steps", "3");
        assertEquals(0, greedy.exitCode(), greedy.err());
        assertTrue(greedy.out().contains("decoding: greedy"), greedy.out());
    }
}
