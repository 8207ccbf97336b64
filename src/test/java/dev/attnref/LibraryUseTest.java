package dev.attnref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.*;
import dev.attnref.core.*;
import dev.attnref.golden.*;
import dev.attnref.oracle.*;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use it as a library" snippet, compiled and run here exactly as printed there: a
 * module, the oracle checking it, and the golden verifier judging a candidate file.
 */
class LibraryUseTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();

    @Test
    void theReadmeSnippetRunsAModuleTheOracleAndTheGoldenVerifier() throws IOException {
        // README snippet begin
        // A module: causal GQA, model width M = 16, H = 4 query heads sharing G = 2 key/value heads of width D = 4.
        AttentionConfig config = AttentionConfig.builder(16, 4, 2, 4).causal(true).build();
        GroupedQueryAttention gqa = GroupedQueryAttention.seeded(config, new SeededRandom(1));
        Tensor x = Tensor.randn(new SeededRandom(2), 1.0, 1, 5, 16);                // [B, T, M]
        var result = gqa.forward(x);                             // output [1, 5, 16], probabilities [1, 4, 5, 5]

        // The oracle: the same attention as plain loops, given the module's own projections as
        // row-major arrays: q [B, H, T, D], k and v [B, G, S, D].
        double[] q = gqa.weights().query().forward(x).view(1, 5, 4, 4).transpose(1, 2).toArray();
        double[] k = gqa.weights().key().forward(x).view(1, 5, 2, 4).transpose(1, 2).toArray();
        double[] v = gqa.weights().value().forward(x).view(1, 5, 2, 4).transpose(1, 2).toArray();
        AttentionResult oracle = OracleAttention.attend(AttentionProblem.builder()
                .batch(1).numHeads(4).numKvHeads(2).qLen(5).newKvLen(5).headDim(4).valueHeadDim(4)
                .query(q).key(k).value(v).causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT)).build());
        double[] moduleProbabilities = result.probabilities().toArray();      // equal to oracle.probabilities()

        // The golden verifier: judge a port's outputs file against a committed case. Here the
        // reference's own outputs stand in for the file your port writes.
        GoldenCase golden = GoldenCase.read(Path.of("reference-data/v1/attention-gqa-h6-g2.json"));
        byte[] candidate = GoldenCompute.outputsFile(golden, GoldenCompute.compute(golden));
        GoldenVerifier.CaseReport report = GoldenVerifier.verify(golden, Safetensors.read(candidate));
        System.out.println(report.caseId() + (report.passed() ? ": passed" : ": failed " + report.tensors()));
        // README snippet end

        assertArrayEquals(new int[] {1, 5, 16}, result.output().shape());
        assertArrayEquals(oracle.probabilities(), moduleProbabilities, Tolerances.SAME_MATH);
        assertEquals(0.0, moduleProbabilities[1], "causal: query 0 of head 0 does not see key 1");
        assertTrue(report.passed(), report.toString());
    }

    @Test
    void theReadmePrintsTheSnippetThatRunsHere() throws IOException {
        String test = Files.readString(ROOT.resolve("src/test/java/dev/attnref/LibraryUseTest.java"));
        Matcher body = Pattern.compile("(?s)// README snippet begin\n(.*?)\n\\s*// README snippet end").matcher(test);
        assertTrue(body.find(), "no snippet markers in LibraryUseTest");
        String snippet = body.group(1).replaceAll("(?m)^ {8}", "");
        Matcher readme = Pattern.compile("(?s)## Use it as a library\n.*?```java\n(.*?)\n```")
                .matcher(Files.readString(ROOT.resolve("README.md")));
        assertTrue(readme.find(), "README.md has no java block under '## Use it as a library'");
        assertEquals(snippet, readme.group(1));
    }
}
