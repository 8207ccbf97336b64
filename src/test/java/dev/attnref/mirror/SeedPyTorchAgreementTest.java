package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every case that {@code reference-data/seeds/run_seeds.py} recorded from real PyTorch 1.13
 * ({@code seed_outputs.json}), replayed on the Java mirrors: same state dict, same inputs, same mode
 * (a training-mode run replays PyTorch's recorded dropout keep mask), every fidelity the file holds.
 * Outputs must agree within {@link Tolerances#PYTORCH_RELATIVE}; an exception must be raised at the
 * same stage and be of the kind the Python class maps to; printed output must be identical.
 *
 * <p>Python exception → Java: {@code RuntimeError} → {@link IllegalArgumentException} (a
 * {@link Tensor.ViewException} when PyTorch's message is the {@code view} one); {@code ValueError}
 * (the fixed code's divisibility checks) → {@link IllegalArgumentException};
 * {@code TypeError}, {@code AssertionError} → {@link MirroredPythonError} of that Python type;
 * {@code NameError} (§3.1 run on its own) → the {@code TypeError} the mirror raises, because the
 * mirror reads §2.1 and §3.1 as one file (the run {@code as_published_after_mqa}).
 *
 * <p>Fidelities: {@code as_published}, {@code as_published_after_mqa}, {@code matmul_reference} →
 * {@link Fidelity#AS_PUBLISHED}; {@code as_published_super_fixed} →
 * {@link Seed000GroupQueryAttention#withOnlySuperCallFixed}; {@code *_default_float64} and every case
 * whose config says {@code default_dtype: float64} → {@link TorchDefaultDtype#FLOAT64};
 * {@code fixed} → {@link Fidelity#FIXED}.
 */
class SeedPyTorchAgreementTest {

    private static final Path FILE = Path.of(System.getProperty("attnref.root", System.getProperty("user.dir")),
            "reference-data", "seeds", "seed_outputs.json");

    /** One recorded run: which snippet, case and fidelity, and the JSON of the case and of the run. */
    private record Run(String snippet, JsonNode testCase, String fidelity, JsonNode record) {
        String where() {
            return snippet + "." + testCase.path("id").asText() + "." + fidelity;
        }

        JsonNode config() {
            return testCase.path("config");
        }

        Fidelity mirrorFidelity() {
            return fidelity.equals("fixed") ? Fidelity.FIXED : Fidelity.AS_PUBLISHED;
        }

        TorchDefaultDtype defaultDtype() {
            boolean float32 = config().path("default_dtype").asText("float64").startsWith("float32")
                    && !fidelity.endsWith("_default_float64");
            return float32 ? TorchDefaultDtype.FLOAT32 : TorchDefaultDtype.FLOAT64;
        }
    }

    @Test
    void everyRecordedRunAgreesWithTheMirror() throws IOException {
        JsonNode document = new ObjectMapper().readTree(FILE.toFile());
        assertEquals("attnref-seed-outputs/1", document.path("format").asText(), "format of " + FILE);
        List<String> failures = new ArrayList<>();
        Set<String> snippets = new TreeSet<>();
        int runs = 0;
        for (Map.Entry<String, JsonNode> snippet : iterable(document.path("snippets"))) {
            snippets.add(snippet.getKey());
            for (JsonNode testCase : snippet.getValue().path("cases")) {
                for (Map.Entry<String, JsonNode> run : iterable(testCase.path("runs"))) {
                    Run r = new Run(snippet.getKey(), testCase, run.getKey(), run.getValue());
                    runs++;
                    try {
                        replay(r);
                    } catch (AssertionError | RuntimeException e) {
                        failures.add(r.where() + ": " + e.getMessage());
                    }
                }
            }
        }
        assertEquals(Set.of("Seed000MultiHeadAttention", "Seed000MutiQueryAttention", "Seed000GroupQueryAttention",
                "Seed000MultiHeadLatentAttention", "Seed002MultiHeadAttention", "Seed002GroupQueryAttention",
                "Seed003MultiHeadAttention", "Seed003ScaledDotProductAttentionOptimized"), snippets);
        assertTrue(runs >= 90, "only " + runs + " runs in " + FILE);
        assertTrue(failures.isEmpty(), failures.size() + " of " + runs + " runs disagree:\n" + String.join("\n", failures));
    }

    /** Constructs, loads, runs and compares one run; throws AssertionError naming what differs. */
    private static void replay(Run run) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (JsonNode input : run.testCase().path("inputs")) {
            inputs.put(input.path("name").asText(), tensor(input));
        }
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Object module;
        try {
            module = construct(run, out);
        } catch (RuntimeException e) {
            expectException(run, "construct", e);
            return;
        }
        if (run.record().has("state_dict")) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (JsonNode entry : run.record().path("state_dict")) {
                state.put(entry.path("name").asText(), tensor(entry));
            }
            ((MirrorModule) module).loadStateDict(state);
        }
        if (module instanceof MirrorModule m) {
            m.train("train".equals(run.record().path("mode").asText()));
        }
        if (run.record().has("dropout")) {
            Tensor keep = tensor(run.record().path("dropout").path("keep"));
            NnDropout dropout = module instanceof Seed000MultiHeadAttention labml ? labml.dropout()
                    : ((Seed002MultiHeadAttention) module).attDropout();
            assertEquals(dropout.p(), run.record().path("dropout").path("p").asDouble(), "dropout p");
            dropout.replayKeep(keep);
        }
        Map<String, Tensor> outputs;
        try {
            outputs = forward(run, module, inputs);
        } catch (RuntimeException e) {
            expectException(run, "forward", e);
            assertEquals(run.record().path("stdout").asText(""), printed.toString(StandardCharsets.UTF_8), "stdout");
            return;
        }
        if (run.record().has("exception")) {
            fail("PyTorch raised " + run.record().path("exception") + " at " + run.record().path("stage").asText()
                    + "; the mirror did not");
        }
        assertEquals(run.record().path("stdout").asText(""), printed.toString(StandardCharsets.UTF_8), "stdout");
        List<String> expectedNames = new ArrayList<>();
        for (JsonNode output : run.record().path("outputs")) {
            String name = output.path("name").asText();
            expectedNames.add(name);
            Tensor actual = outputs.get(name);
            if (actual == null) {
                fail("the mirror produced no output '" + name + "'");
            }
            compare(name, tensor(output), actual);
        }
        assertEquals(expectedNames, List.copyOf(outputs.keySet()), "output names");
    }

    /** The mirror object for a run: a module, or a function (the bmm snippet without a module). */
    private static Object construct(Run run, PrintStream out) {
        JsonNode c = run.config();
        SeededRandom random = new SeededRandom(run.testCase().path("seed").asLong());
        Fidelity fidelity = run.mirrorFidelity();
        switch (run.snippet()) {
            case "Seed000MultiHeadAttention":
                if (run.testCase().path("id").asText().equals("prepare_2d")) {
                    return new Seed000MultiHeadAttention.PrepareForMultiHeadAttention(c.path("d_model").asInt(),
                            c.path("heads").asInt(), c.path("d_k").asInt(), c.path("bias").asBoolean(), random);
                }
                return new Seed000MultiHeadAttention(c.path("heads").asInt(), c.path("d_model").asInt(),
                        c.path("dropout_prob").asDouble(), c.path("bias").asBoolean(), fidelity, random);
            case "Seed000MutiQueryAttention":
                return new Seed000MutiQueryAttention(c.path("hidden_size").asInt(), c.path("num_heads").asInt(),
                        fidelity, random).torchDefaultDtype(run.defaultDtype());
            case "Seed000GroupQueryAttention": {
                int hidden = c.path("hidden_size").asInt();
                int heads = c.path("num_heads").asInt();
                int groups = c.path("group_num").asInt();
                Seed000GroupQueryAttention gqa = run.fidelity().startsWith("as_published_super_fixed")
                        ? Seed000GroupQueryAttention.withOnlySuperCallFixed(hidden, heads, groups, random)
                        : new Seed000GroupQueryAttention(hidden, heads, groups, fidelity, random);
                return gqa.torchDefaultDtype(run.defaultDtype());
            }
            case "Seed000MultiHeadLatentAttention":
                return new Seed000MultiHeadLatentAttention(c.path("d_model").asInt(), c.path("num_heads").asInt(),
                        c.path("q_latent_dim").asInt(), c.path("kv_latent_dim").asInt(), fidelity, random);
            case "Seed002MultiHeadAttention":
                return new Seed002MultiHeadAttention(c.path("hidden_dim").asInt(), c.path("nums_head").asInt(),
                        fidelity, random).printTo(out);
            case "Seed002GroupQueryAttention":
                return new Seed002GroupQueryAttention(c.path("hidden_dim").asInt(), c.path("nums_head").asInt(),
                        c.path("nums_key_value_head").asInt(), fidelity, random);
            case "Seed003MultiHeadAttention":
                return new Seed003MultiHeadAttention(c.path("d_model").asInt(), c.path("num_heads").asInt(), fidelity,
                        random);
            case "Seed003ScaledDotProductAttentionOptimized":
                if (!c.has("d_model")) {
                    return fidelity;
                }
                // §7's function put in place of §3's method (run in_mha_*); matmul_reference keeps the method.
                Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(c.path("d_model").asInt(),
                        c.path("num_heads").asInt(), Fidelity.AS_PUBLISHED, random);
                if (run.fidelity().equals("matmul_reference")) {
                    return mha;
                }
                return mha.replaceScaledDotProductAttention((q, k, v, mask) -> {
                    Seed003ScaledDotProductAttentionOptimized.Result r =
                            Seed003ScaledDotProductAttentionOptimized.apply(q, k, v, mask, fidelity);
                    return new Seed003MultiHeadAttention.Result(r.output(), r.attentionWeights());
                });
            default:
                throw new AssertionError("no mirror for snippet " + run.snippet());
        }
    }

    /** The run's forward call(s), outputs named as the JSON names them. */
    private static Map<String, Tensor> forward(Run run, Object module, Map<String, Tensor> in) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor mask = in.get(in.containsKey("attention_mask") ? "attention_mask" : "mask");
        switch (run.snippet()) {
            case "Seed000MultiHeadAttention":
                if (module instanceof Seed000MultiHeadAttention.PrepareForMultiHeadAttention prepare) {
                    out.put("output", prepare.forward(in.get("x")));
                } else {
                    Seed000MultiHeadAttention labml = (Seed000MultiHeadAttention) module;
                    out.put("output", labml.forward(in.get("query"), in.get("key"), in.get("value"), mask));
                    out.put("attn", labml.attn());
                }
                break;
            case "Seed000MutiQueryAttention":
                withAndWithoutMask(out, mask, m -> ((Seed000MutiQueryAttention) module).forward(in.get("hidden_state"), m));
                break;
            case "Seed000GroupQueryAttention":
                if (in.containsKey("hidden_state")) {
                    withAndWithoutMask(out, mask,
                            m -> ((Seed000GroupQueryAttention) module).forward(in.get("hidden_state"), m));
                }
                break;
            case "Seed000MultiHeadLatentAttention": {
                Seed000MultiHeadLatentAttention mla = (Seed000MultiHeadLatentAttention) module;
                out.put("output", mla.forward(in.get("x")));
                if (run.mirrorFidelity() == Fidelity.FIXED) {
                    out.put("output_naive", mla.forward(in.get("x"), false, false));
                    out.put("output_causal", mla.forward(in.get("x"), true, true));
                }
                break;
            }
            case "Seed002MultiHeadAttention":
                out.put("output", ((Seed002MultiHeadAttention) module).forward(in.get("X"), mask));
                break;
            case "Seed002GroupQueryAttention":
                withAndWithoutMask(out, mask, m -> ((Seed002GroupQueryAttention) module).forward(in.get("X"), m));
                break;
            case "Seed003MultiHeadAttention":
            case "Seed003ScaledDotProductAttentionOptimized": {
                Seed003MultiHeadAttention.Result r;
                if (module instanceof Seed003MultiHeadAttention mha) {
                    r = mha.forward(in.get("Q"), in.get("K"), in.get("V"), mask);
                } else {
                    Seed003ScaledDotProductAttentionOptimized.Result b = Seed003ScaledDotProductAttentionOptimized
                            .apply(in.get("Q"), in.get("K"), in.get("V"), mask, (Fidelity) module);
                    r = new Seed003MultiHeadAttention.Result(b.output(), b.attentionWeights());
                }
                out.put("output", r.output());
                out.put("attention_weights", r.attentionWeights());
                break;
            }
            default:
                throw new AssertionError("no forward for snippet " + run.snippet());
        }
        return out;
    }

    /** {@code output = m(x, mask)} and, when a mask was given, {@code output_without_mask = m(x)}. */
    private static void withAndWithoutMask(Map<String, Tensor> out, Tensor mask, Function<Tensor, Tensor> call) {
        out.put("output", call.apply(mask));
        if (mask != null) {
            out.put("output_without_mask", call.apply(null));
        }
    }

    /** The Python exception recorded for this run, raised at {@code stage}, maps to {@code e}. */
    private static void expectException(Run run, String stage, RuntimeException e) {
        JsonNode recorded = run.record().path("exception");
        if (recorded.isMissingNode()) {
            throw new AssertionError("the mirror raised at " + stage + " where PyTorch did not: " + e, e);
        }
        assertEquals(run.record().path("stage").asText(), stage, "stage of " + recorded + " (mirror: " + e + ")");
        String pythonClass = recorded.path("class").asText();
        String message = recorded.path("message").asText();
        switch (pythonClass) {
            case "RuntimeError":
                if (message.startsWith("view size is not compatible")) {
                    assertInstanceOf(Tensor.ViewException.class, e, message);
                } else {
                    assertTrue(e instanceof IllegalArgumentException && !(e instanceof MirroredPythonError),
                            "RuntimeError '" + message + "' vs " + e);
                }
                break;
            case "ValueError":
                assertTrue(e instanceof IllegalArgumentException && !(e instanceof MirroredPythonError),
                        "ValueError '" + message + "' vs " + e);
                assertEquals(message, e.getMessage(), "the fixed code's check and the mirror's say the same");
                break;
            case "TypeError":
            case "AssertionError":
            case "NameError": {
                MirroredPythonError mirrored = assertInstanceOf(MirroredPythonError.class, e, pythonClass + " " + message);
                String expectedType = pythonClass.equals("NameError") ? "TypeError" : pythonClass;
                assertEquals(expectedType, mirrored.pythonType(), message);
                if (!pythonClass.equals("NameError")) {
                    assertTrue(mirrored.pythonMessage().startsWith(message), mirrored.pythonMessage() + " vs " + message);
                }
                break;
            }
            default:
                throw new AssertionError("no Java kind for Python " + pythonClass + ": " + message, e);
        }
    }

    /** Element-wise comparison under {@link Tolerances#PYTORCH_RELATIVE}; NaN must meet NaN, infinities their equal. */
    private static void compare(String name, Tensor expected, Tensor actual) {
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            fail(name + ": shape " + Arrays.toString(actual.shape()) + ", PyTorch " + Arrays.toString(expected.shape()));
        }
        double[] e = expected.toArray();
        double[] a = actual.toArray();
        double scale = 0;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double floor = Tolerances.PYTORCH_FLOOR_FRACTION * scale;
        for (int i = 0; i < e.length; i++) {
            boolean same = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? e[i] == a[i]
                    : Math.abs(a[i] - e[i]) <= Tolerances.PYTORCH_RELATIVE * Math.max(Math.max(Math.abs(a[i]), Math.abs(e[i])), floor);
            if (!same) {
                fail(name + " " + Arrays.toString(expected.shape()) + " at flat index " + i + ": mirror " + a[i]
                        + ", PyTorch " + e[i]);
            }
        }
    }

    /** A tensor record: {@code shape}, flat row-major {@code values} ("NaN", "Infinity", "-Infinity" as strings). */
    static Tensor tensor(JsonNode record) {
        List<Integer> shapeList = new ArrayList<>();
        record.path("shape").forEach(n -> shapeList.add(n.asInt()));
        int[] shape = shapeList.stream().mapToInt(Integer::intValue).toArray();
        JsonNode values = record.path("values");
        double[] data = new double[values.size()];
        for (int i = 0; i < data.length; i++) {
            JsonNode v = values.get(i);
            data[i] = v.isTextual() ? switch (v.asText()) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("value " + v + " in " + record.path("name"));
            } : v.asDouble();
        }
        if ("split_heads".equals(record.path("layout").asText())) {
            // Logical [B, H, T, D] stored as a contiguous [B, T, H, D] transposed (1, 2), as split_heads leaves it.
            Tensor logical = Tensor.of(data, shape);
            return logical.transpose(1, 2).contiguous().transpose(1, 2);
        }
        return Tensor.of(data, shape);
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        object.fields().forEachRemaining(entries::add);
        return entries;
    }
}
