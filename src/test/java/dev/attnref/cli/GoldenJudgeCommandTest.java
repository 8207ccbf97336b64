package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.golden.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code attnref golden judge} through Main: exit 0 when it ran whatever the verdicts (a pass, a fail and a
 * not-expressible case in one folder), the matrix written by {@code --out}; exit 2 with one line on an
 * unreadable case or an unknown peer.
 */
class GoldenJudgeCommandTest {
    private static ComputeCommandTest.Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return new ComputeCommandTest.Run(cli.execute(args), out.toString(), err.toString());
    }

    private static void copy(Path folder, String id) throws IOException {
        Files.copy(ComputeCommandTest.V1.resolve(id + ".json"), folder.resolve(id + ".json"));
        Files.copy(ComputeCommandTest.V1.resolve(id + ".safetensors"), folder.resolve(id + ".safetensors"));
    }

    @Test
    void aFolderWithAPassAFailAndAnInexpressibleCaseExitsZero(@TempDir Path dir) throws IOException {
        for (String id : new String[] {"attention-gqa-h6-g2", "attention-causal-bottom-right", "norm-rms"}) {
            copy(dir, id);
        }
        Path matrix = dir.resolve("out/torch.json");
        ComputeCommandTest.Run r = run("golden", "judge", "--peer", "torch", "--cases", dir.toString(), "--out", matrix.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("scaled_dot_product_attention float32: 1 pass, 1 fail, 1 not expressible"), r.out());
        JsonNode rows = Json.read(matrix).get("rows");
        assertEquals(3, rows.size());
        assertEquals("fail", rows.get(0).get("float32").get("verdict").asText());       // attention-causal-bottom-right
        assertEquals("pass", rows.get(1).get("float32").get("verdict").asText());       // attention-gqa-h6-g2
        assertEquals("not-expressible", rows.get(2).get("bf16").get("verdict").asText()); // norm-rms
    }

    @Test
    void anUnreadableCaseExitsTwo(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("broken.json"), "{ not json");
        ComputeCommandTest.Run r = run("golden", "judge", "--peer", "ort", "--cases", dir.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("broken.json"), r.err());
    }

    @Test
    void anUnknownPeerExitsTwo() {
        ComputeCommandTest.Run r = run("golden", "judge", "--peer", "jax");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--peer is \"jax\"; expected ort or torch"), r.err());
    }
}
