package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.golden.DType;
import dev.attnref.golden.GoldenGenerator;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.StoredTensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code attnref compute}: the reference on a committed case reproduces its expected outputs, on a
 * case nobody committed it gives hand-computed values, a published error is written as metadata, and
 * every kind of malformed case is refused with a message and exit code 2.
 */
class ComputeCommandTest {
    static final Path V1 = Path.of(GoldenGenerator.DEFAULT_DIRECTORY);

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aCommittedCaseGivesItsExpectedOutputs(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("o.safetensors");
        Run r = run("compute", V1.resolve("gqa-g2-decode-steps.json").toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("compute gqa-g2-decode-steps: 7 outputs"), r.out());
        Map<String, StoredTensor> payload = Safetensors.read(V1.resolve("gqa-g2-decode-steps.safetensors")).tensors();
        Safetensors.Contents computed = Safetensors.read(out);
        assertEquals(7, computed.tensors().size());
        for (Map.Entry<String, StoredTensor> e : computed.tensors().entrySet()) {
            assertEquals(payload.get(e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals("gqa", computed.metadata().get("variant"));
    }

    /** A minimal case of variant attention: one query, two keys; its payload holds only the inputs. */
    private static Path handCase(Path dir, String config, Map<String, StoredTensor> inputs) throws IOException {
        Files.writeString(dir.resolve("mine.json"), "{\"format\": \"attnref-golden/1\", \"variant\": \"attention\", "
                + "\"config\": " + config + "}");
        Safetensors.write(dir.resolve("mine.safetensors"), inputs, Map.of());
        return dir.resolve("mine.json");
    }

    private static final String TWO_KEYS = "{\"batch\": 1, \"num_heads\": 1, \"num_kv_heads\": 1, \"q_len\": 1, "
            + "\"new_kv_len\": 2, \"past_len\": 0, \"head_dim\": 1, \"value_head_dim\": 1, \"scale\": null, \"softcap\": 0, "
            + "\"bool_mask\": null, \"additive_mask\": null, \"key_lengths\": false, \"causal\": null, "
            + "\"mask_fill\": \"-inf\", \"fully_masked_rows\": \"zeros\"}";

    private static Map<String, StoredTensor> twoKeys() {
        Map<String, StoredTensor> in = new LinkedHashMap<>();
        in.put("query", StoredTensor.ofFloats(DType.F64, new int[] {1, 1, 1, 1}, new double[] {1}));
        in.put("key", StoredTensor.ofFloats(DType.F64, new int[] {1, 1, 2, 1}, new double[] {0, Math.log(3)}));
        in.put("value", StoredTensor.ofFloats(DType.F32, new int[] {1, 1, 2, 1}, new double[] {2, 6}));
        return in;
    }

    @Test
    void aCaseNobodyCommittedIsComputedFromItsOwnInputs(@TempDir Path dir) throws IOException {
        // scale 1/√1; logits 0 and ln 3 → p = (1/4, 3/4); output 2·1/4 + 6·3/4 = 5.
        Path out = dir.resolve("mine-out.safetensors");
        Run r = run("compute", handCase(dir, TWO_KEYS, twoKeys()).toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Map<String, StoredTensor> t = Safetensors.read(out).tensors();
        assertEquals(5.0, t.get("output").values()[0], Tolerances.HAND_COMPUTED_OUTPUT);
        assertEquals(0.25, t.get("probabilities").values()[0], Tolerances.HAND_COMPUTED);
        assertEquals(0.75, t.get("probabilities").values()[1], Tolerances.HAND_COMPUTED);
        assertEquals(Math.log(3), t.get("logits").values()[1], Tolerances.HAND_COMPUTED);
    }

    @Test
    void aQueryStartAtTheLastIntPositionSeesEveryKey(@TempDir Path dir) throws IOException {
        // One key (value 3), T = 2 queries at positions 2³¹ − 1 and 2³¹: both see key 0, so both outputs are 3.
        // (first + t in int wrapped to −2³¹ for t = 1, hid the key and gave [3, 0] with exit code 0.)
        String config = TWO_KEYS.replace("\"q_len\": 1", "\"q_len\": 2").replace("\"new_kv_len\": 2", "\"new_kv_len\": 1")
                .replace("\"causal\": null", "\"causal\": {\"query_start\": 2147483647}");
        Map<String, StoredTensor> in = new LinkedHashMap<>();
        in.put("query", StoredTensor.ofFloats(DType.F32, new int[] {1, 1, 2, 1}, new double[] {1, 1}));
        in.put("key", StoredTensor.ofFloats(DType.F32, new int[] {1, 1, 1, 1}, new double[] {1}));
        in.put("value", StoredTensor.ofFloats(DType.F32, new int[] {1, 1, 1, 1}, new double[] {3}));
        Path out = dir.resolve("o.safetensors");
        Run r = run("compute", handCase(dir, config, in).toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(new double[] {3, 3}, Safetensors.read(out).tensors().get("output").values());
    }

    @Test
    void aFolderIsComputedCaseByCaseAndABadCaseStopsNoOther(@TempDir Path dir) throws IOException {
        Path cases = Files.createDirectories(dir.resolve("cases"));
        for (String id : new String[] {"attention-softcap", "rope-interleaved"}) {
            Files.copy(V1.resolve(id + ".json"), cases.resolve(id + ".json"));
            Files.copy(V1.resolve(id + ".safetensors"), cases.resolve(id + ".safetensors"));
        }
        Files.writeString(cases.resolve("broken.json"), "{\"format\": \"attnref-golden/1\", \"variant\": \"rope\"}");
        Path out = dir.resolve("out");
        Run r = run("compute", cases.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("broken.json: config.batch is missing"), r.err());
        assertTrue(r.out().contains("compute: 3 cases, 2 written to " + out + ", 1 refused"), r.out());
        for (String id : new String[] {"attention-softcap", "rope-interleaved"}) {
            Map<String, StoredTensor> expected = Safetensors.read(V1.resolve(id + ".safetensors")).tensors();
            Safetensors.read(out.resolve(id + ".safetensors")).tensors()
                    .forEach((name, t) -> assertEquals(expected.get(name), t, id + " " + name));
        }
        assertTrue(Files.notExists(out.resolve("broken.safetensors")));
    }

    @Test
    void aPublishedErrorIsWrittenAsMetadata(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("e.safetensors");
        Run r = run("compute", V1.resolve("mirror-seed003-sdpa-bmm-split-heads-as-published.json").toString(), "--out",
                out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("the published code raises RuntimeError (forward)"), r.out());
        Safetensors.Contents c = Safetensors.read(out);
        assertTrue(c.tensors().isEmpty());
        assertEquals("RuntimeError", c.metadata().get("error_kind"));
    }

    private static void assertRefused(Path manifest, Path dir, String... messageParts) {
        Run r = run("compute", manifest.toString(), "--out", dir.resolve("never.safetensors").toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        for (String part : messageParts) {
            assertTrue(r.err().contains(part), "message lacks \"" + part + "\": " + r.err());
        }
        assertTrue(Files.notExists(dir.resolve("never.safetensors")));
    }

    @Test
    void aMissingTensorIsRefused(@TempDir Path dir) throws IOException {
        Map<String, StoredTensor> in = twoKeys();
        in.remove("value");
        assertRefused(handCase(dir, TWO_KEYS, in), dir, "input tensor \"value\" is missing",
                "FLOAT [1, 1, 2, 1] [B, G, S_new, Dv]");
    }

    @Test
    void aWrongShapeIsRefused(@TempDir Path dir) throws IOException {
        Map<String, StoredTensor> in = twoKeys();
        in.put("key", StoredTensor.ofFloats(DType.F64, new int[] {1, 1, 3, 1}, new double[] {0, 1, 2}));
        assertRefused(handCase(dir, TWO_KEYS, in), dir, "input tensor \"key\" has shape [1, 1, 3, 1]; expected [1, 1, 2, 1]");
    }

    @Test
    void aWrongDtypeIsRefused(@TempDir Path dir) throws IOException {
        Map<String, StoredTensor> in = twoKeys();
        in.put("query", StoredTensor.i64(new int[] {1, 1, 1, 1}, new long[] {1}));
        assertRefused(handCase(dir, TWO_KEYS, in), dir, "input tensor \"query\" has dtype I64; expected F64, F32, F16 or BF16");
    }

    @Test
    void anUnknownVariantIsRefused(@TempDir Path dir) throws IOException {
        Path m = handCase(dir, TWO_KEYS, twoKeys());
        Files.writeString(m, Files.readString(m).replace("\"attention\"", "\"flash\""));
        assertRefused(m, dir, "unknown variant \"flash\"", "attention", "mirror.seed003_sdpa_bmm");
    }

    @Test
    void anInconsistentConfigIsRefused(@TempDir Path dir) throws IOException {
        String config = TWO_KEYS.replace("\"num_heads\": 1, \"num_kv_heads\": 1", "\"num_heads\": 4, \"num_kv_heads\": 3");
        assertRefused(handCase(dir, config, twoKeys()), dir, "config.num_kv_heads (3) must divide config.num_heads (4)");
        String steps = "{\"batch\": 1, \"model_width\": 2, \"num_heads\": 1, \"num_kv_heads\": 1, \"head_dim\": 2, "
                + "\"value_head_dim\": 2, \"bias\": {\"query\": false, \"key\": false, \"value\": false, \"output\": false}, "
                + "\"rope\": null, \"scale\": null, \"softcap\": 0, \"causal\": true, \"steps\": [2, 1], \"key_lengths\": true}";
        Path m = handCase(dir, steps, twoKeys());
        Files.writeString(m, Files.readString(m).replace("\"attention\"", "\"gqa\""));
        assertRefused(m, dir, "per-call options", "2 steps; options apply to a single call");
    }

    @Test
    void anUnknownOrMissingConfigKeyIsRefused(@TempDir Path dir) throws IOException {
        assertRefused(handCase(dir, TWO_KEYS.replace("\"softcap\"", "\"softcapp\""), twoKeys()), dir,
                "config.softcap is missing");
        assertRefused(handCase(dir, TWO_KEYS.substring(0, TWO_KEYS.length() - 1) + ", \"dropout\": 0.1}", twoKeys()), dir,
                "config has unknown key(s) [dropout]");
    }

    @Test
    void aDamagedPayloadOrManifestIsRefused(@TempDir Path dir) throws IOException {
        Path m = handCase(dir, TWO_KEYS, twoKeys());
        String manifest = Files.readString(m);
        Files.writeString(m, manifest.substring(0, manifest.lastIndexOf('}'))
                + ", \"payload\": {\"file\": \"mine.safetensors\", \"sha256\": \"00\"}}");
        assertRefused(m, dir, "the manifest says 00");
        Files.writeString(m, manifest.replace("attnref-golden/1", "attnref-golden/9"));
        assertRefused(m, dir, "\"format\" is \"attnref-golden/9\"; expected \"attnref-golden/1\"");
        Map<String, StoredTensor> extra = twoKeys();
        extra.put("bias", StoredTensor.ofFloats(DType.F64, new int[] {1}, new double[] {1}));
        assertRefused(handCase(dir, TWO_KEYS, extra), dir, "payload holds tensor(s) [bias]");
        Files.delete(dir.resolve("mine.safetensors"));
        assertRefused(m, dir, "mine.safetensors does not exist");
    }
}
