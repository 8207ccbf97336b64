package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading ONNX attention case files: a real case decodes to the values and attributes its JSON
 * states, and each kind of malformed file fails with a message naming the file and the problem.
 * Malformed files are a real case with one thing broken, written to a temporary folder.
 */
class OnnxAttentionCaseTest {
    private static final Path DIRECTORY = OnnxConformance.defaultCaseDirectory();
    private static final String SMALL = "test_attention_4d_causal_nonpad_attn_mask_composition";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void aRealCaseDecodesItsAttributesTensorsAndTolerance() {
        OnnxAttentionCase c = OnnxAttentionCase.read(DIRECTORY.resolve(SMALL + ".json"));
        assertEquals(SMALL, c.name());
        assertEquals(24, c.opset());
        assertTrue(c.attributes().isCausal());
        assertNull(c.attributes().scale());
        assertEquals(0, c.attributes().qkMatmulOutputMode());
        assertEquals(List.of("Q", "K", "V", "attn_mask", "nonpad_kv_seqlen"), c.inputs().keySet().stream().toList());
        assertEquals(List.of("Y"), c.outputs().keySet().stream().toList());
        assertArrayEquals(new int[] {2, 2, 3, 8}, c.inputs().get("Q").shape());
        // The README's example data: nonpad_kv_seqlen = [4, 5]; the bool mask starts true, true, true, false.
        assertArrayEquals(new long[] {4, 5}, c.inputs().get("nonpad_kv_seqlen").integers());
        assertArrayEquals(new double[] {1, 1, 1, 0}, Arrays.copyOf(c.inputs().get("attn_mask").values(), 4), 0.0);
        assertEquals(1e-3, c.tolerance().rtol(), 0.0);
        assertEquals(1e-7, c.tolerance().atol(), 0.0);
    }

    @Test
    void float32AttributesArriveWidenedToDouble() {
        OnnxAttentionCase c = OnnxAttentionCase.read(DIRECTORY.resolve("test_attention_4d_scaled.json"));
        assertEquals((double) 0.01f, c.attributes().scale(), 0.0);
    }

    @Test
    void toleranceFollowsTheOnnxRule() {
        OnnxAttentionCase.Tolerance t = new OnnxAttentionCase.Tolerance(1e-3, 1e-7);
        // expected 1: allowed |diff| = 1e-7 + 1e-3 = 0.0010001.
        assertTrue(t.allows(1.001, 1.0));
        assertFalse(t.allows(1.0011, 1.0));
        // expected 0: only atol.
        assertTrue(t.allows(1e-7, 0.0));
        assertFalse(t.allows(2e-7, 0.0));
    }

    @Test
    void notJsonIsReportedWithTheFile() throws IOException {
        Path file = temp.resolve(SMALL + ".json");
        Files.writeString(file, "{ \"name\": ");
        assertMalformed(file, "is not valid JSON");
    }

    @Test
    void aMissingFieldIsNamed() throws IOException {
        assertMalformed(broken(root -> root.remove("default_tolerance")), "lacks field \"default_tolerance\"");
        assertMalformed(broken(root -> input(root, 0).remove("sha256_le")), "lacks field \"inputs[0] (Q).sha256_le\"");
    }

    @Test
    void aNameThatDisagreesWithTheFileIsRejected() throws IOException {
        assertMalformed(broken(root -> root.put("name", "test_attention_other")),
                "names case \"test_attention_other\"", "expected name \"" + SMALL + "\"");
    }

    @Test
    void dataThatDoesNotFillTheShapeIsRejected() throws IOException {
        assertMalformed(broken(root -> ((ArrayNode) input(root, 0).get("data")).remove(0)),
                "inputs[0] (Q) of shape [2, 2, 3, 8] with 95 values; expected 96 values");
    }

    @Test
    void aChecksumMismatchIsRejected() throws IOException {
        // 0.5 is a float32 value, so only the checksum can catch the change.
        assertMalformed(broken(root -> ((ArrayNode) input(root, 0).get("data")).set(0, 0.5)),
                "inputs[0] (Q) whose decoded bytes hash to", "its sha256_le says");
    }

    @Test
    void aValueNotRepresentableInItsDtypeIsRejected() throws IOException {
        assertMalformed(broken(root -> ((ArrayNode) input(root, 0).get("data")).set(0, 0.1)),
                "inputs[0] (Q).data[0] = 0.1, which is not a float32 value");
    }

    @Test
    void unknownDtypesSlotsAndAttributesAreRejected() throws IOException {
        assertMalformed(broken(root -> input(root, 0).put("dtype", "bfloat16")),
                "inputs[0] (Q) of dtype \"bfloat16\"; expected float32, float16, bool or int64");
        assertMalformed(broken(root -> input(root, 1).put("slot", "Q")), "inputs[1] in slot \"Q\"; expected \"K\"");
        assertMalformed(broken(root -> {
            ((ObjectNode) root.get("attributes")).put("window", 3);
            ((ObjectNode) root.get("attribute_types")).put("window", "INT");
        }), "sets attribute \"window\", which Attention-23/24 does not have");
        assertMalformed(broken(root -> ((ObjectNode) root.get("attributes")).put("is_causal", 2)),
                "is_causal = 2; expected 0 or 1");
        assertMalformed(broken(root -> root.put("opset", 22)), "has opset 22; expected 23 or 24");
    }

    @Test
    void anAbsentSlotMustAgreeWithTheNodeInputs() throws IOException {
        assertMalformed(broken(root -> ((ArrayNode) root.get("node_inputs")).set(3, "")),
                "inputs[3] (attn_mask) present but node_inputs leaves it empty");
    }

    @Test
    void aMalformedFileFailsItsConformanceRunInsteadOfStoppingIt() throws IOException {
        OnnxConformance.CaseReport report = OnnxConformance.run(broken(root -> root.remove("outputs")));
        assertFalse(report.passed());
        assertEquals(SMALL, report.name());
        assertTrue(report.error().contains("lacks field \"outputs\""), report.error());
    }

    private static ObjectNode input(ObjectNode root, int index) {
        return (ObjectNode) root.get("inputs").get(index);
    }

    /** The small real case with one edit, written under its own name to the temporary folder. */
    private Path broken(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(DIRECTORY.resolve(SMALL + ".json").toFile());
        edit.accept(root);
        Path file = temp.resolve(SMALL + ".json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static void assertMalformed(Path file, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxAttentionCase.read(file));
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }
}
