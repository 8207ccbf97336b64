package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.core.SeededRandom;
import dev.attnref.golden.DType;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.Json;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.StoredTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fuzz of the case format: committed v1 cases, each copied to a temporary folder and broken in one way
 * (a missing config key, a malformed shape or offset, a bad payload, invalid UTF-8, a repeated key, an
 * overflowing position, a NaN input, a huge size, a path that cannot be read or written …), then run
 * through {@code attnref compute} and {@code attnref golden verify} in this process. Every mutation must
 * give exit code 2 and one line naming the problem in the user's words (the config key, tensor or path,
 * and the value as given), with no stack trace and no output file.
 *
 * <p>Mutations that draw (which key to drop, which element to poison) use
 * {@code new SeededRandom(seed ^ name.hashCode())} with {@code seed} = {@code -Dattnref.seed} (default
 * {@value #DEFAULT_SEED}); a failure names the seed and the draw, and rerunning with that seed replays it.
 */
class CaseFuzzTest {
    private static final long DEFAULT_SEED = 17;
    private static final long SEED = Long.getLong("attnref.seed", DEFAULT_SEED);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which commands must refuse: both (the case itself is bad) or compute alone (its computation or --out). */
    private enum Refused { BOTH, COMPUTE }

    /** A change to a workspace; returns what it drew, for the failure message ("" when it draws nothing). */
    @FunctionalInterface
    private interface Change {
        String apply(Workspace w, SeededRandom random) throws IOException;
    }

    private record Mutation(String name, String baseCase, Refused refused, String expect, Change change) {
    }

    /** A copy of one committed case, and the paths given to the commands (which a mutation may redirect). */
    private static final class Workspace {
        final Path dir;
        final String id;
        Path manifestArg;
        Path outArg;

        Workspace(Path dir, String id) throws IOException {
            this.dir = Files.createDirectories(dir);
            this.id = id;
            Files.copy(ComputeCommandTest.V1.resolve(id + ".json"), manifest());
            Files.copy(ComputeCommandTest.V1.resolve(id + ".safetensors"), payload());
            this.manifestArg = manifest();
            this.outArg = dir.resolve("out.safetensors");
        }

        Path manifest() {
            return dir.resolve(id + ".json");
        }

        Path payload() {
            return dir.resolve(id + ".safetensors");
        }

        ObjectNode readManifest() throws IOException {
            return (ObjectNode) JSON.readTree(manifest().toFile());
        }

        void editManifest(UnaryOperator<ObjectNode> edit) throws IOException {
            Files.write(manifest(), Json.bytes(edit.apply(readManifest())));
        }

        void editConfig(UnaryOperator<ObjectNode> edit) throws IOException {
            editManifest(m -> {
                edit.apply((ObjectNode) m.get("config"));
                return m;
            });
        }

        /** Rewrites the payload's header bytes, then the manifest's sha256, so that only the header is wrong. */
        void editHeader(UnaryOperator<byte[]> edit) throws IOException {
            byte[] bytes = Files.readAllBytes(payload());
            int length = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = edit.apply(Arrays.copyOfRange(bytes, 8, 8 + length));
            ByteBuffer out = ByteBuffer.allocate(8 + header.length + bytes.length - 8 - length).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(header.length).put(header).put(bytes, 8 + length, bytes.length - 8 - length);
            writePayload(out.array());
        }

        void editHeaderText(UnaryOperator<String> edit) throws IOException {
            editHeader(h -> edit.apply(new String(h, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        }

        /** Replaces one tensor of the payload (well-formed file), then the manifest's sha256. */
        void putTensor(String name, StoredTensor tensor) throws IOException {
            Safetensors.Contents c = Safetensors.read(payload());
            Map<String, StoredTensor> tensors = new LinkedHashMap<>(c.tensors());
            tensors.put(name, tensor);
            writePayload(Safetensors.write(tensors, c.metadata()));
        }

        private void writePayload(byte[] bytes) throws IOException {
            Files.write(payload(), bytes);
            editManifest(m -> {
                ((ObjectNode) m.get("payload")).put("sha256", GoldenCase.sha256(bytes));
                return m;
            });
        }
    }

    private static final String ATTENTION = "attention-everything";
    private static final String GQA = "gqa-start-position";

    private static List<Mutation> mutations() {
        List<Mutation> m = new ArrayList<>();
        // Config keys the README lists are required (null means off, absence is an error).
        for (String key : List.of("causal", "scale", "bool_mask", "additive_mask")) {
            m.add(new Mutation("missing config." + key, ATTENTION, Refused.BOTH, "config." + key + " is missing",
                    (w, r) -> dropKey(w, key)));
        }
        m.add(new Mutation("missing config.rope", GQA, Refused.BOTH, "config.rope is missing", (w, r) -> dropKey(w, "rope")));
        m.add(new Mutation("missing drawn config key", ATTENTION, Refused.BOTH, " is missing", (w, r) -> {
            List<String> keys = new ArrayList<>();
            w.readManifest().get("config").fieldNames().forEachRemaining(keys::add);
            return dropKey(w, keys.get(r.nextInt(keys.size())));
        }));
        // Safetensors header: shapes, offsets, encoding, repeated keys, metadata.
        m.add(headerEdit("shape entry as a string", "entry 0 (\"2\") is not a whole number",
                h -> h.replace("\"query\":{\"dtype\":\"F32\",\"shape\":[2,", "\"query\":{\"dtype\":\"F32\",\"shape\":[\"2\",")));
        m.add(headerEdit("shape entry as a fraction", "entry 0 (2.7) is not a whole number",
                h -> h.replace("\"query\":{\"dtype\":\"F32\",\"shape\":[2,", "\"query\":{\"dtype\":\"F32\",\"shape\":[2.7,")));
        m.add(headerEdit("shape entry 2^32 + 2", "entry 0 (4294967298) is not a whole number",
                h -> h.replace("\"query\":{\"dtype\":\"F32\",\"shape\":[2,", "\"query\":{\"dtype\":\"F32\",\"shape\":[4294967298,")));
        m.add(headerEdit("data_offsets with one entry", "\"query\" has data_offsets [",
                h -> h.replaceFirst("(\"query\":\\{[^}]*\"data_offsets\":\\[)[0-9]+,", "$1")));
        m.add(headerEdit("data_offsets as a string", "\"query\" has data_offsets \"x\"",
                h -> h.replaceFirst("(\"query\":\\{[^}]*\"data_offsets\":)\\[[0-9]+,[0-9]+]", "$1\"x\"")));
        m.add(headerEdit("data_offsets past the data", "bytes within the",
                h -> h.replaceFirst("(\"query\":\\{[^}]*\"data_offsets\":\\[[0-9]+,)[0-9]+]", "$199999999]")));
        m.add(headerEdit("repeated header key", "Duplicate field 'query'",
                h -> h.replaceFirst("\"query\":(\\{[^}]*})", "\"query\":$1,\"query\":$1")));
        m.add(headerEdit("metadata value not a string", "__metadata__.case is 7",
                h -> h.replaceFirst("\"case\":\"[^\"]*\"", "\"case\":7")));
        m.add(new Mutation("header not UTF-8", ATTENTION, Refused.BOTH, "header is not valid UTF-8", (w, r) -> {
            w.editHeader(h -> {
                String text = new String(h, StandardCharsets.UTF_8);
                int at = text.indexOf("query");
                h[at] = (byte) 0xC3;   // a UTF-8 lead byte followed by 'u', not a continuation byte
                return h;
            });
            return "";
        }));
        // The manifest itself.
        m.add(manifestEdit("payload as a string", "\"payload\" is \"x\"", o -> o.put("payload", "x")));
        m.add(new Mutation("payload bytes changed", ATTENTION, Refused.BOTH, "has sha256", (w, r) -> {
            byte[] bytes = Files.readAllBytes(w.payload());
            int at = bytes.length - 1 - r.nextInt(64);
            bytes[at] ^= 1;
            Files.write(w.payload(), bytes);
            return "flipped byte " + at;
        }));
        m.add(manifestEdit("expected_error on a variant that never raises", "only mirror.* variants record an error",
                o -> o.set("expected_error", JSON.createObjectNode().put("kind", "TypeError").put("stage", "forward"))));
        m.add(new Mutation("repeated manifest key", ATTENTION, Refused.BOTH, "Duplicate field 'variant'", (w, r) -> {
            String text = Files.readString(w.manifest());
            Files.writeString(w.manifest(), text.replaceFirst("\"variant\": ", "\"variant\": \"attention\", \"variant\": "));
            return "";
        }));
        m.add(manifestEdit("id that leaves the folder", "\"id\" is \"../escape\"; expected a plain file name",
                o -> o.put("id", "../escape")));
        m.add(manifestEdit("unknown variant", "unknown variant \"attention2\"", o -> o.put("variant", "attention2")));
        m.add(new Mutation("payload file missing", ATTENTION, Refused.BOTH, "does not exist", (w, r) -> {
            Files.delete(w.payload());
            return "";
        }));
        // Values outside the format's limits, named by config key or tensor and the value as given.
        m.add(configEdit("scale 0", ATTENTION, "config.scale (0.0) must be finite and > 0", c -> c.put("scale", 0.0)));
        m.add(configEdit("softcap negative", ATTENTION, "config.softcap (-1.0) must be finite and ≥ 0", c -> c.put("softcap", -1.0)));
        m.add(configEdit("mask_fill +inf", ATTENTION, "config.mask_fill (Infinity) must be", c -> c.put("mask_fill", "inf")));
        m.add(configEdit("num_heads negative", ATTENTION, "config.num_heads (-2) must be ≥ 1", c -> c.put("num_heads", -2)));
        m.add(configEdit("num_kv_heads not dividing", ATTENTION, "config.num_kv_heads (4) must divide config.num_heads (6)",
                c -> c.put("num_kv_heads", 4)));
        m.add(configEdit("S past 2^31 - 1", ATTENTION, "config.past_len (2147483647) + config.new_kv_len (2) = S must be",
                c -> c.put("past_len", Integer.MAX_VALUE)));
        m.add(configEdit("H·D past 2^31 - 1", GQA, "the config's sizes multiply past 2³¹ − 1: input \"w_q\"",
                c -> c.put("num_heads", (1 << 29) + 1).put("num_kv_heads", (1 << 29) + 1)));   // H·D = 2³¹ + 4
        m.add(configEdit("2^31 - 1 layers", "generation-greedy-rope-tied", "config.num_layers (2147483647) must be ≤ 4096",
                c -> c.put("num_layers", Integer.MAX_VALUE)));
        m.add(configEdit("mirror weights past 2^31 elements", "mirror-seed002-mha-fixed",
                "the config's sizes give weights too large to build", c -> c.put("hidden_dim", 1 << 20)));
        m.add(configEdit("odd rotary_dim", GQA, "config.rope.rotary_dim (3) must be even",
                c -> ((ObjectNode) c.get("rope")).put("rotary_dim", 3)));
        m.add(configEdit("start_position past 2^31 - 1", GQA,
                "config.start_position (2147483647) + 4 tokens − 1 passes the largest position",
                c -> c.put("start_position", Integer.MAX_VALUE)));
        m.add(configEdit("mla yarn_factor below 1", "mla-absorbed-yarn", "config.yarn_factor (0.5) must be ≥ 1",
                c -> c.put("yarn_factor", 0.5)));
        m.add(configEdit("mla rms_eps 0", "mla-odd-sizes", "config.rms_eps (0.0) must be > 0", c -> c.put("rms_eps", 0.0)));
        m.add(new Mutation("key_lengths beyond S", ATTENTION, Refused.BOTH,
                "input tensor \"key_lengths\"[1] (9) must be in [0, S] = [0, 5]",
                (w, r) -> put(w, "key_lengths", StoredTensor.i64(new int[] {2}, new long[] {3, 9}))));
        m.add(new Mutation("RoPE position 2^31", "rope-interleaved", Refused.BOTH,
                "input tensor \"positions\"[2] (2147483648) must be in [0, 2³¹ − 1]",
                (w, r) -> put(w, "positions", StoredTensor.i64(new int[] {5}, new long[] {0, 1, 1L << 31, 3, 4}))));
        m.add(new Mutation("prompt token outside the vocabulary", "generation-greedy-rope-tied", Refused.BOTH,
                "input tensor \"prompt\"[0] (19) must be in [0, V) = [0, 19)",
                (w, r) -> put(w, "prompt", StoredTensor.i64(new int[] {4}, new long[] {19, 1, 2, 3}))));
        m.add(new Mutation("NaN in a drawn input", "generation-greedy-rope-tied", Refused.BOTH, " holds NaN at [", (w, r) -> {
            List<String> floats = new ArrayList<>();
            Safetensors.read(w.payload()).tensors().forEach((name, t) -> {
                if (t.dtype() == DType.F32 && !name.equals("logits")) {
                    floats.add(name);
                }
            });
            String name = floats.get(r.nextInt(floats.size()));
            StoredTensor t = Safetensors.read(w.payload()).tensors().get(name);
            double[] v = t.values().clone();
            int at = r.nextInt(v.length);
            v[at] = Double.NaN;
            put(w, name, new StoredTensor(DType.F32, t.shape(), v, null));
            return name + " element " + at;
        }));
        // Sizes: refused with the size and the limit before anything large is allocated.
        m.add(new Mutation("T = S = 20000", ATTENTION, Refused.COMPUTE, "attention scores B·H·T·S", (w, r) -> huge(w)));
        // Paths that cannot be read or written.
        m.add(new Mutation("manifest missing", ATTENTION, Refused.BOTH, "nothing.json: no such file or folder", (w, r) -> {
            w.manifestArg = w.dir.resolve("nothing.json");
            return "";
        }));
        m.add(new Mutation("manifest is a symlink loop", ATTENTION, Refused.BOTH, "Too many levels of symbolic links", (w, r) -> {
            Files.createSymbolicLink(w.dir.resolve("loop-a.json"), w.dir.resolve("loop-b.json"));
            Files.createSymbolicLink(w.dir.resolve("loop-b.json"), w.dir.resolve("loop-a.json"));
            w.manifestArg = w.dir.resolve("loop-a.json");
            return "";
        }));
        m.add(new Mutation("manifest under a file", ATTENTION, Refused.BOTH, "Not a directory", (w, r) -> {
            w.manifestArg = w.payload().resolve("case.json");
            return "";
        }));
        m.add(new Mutation("--out is a folder", ATTENTION, Refused.COMPUTE, "is a folder", (w, r) -> {
            w.outArg = Files.createDirectories(w.dir.resolve("out-folder"));
            return "";
        }));
        m.add(new Mutation("--out under a file", ATTENTION, Refused.COMPUTE, "exists and is not a folder", (w, r) -> {
            w.outArg = w.payload().resolve("out.safetensors");
            return "";
        }));
        return m;
    }

    @TestFactory
    Stream<DynamicTest> everyMutationIsRefusedInOneNamedLine(@TempDir Path root) {
        List<Mutation> all = mutations();
        assertTrue(all.size() >= 20, all.size() + " mutations");
        return all.stream().map(mutation -> DynamicTest.dynamicTest(mutation.name(), () -> check(root, mutation)));
    }

    private static void check(Path root, Mutation mutation) throws IOException {
        Workspace w = new Workspace(root.resolve(mutation.name().replaceAll("[^A-Za-z0-9]+", "-")), mutation.baseCase());
        long seed = SEED ^ mutation.name().hashCode();
        String drew = mutation.change().apply(w, new SeededRandom(seed));
        String context = mutation.name() + (drew.isEmpty() ? "" : " (drew " + drew + ")") + ", seed " + SEED
                + " (replay: -Dattnref.seed=" + SEED + ")";

        ComputeCommandTest.Run compute = ComputeCommandTest.run("compute", w.manifestArg.toString(), "--out",
                w.outArg.toString());
        assertEquals(2, compute.exitCode(), context + "\n" + compute.out() + compute.err());
        assertEquals(1, compute.err().lines().count(), context + ": one line expected\n" + compute.err());
        assertTrue(compute.err().startsWith("attnref compute: ") && compute.err().contains(mutation.expect()),
                context + ": expected \"" + mutation.expect() + "\"\n" + compute.err());
        assertNoStackTrace(context, compute);
        assertFalse(Files.isRegularFile(w.outArg), context + ": " + w.outArg + " was written");
        if (Files.isDirectory(w.outArg)) {
            try (Stream<Path> files = Files.list(w.outArg)) {
                assertEquals(0, files.count(), context + ": something was written into " + w.outArg);
            }
        }
        if (mutation.refused() == Refused.BOTH) {
            ComputeCommandTest.Run verify = ComputeCommandTest.run("golden", "verify", w.manifestArg.toString(),
                    "--candidate", ComputeCommandTest.V1.resolve(mutation.baseCase() + ".safetensors").toString());
            assertEquals(2, verify.exitCode(), context + "\n" + verify.out() + verify.err());
            assertTrue((verify.out() + verify.err()).contains(mutation.expect()),
                    context + ": expected \"" + mutation.expect() + "\"\n" + verify.out() + verify.err());
            assertNoStackTrace(context, verify);
        }
    }

    private static void assertNoStackTrace(String context, ComputeCommandTest.Run run) {
        String all = run.out() + run.err();
        assertFalse(all.contains("\tat ") || all.contains("Exception") || all.contains("Error:"),
                context + ": a stack trace or exception name\n" + all);
    }

    private static Mutation headerEdit(String name, String expect, UnaryOperator<String> edit) {
        return new Mutation(name, ATTENTION, Refused.BOTH, expect, (w, r) -> {
            String before = new String(Files.readAllBytes(w.payload()), StandardCharsets.UTF_8);
            w.editHeaderText(edit);
            assertFalse(before.equals(new String(Files.readAllBytes(w.payload()), StandardCharsets.UTF_8)),
                    name + ": the edit matched nothing");
            return "";
        });
    }

    private static Mutation manifestEdit(String name, String expect, UnaryOperator<ObjectNode> edit) {
        return new Mutation(name, ATTENTION, Refused.BOTH, expect, (w, r) -> {
            w.editManifest(edit);
            return "";
        });
    }

    private static Mutation configEdit(String name, String baseCase, String expect, UnaryOperator<ObjectNode> edit) {
        return new Mutation(name, baseCase, Refused.BOTH, expect, (w, r) -> {
            w.editConfig(edit);
            return "";
        });
    }

    private static String dropKey(Workspace w, String key) throws IOException {
        w.editConfig(c -> {
            assertTrue(c.has(key), key);
            c.remove(key);
            return c;
        });
        return key;
    }

    private static String put(Workspace w, String name, StoredTensor tensor) throws IOException {
        w.putTensor(name, tensor);
        return "";
    }

    /** An attention case with B = 1, H = 4, T = S = 20000, D = 1: small inputs, 1.6·10⁹ scores. */
    private static String huge(Workspace w) throws IOException {
        int tokens = 20000;
        int heads = 4;
        w.editConfig(c -> {
            c.put("batch", 1).put("num_heads", heads).put("num_kv_heads", heads).put("q_len", tokens)
                    .put("new_kv_len", tokens).put("past_len", 0).put("head_dim", 1).put("value_head_dim", 1);
            c.putNull("bool_mask");
            c.putNull("additive_mask");
            c.put("key_lengths", false);
            return c;
        });
        double[] values = new double[heads * tokens];
        Map<String, StoredTensor> inputs = new LinkedHashMap<>();
        for (String name : List.of("query", "key", "value")) {
            inputs.put(name, new StoredTensor(DType.F32, new int[] {1, heads, tokens, 1}, values, null));
        }
        byte[] payload = Safetensors.write(inputs, Map.of());
        Files.write(w.payload(), payload);
        w.editManifest(o -> {
            o.remove("inputs");
            o.remove("outputs");
            ((ObjectNode) o.get("payload")).put("sha256", GoldenCase.sha256(payload));
            return o;
        });
        return "";
    }
}
