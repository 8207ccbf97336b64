package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.golden.DType;
import dev.attnref.golden.GoldenVerifier;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnref golden verify} and {@code generate} through Main: per-tensor report lines, exit code
 * 0 only when every case passes, 1 on a mismatch or a missing candidate, 2 when a case or candidate cannot
 * be read (never the code of a mismatch); {@code --only} and {@code --json}; generate writes a complete directory and refuses to change a published one.
 */
class GoldenCommandTest {
    private static final Path V1 = ComputeCommandTest.V1;
    private static final String[] CASES = {"attention-softcap", "mfa-key-reuse", "mirror-seed000-gqa-as-published"};

    /** A case folder with three committed cases, and the candidates compute writes for them. */
    private static Path candidates(Path dir) throws IOException {
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Path outputs = Files.createDirectories(dir.resolve("outputs"));
        for (String id : CASES) {
            Files.copy(V1.resolve(id + ".json"), cases.resolve(id + ".json"));
            Files.copy(V1.resolve(id + ".safetensors"), cases.resolve(id + ".safetensors"));
            assertEquals(0, ComputeCommandTest.run("compute", cases.resolve(id + ".json").toString(), "--out",
                    outputs.resolve(id + ".safetensors").toString()).exitCode());
        }
        return dir;
    }

    @Test
    void theReferencesOwnOutputsVerify(@TempDir Path dir) throws IOException {
        candidates(dir);
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", dir.resolve("cases").toString(),
                "--candidate", dir.resolve("outputs").toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("golden verify: 3 cases, 3 passed, 0 failed"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(
                " +output +F64 +48 +max abs 0\\.000e\\+00 +max rel 0\\.000e\\+00 +max ulp 0 .* ok")), r.out());
        ComputeCommandTest.Run single = ComputeCommandTest.run("golden", "verify",
                dir.resolve("cases/mfa-key-reuse.json").toString(), "--candidate",
                dir.resolve("outputs/mfa-key-reuse.safetensors").toString());
        assertEquals(0, single.exitCode(), single.out());
    }

    @Test
    void aPerturbedOrMissingCandidateFails(@TempDir Path dir) throws IOException {
        candidates(dir);
        Path file = dir.resolve("outputs/attention-softcap.safetensors");
        Map<String, StoredTensor> t = new LinkedHashMap<>(Safetensors.read(file).tensors());
        double[] v = t.get("output").values().clone();
        v[3] += 1e-6;
        t.put("output", new StoredTensor(DType.F64, t.get("output").shape(), v, null));
        Safetensors.write(file, t, Map.of());
        Files.delete(dir.resolve("outputs/mfa-key-reuse.safetensors"));
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", dir.resolve("cases").toString(),
                "--candidate", dir.resolve("outputs").toString());
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("golden verify: 3 cases, 1 passed, 2 failed"), r.out());
        assertTrue(r.out().contains("FAIL 1 elements, first element 3 [0, 0, 0, 3]"), r.out());
        assertTrue(r.out().contains("no candidate file"), r.out());
    }

    @Test
    void onlyPicksCasesByGlobAndJsonCarriesEveryVerdict(@TempDir Path dir) throws IOException {
        candidates(dir);
        Path file = dir.resolve("outputs/attention-softcap.safetensors");
        Map<String, StoredTensor> t = new LinkedHashMap<>(Safetensors.read(file).tensors());
        double[] v = t.get("output").values().clone();
        v[0] = -v[0];
        t.put("output", new StoredTensor(DType.F64, t.get("output").shape(), v, null));
        Safetensors.write(file, t, Map.of());
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", dir.resolve("cases").toString(),
                "--candidate", dir.resolve("outputs").toString(), "--only", "*-softcap", "--json");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(1, json.get("exit_code").asInt());
        assertEquals(1, json.get("cases").size(), r.out());
        JsonNode only = json.get("cases").get(0);
        assertEquals("attention-softcap", only.get("id").asText());
        assertEquals("fail", only.get("status").asText());
        JsonNode output = only.get("tensors").get(0);
        assertEquals("output", output.get("name").asText());
        // −x against x: every double between them, through zero, counts (2·ulps(0, x)).
        double x = Safetensors.read(V1.resolve("attention-softcap.safetensors")).tensors().get("output").values()[0];
        assertEquals(2 * GoldenVerifier.ulps(0.0, x), output.get("max_ulp").asLong(), r.out());
        ComputeCommandTest.Run none = ComputeCommandTest.run("golden", "verify", dir.resolve("cases").toString(),
                "--candidate", dir.resolve("outputs").toString(), "--only", "mla-*");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("--only 'mla-*' matches none of the 3 cases"), none.err());
    }

    @Test
    void anUnreadableCandidateIsExitTwoNotAMismatch(@TempDir Path dir) throws IOException {
        candidates(dir);
        Files.write(dir.resolve("outputs/mfa-key-reuse.safetensors"), new byte[] {1, 2, 3});
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", dir.resolve("cases").toString(),
                "--candidate", dir.resolve("outputs").toString());
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.out().contains("ERROR  mfa-key-reuse"), r.out());
        assertTrue(r.out().contains("golden verify: 3 cases, 2 passed, 0 failed, 1 unreadable"), r.out());
    }

    @Test
    void missingCasesAreAnInputError(@TempDir Path dir) {
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", dir.resolve("nothing").toString(),
                "--candidate", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("nothing: no such file or folder"), r.err());
    }

    @Test
    void generateWritesEveryCaseAndRefusesToChangeThem(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("v1");
        ComputeCommandTest.Run first = ComputeCommandTest.run("golden", "generate", "--out", out.toString());
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("106 cases in " + out + " (214 files written, 0 unchanged)"), first.out());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(214, files.count());
        }
        Files.writeString(out.resolve("rope-interleaved.json"), "{}");
        ComputeCommandTest.Run second = ComputeCommandTest.run("golden", "generate", "--out", out.toString());
        assertEquals(1, second.exitCode());
        assertTrue(second.err().contains("rope-interleaved.json (different bytes)"), second.err());
    }
}
