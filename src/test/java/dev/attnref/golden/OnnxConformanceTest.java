package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The 76 ONNX {@code Attention}-23/24 node tests of {@code reference-data/onnx-attention}
 * replayed on the float64 oracle: one dynamic test per case, named by the case, asserting every
 * expected output (Y, and present_key / present_value / qk_matmul_output where the case has them)
 * at the case's tolerance (ONNX node-test default rtol = 1e-3, atol = 1e-7; −∞ matched exactly).
 * The goldens come from the ONNX project (an independent implementation), not from this code.
 */
class OnnxConformanceTest {
    /** The README's count: 65 opset-23 and 11 opset-24 cases. */
    private static final int CASE_COUNT = 76;

    private static final Path DIRECTORY = OnnxConformance.defaultCaseDirectory();

    @TestFactory
    Stream<DynamicTest> everyOnnxAttentionCasePassesAtItsTolerance() {
        return OnnxConformance.caseFiles(DIRECTORY).stream().map(file -> DynamicTest.dynamicTest(
                file.getFileName().toString().replaceFirst("\\.json$", ""), file.toUri(), () -> {
                    OnnxAttentionCase testCase = OnnxAttentionCase.read(file);
                    OnnxConformance.CaseReport report = OnnxConformance.check(testCase);
                    assertEquals(null, report.error(), "case could not be run");
                    assertEquals(new ArrayList<>(testCase.outputs().keySet()),
                            report.checks().stream().map(OnnxConformance.OutputCheck::output).toList(),
                            "every expected output is checked");
                    List<String> failures = new ArrayList<>();
                    for (OnnxConformance.OutputCheck check : report.checks()) {
                        if (!check.passed()) {
                            failures.add(check.output() + ": " + check.firstFailure());
                        }
                    }
                    assertEquals(List.of(), failures, "outputs outside " + testCase.tolerance());
                    assertTrue(report.passed());
                }));
    }

    @Test
    void theSuiteHoldsAll76CasesOfTheIndex() throws IOException {
        List<String> files = OnnxConformance.caseFiles(DIRECTORY).stream()
                .map(p -> p.getFileName().toString()).toList();
        assertEquals(CASE_COUNT, files.size(), "case files in " + DIRECTORY);
        JsonNode index = new ObjectMapper().readTree(DIRECTORY.resolve("index.json").toFile());
        assertEquals(CASE_COUNT, index.get("case_count").asInt());
        List<String> indexed = new ArrayList<>();
        index.get("cases").forEach(c -> indexed.add(c.get("file").asText()));
        assertEquals(indexed.stream().sorted().toList(), files, "index.json and the folder list the same cases");
    }

    @Test
    void all133OutputTensorsAreCheckedAndEveryElementIsExactAfterOneRounding() {
        // README, "Numerical notes": an independent float64 model rounded once to the output dtype
        // reproduces all 57,568 elements of the 133 output tensors bit for bit. A float64 oracle must
        // too: this is stronger than the tolerance rule and catches a slip far below 1e-3.
        int tensors = 0;
        int elements = 0;
        List<String> inexact = new ArrayList<>();
        for (Path file : OnnxConformance.caseFiles(DIRECTORY)) {
            OnnxConformance.CaseReport report = OnnxConformance.run(file);
            for (OnnxConformance.OutputCheck check : report.checks()) {
                tensors++;
                elements += check.elements();
                if (check.exactElements() != check.elements()) {
                    inexact.add(report.name() + " " + check.output() + ": " + check.exactElements() + " of "
                            + check.elements() + " exact, max |diff| " + check.maxAbsError());
                }
            }
        }
        assertEquals(133, tensors);
        assertEquals(57_568, elements);
        assertEquals(List.of(), inexact);
    }

    @Test
    void opsetsSplit65And11AsTheReadmeSays() {
        int opset23 = 0;
        int opset24 = 0;
        for (Path file : OnnxConformance.caseFiles(DIRECTORY)) {
            if (OnnxAttentionCase.read(file).opset() == 23) {
                opset23++;
            } else {
                opset24++;
            }
        }
        assertEquals(65, opset23);
        assertEquals(11, opset24);
    }
}
