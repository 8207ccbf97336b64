package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's rules: a published directory is never changed, drawn inputs are exactly float32,
 * inputs a case must choose (masks, lengths) are never drawn, and manifests are canonical JSON.
 */
class GoldenGeneratorTest {

    @Test
    void writingAgainLeavesIdenticalFilesAlone(@TempDir Path dir) throws IOException {
        Map<String, byte[]> files = Map.of("a.json", "{}\n".getBytes(StandardCharsets.UTF_8), "a.safetensors", new byte[] {1});
        assertEquals(new GoldenGenerator.WriteReport(2, 0), GoldenGenerator.write(dir, files));
        assertEquals(new GoldenGenerator.WriteReport(0, 2), GoldenGenerator.write(dir, files));
    }

    @Test
    void aPublishedDirectoryIsNeverChanged(@TempDir Path dir) throws IOException {
        GoldenGenerator.write(dir, Map.of("a.json", new byte[] {1}, "b.json", new byte[] {2}));
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> GoldenGenerator.write(dir, Map.of("a.json", new byte[] {9}, "b.json", new byte[] {2}, "c.json", new byte[] {3})));
        assertTrue(changed.getMessage().contains("a.json (different bytes)"), changed.getMessage());
        assertTrue(changed.getMessage().contains("reference-data/v2"), changed.getMessage());
        assertTrue(Files.notExists(dir.resolve("c.json")), "nothing is written when anything would change");
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("a.json")));
        IllegalArgumentException removed = assertThrows(IllegalArgumentException.class,
                () -> GoldenGenerator.write(dir, Map.of("a.json", new byte[] {1})));
        assertTrue(removed.getMessage().contains("b.json (not written by this generator)"), removed.getMessage());
    }

    private static ObjectNode ropeConfig() {
        ObjectNode rope = Json.object().put("rotary_dim", 2).put("theta", 10000.0).put("pairing", "interleaved");
        ObjectNode c = Json.object().put("batch", 1).put("num_heads", 1).put("seq_len", 2).put("head_dim", 2);
        c.set("rope", rope);
        return c;
    }

    @Test
    void drawnInputsAreFloat32AndChosenInputsMustBeGiven() {
        Map<String, JsonNode> given = new LinkedHashMap<>();
        given.put("positions", Json.ints(0, 1));
        GoldenCase c = GoldenGenerator.generate(new GoldenGenerator.Definition("t", "rope", "d", ropeConfig(), 5, given));
        StoredTensor x = c.inputs().all().get("x");
        assertEquals(DType.F32, x.dtype());
        for (double v : x.values()) {
            assertEquals(v, (float) v);
            assertTrue(v >= -1 && v <= 1);
        }
        // Position 0 is the identity: the first row of the output is the input's.
        assertEquals(x.values()[0], c.expected().get("output").values()[0]);
        assertEquals(x.values()[1], c.expected().get("output").values()[1]);
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> GoldenGenerator.generate(new GoldenGenerator.Definition("t", "rope", "d", ropeConfig(), 5, Map.of())));
        assertTrue(missing.getMessage().contains("input positions must be given"), missing.getMessage());
        Map<String, JsonNode> extra = new LinkedHashMap<>(given);
        extra.put("mask", Json.ints(0));
        IllegalStateException unused = assertThrows(IllegalStateException.class,
                () -> GoldenGenerator.generate(new GoldenGenerator.Definition("t", "rope", "d", ropeConfig(), 5, extra)));
        assertTrue(unused.getMessage().contains("gives input(s) [mask] the config does not use"), unused.getMessage());
    }

    @Test
    void aGivenInputIsANestedListOfItsShapeOrASeededMask() throws IOException {
        TensorSpec spec = new TensorSpec("bool_mask", TensorSpec.Kind.BOOL, new int[] {2, 2}, TensorSpec.ShapeRule.EXACT,
                List.of("T", "S"), TensorSpec.Fill.GIVEN, 0);
        StoredTensor listed = GoldenGenerator.given(spec, Json.MAPPER.readTree("[[1, 0], [0, 1]]"));
        assertEquals(DType.BOOL, listed.dtype());
        assertArrayEquals(new double[] {1, 0, 0, 1}, listed.values());
        assertArrayEquals(new double[] {1, 1, 1, 1}, GoldenGenerator.given(spec, Json.MAPPER.readTree(
                "{\"seed\": 7, \"p_one\": 1.0}")).values());
        Map<String, String> refused = Map.of(
                "[[1, 0, 1], [0, 1, 1]]", "given input bool_mask is not a nested list of numbers of shape [2, 2] [T, S]",
                "[1, 0, 0, 1]", "given input bool_mask is not a nested list of numbers of shape [2, 2] [T, S]",
                "[[1, 0], [2, 1]]", "given input bool_mask holds 2.0; a mask holds 0 or 1",
                "{\"seed\": 7, \"p_minus_inf\": 0.5}", "expected a nested list or {\"seed\": n, \"p_one\": probability}");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> GoldenGenerator.given(spec, Json.MAPPER.readTree(e.getKey())));
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }

    @Test
    void manifestsAreCanonicalJson() {
        ObjectNode node = Json.object().put("a", 1).put("b", 1e-12).put("c", "x\"y");
        node.set("shape", Json.ints(2, 3));
        node.putArray("list").addObject().put("k", true);
        node.putObject("empty");
        String expected = "{\n"
                + "  \"a\": 1,\n"
                + "  \"b\": 1.0E-12,\n"
                + "  \"c\": \"x\\\"y\",\n"
                + "  \"shape\": [2, 3],\n"
                + "  \"list\": [\n"
                + "    {\n"
                + "      \"k\": true\n"
                + "    }\n"
                + "  ],\n"
                + "  \"empty\": {}\n"
                + "}\n";
        assertEquals(expected, new String(Json.bytes(node), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> Json.bytes(Json.object().put("x", Double.NEGATIVE_INFINITY)));
    }
}
