package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.golden.OnnxConformance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnref conformance}, run through Main's sub-command list: a table row per case, the
 * summary line, and an exit code that is 0 only when every case passes.
 */
class ConformanceCommandTest {
    private static final Path CASES = OnnxConformance.defaultCaseDirectory();

    @Test
    void allCommittedCasesPassWithExitCodeZero() {
        CliRun r = CliRun.of("conformance");
        assertEquals(0, r.exitCode(), r.out());
        assertTrue(r.out().startsWith("case "), r.out());
        assertTrue(r.out().contains("ONNX Attention conformance: 76 passed, 0 failed"), r.out());
        String row = r.out().lines().filter(l -> l.startsWith("test_attention_4d_with_past_and_present_qk_matmul_bias "))
                .findFirst().orElseThrow();
        // Y [2,3,4,8] + present k, v [2,3,18,8] each + qk [2,3,4,18] = 192 + 864 + 864 + 432 = 2352 elements.
        assertTrue(row.matches("\\S+ +Y pk pv qk +2352 +2352 +0\\.000e\\+00 +rtol=0\\.001 atol=1\\.0E-7 +PASS"), row);
    }

    @Test
    void aBrokenCaseFailsTheRunAndIsNamed(@TempDir Path dir) throws IOException {
        String good = "test_attention_4d.json";
        String bad = "test_attention_4d_causal.json";
        Files.copy(CASES.resolve(good), dir.resolve(good));
        Files.writeString(dir.resolve(bad), Files.readString(CASES.resolve(bad)).replace("\"opset\":23", "\"opset\":99"));
        CliRun r = CliRun.of("conformance", "--dir", dir.toString());
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("ONNX Attention conformance: 1 passed, 1 failed"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("test_attention_4d_causal ") && l.endsWith("FAIL")), r.out());
        assertTrue(r.out().contains("FAIL test_attention_4d_causal: ONNX attention case"), r.out());
        assertTrue(r.out().contains("has opset 99; expected 23 or 24"), r.out());
    }

    @Test
    void aMissingFolderIsAOneLineUsageError(@TempDir Path dir) {
        CliRun r = CliRun.of("conformance", "--dir", dir.resolve("nowhere").toString());
        assertEquals(2, r.exitCode());
        assertEquals(2, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("attnref conformance: ") && r.err().contains("nowhere does not exist"), r.err());
    }

    @Test
    void jsonHoldsEveryCaseAndTheSummary(@TempDir Path dir) throws IOException {
        String good = "test_attention_4d.json";
        String bad = "test_attention_4d_causal.json";
        Files.copy(CASES.resolve(good), dir.resolve(good));
        Files.writeString(dir.resolve(bad), Files.readString(CASES.resolve(bad)).replace("\"opset\":23", "\"opset\":99"));
        CliRun r = CliRun.of("conformance", "--dir", dir.toString(), "--json");
        assertEquals(1, r.exitCode(), r.err());
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertEquals(1, report.path("passed").asInt());
        assertEquals(1, report.path("failed").asInt());
        JsonNode passed = report.path("cases").get(0);
        assertEquals("test_attention_4d", passed.path("case").asText());
        assertTrue(passed.path("passed").asBoolean());
        assertEquals("Y", passed.path("outputs").get(0).path("output").asText());
        assertEquals(0.001, passed.path("tolerance").path("rtol").asDouble());
        assertTrue(report.path("cases").get(1).path("error").asText().contains("has opset 99; expected 23 or 24"), r.out());
    }
}
