package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.golden.GoldenGenerator;
import dev.attnref.golden.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * reference-data/v2 works with the commands exactly as v1 does: {@code compute} on the whole folder, then
 * {@code golden verify} with {@code --only} and {@code --json}; a v2 case with a bad {@code rope_scaling} is
 * refused in one line naming its file and key (exit 2); {@code generate --version} takes only v1 and v2.
 */
class GoldenV2CommandTest {
    static final Path V2 = Path.of(GoldenGenerator.directory("v2"));

    @Test
    void computeThenVerifyPassesOnV2WithOnlyAndJson(@TempDir Path dir) throws IOException {
        ComputeCommandTest.Run computed = ComputeCommandTest.run("compute", V2.toString(), "--out", dir.toString());
        assertEquals(0, computed.exitCode(), computed.err());
        assertTrue(computed.out().contains(", 0 refused"), computed.out());
        ComputeCommandTest.Run verified = ComputeCommandTest.run("golden", "verify", V2.toString(), "--candidate",
                dir.toString(), "--only", "mla-*yarn*", "--json");
        assertEquals(0, verified.exitCode(), verified.out() + verified.err());
        JsonNode report = new ObjectMapper().readTree(verified.out());
        List<String> ids = new ArrayList<>();
        for (JsonNode c : report.get("cases")) {
            ids.add(c.get("id").asText());
            assertEquals("pass", c.get("status").asText(), c.toString());
        }
        // v2 is still growing (other case files may add mla cases with yarn in their ids): ours must be among them
        assertTrue(ids.containsAll(List.of("mla-absorbed-yarn-ramp-split-halves", "mla-absorbed-yarn-within-original",
                "mla-naive-yarn-ramp-decode")), ids.toString());
        assertTrue(ids.stream().allMatch(id -> id.startsWith("mla-") && id.contains("yarn")), ids.toString());
    }

    @Test
    void aV2CaseWithAnUnknownRopeTypeIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        String id = "gqa-rope-llama3-start-position";
        ObjectNode manifest = (ObjectNode) new ObjectMapper().readTree(V2.resolve(id + ".json").toFile());
        ((ObjectNode) manifest.get("config").get("rope").get("rope_scaling")).put("rope_type", "longrope");
        Files.write(dir.resolve(id + ".json"), Json.bytes(manifest));
        Files.copy(V2.resolve(id + ".safetensors"), dir.resolve(id + ".safetensors"));
        ComputeCommandTest.Run r = ComputeCommandTest.run("compute", dir.resolve(id + ".json").toString(), "--out",
                dir.resolve("out.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(id + ".json") && r.err().contains("config.rope.rope_scaling.rope_type is \"longrope\"; "
                + "expected one of [default, linear, dynamic, llama3, yarn]"), r.err());
        assertFalse(Files.exists(dir.resolve("out.safetensors")));
    }

    @Test
    void generateTakesOnlyKnownVersions(@TempDir Path dir) {
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "generate", "--version", "v3", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnref golden generate: --version (v3) must be one of [v1, v2]", r.err().strip());
    }
}
