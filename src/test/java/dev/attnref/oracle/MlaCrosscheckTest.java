package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link OracleMla} and {@link OracleMfa} against an independent PyTorch implementation,
 * {@code reference-data/mla/crosscheck_mla.py}, written from docs/MATH.md (naive and absorbed MLA, MFA,
 * MFA-KR). The script's inputs and outputs are committed, so this test runs without Python:
 *
 * <ol>
 *   <li>the committed inputs are exactly what the seeds below produce (bit for bit);</li>
 *   <li>the Java oracles on those inputs reproduce the script's naive outputs;</li>
 *   <li>the script's absorbed MLA equals the Java naive MLA (docs/MATH.md: ~1e-16 relative apart).</li>
 * </ol>
 *
 * <p>To change the cases: edit {@link #cases()}, then
 * {@code mvn -q -B test -Dtest=MlaCrosscheckTest -Dattnref.regenerate=mla-crosscheck} (writes the
 * inputs) and {@code /usr/bin/python3 reference-data/mla/crosscheck_mla.py} (writes the outputs);
 * {@code crosscheck_mla.py --check} confirms the committed outputs still reproduce.
 */
class MlaCrosscheckTest {


    private static final Path DIR = Path.of(System.getProperty("attnref.root", System.getProperty("user.dir")),
            "reference-data", "mla");
    private static final Path INPUTS = DIR.resolve("crosscheck_inputs.json");
    private static final Path OUTPUTS = DIR.resolve("crosscheck_outputs.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One cross-check case: sizes, options, and the seed its weights (then x) are drawn from. */
    private record Case(String id, String family, int seed, int batch, int seqLen, Map<String, Object> config,
            Map<String, Object> options) {
    }

    private static List<Case> cases() {
        return List.of(
                // Query compression, interleaved pairs, start 3, DeepSeek-V3's YaRN multiplier (m 1, f 40).
                new Case("mla-q-lora", "mla", 101, 2, 5,
                        mlaConfig(8, 3, 6, 4, 3, 4, 5), mlaOptions(10000.0, "interleaved", 3, 1e-6, 1.0, 40.0)),
                // No query compression (V2-Lite style), split-halves pairs, no YaRN.
                new Case("mla-no-q-lora", "mla", 102, 1, 6,
                        mlaConfig(7, 2, 0, 6, 2, 2, 3), mlaOptions(10000.0, "split_halves", 0, 1e-6, 1.0, 1.0)),
                new Case("mfa", "mfa", 103, 2, 4, mfaConfig(8, 3, 5, 6), mfaOptions(500000.0, "split_halves", 2, 1e-5)),
                new Case("mfa-kr", "mfa-kr", 104, 1, 5, mfaConfig(6, 4, 3, 4), mfaOptions(500000.0, "interleaved", 0, 1e-6)));
    }

    @Test
    void committedInputsAreExactlyWhatTheSeedsProduce() throws IOException {
        Map<String, Object> expected = inputsDocument();
        if ("mla-crosscheck".equals(System.getProperty("attnref.regenerate"))) {
            Files.writeString(INPUTS, JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(expected) + "\n");
        }
        JsonNode committed = JSON.readTree(INPUTS.toFile());
        JsonNode regenerated = JSON.valueToTree(expected);
        // JsonNode equality compares numbers by value: every double bit for bit, every size exactly.
        assertEquals(regenerated, committed, INPUTS + " differs from what the seeds produce; regenerate (see class Javadoc)");
    }

    @Test
    void oraclesReproduceTheIndependentPythonOutputs() throws IOException {
        Map<String, JsonNode> outputs = committedOutputs();
        for (JsonNode input : JSON.readTree(INPUTS.toFile()).get("cases")) {
            String id = input.get("id").asText();
            JsonNode python = outputs.get(id);
            assertTrue(python != null, "case " + id + " has no committed Python output in " + OUTPUTS);
            Computed java = run(input);
            assertClose(id + " output", values(python.get("output")), java.output());
            assertClose(id + " logits", values(python.get("logits")), java.logits());
            assertClose(id + " probabilities", values(python.get("probabilities")), java.probabilities());
            assertClose(id + " cache", values(python.get("cache")), java.cache());
        }
    }

    @Test
    void absorbedMlaEqualsNaiveMla() throws IOException {
        Map<String, JsonNode> outputs = committedOutputs();
        int mlaCases = 0;
        for (JsonNode input : JSON.readTree(INPUTS.toFile()).get("cases")) {
            if (!input.get("family").asText().equals("mla")) {
                continue;
            }
            mlaCases++;
            String id = input.get("id").asText();
            Computed naive = run(input);
            assertClose(id + " absorbed output vs Java naive", values(outputs.get(id).get("absorbedOutput")), naive.output());
            assertClose(id + " absorbed logits vs Java naive", values(outputs.get(id).get("absorbedLogits")), naive.logits());
        }
        assertEquals(2, mlaCases, "both MLA cases (with and without query compression) must be checked");
    }

    private record Computed(double[] output, double[] logits, double[] probabilities, double[] cache) {
    }

    private static Computed run(JsonNode input) {
        JsonNode c = input.get("config");
        JsonNode o = input.get("options");
        JsonNode w = input.get("weights");
        int batch = input.get("batch").asInt();
        int seqLen = input.get("seqLen").asInt();
        double[] x = values(input.get("x"));
        RopePairing pairing = RopePairing.valueOf(o.get("ropePairing").asText().toUpperCase(Locale.ROOT));
        if (input.get("family").asText().equals("mla")) {
            OracleMla.Config config = new OracleMla.Config(c.get("modelWidth").asInt(), c.get("numHeads").asInt(),
                    c.get("qLoraRank").asInt(), c.get("kvLoraRank").asInt(), c.get("qkNopeHeadDim").asInt(),
                    c.get("qkRopeHeadDim").asInt(), c.get("vHeadDim").asInt());
            OracleMla.Options options = new OracleMla.Options(o.get("ropeTheta").asDouble(), pairing,
                    o.get("startPosition").asInt(), o.get("rmsEps").asDouble(), o.get("yarnMscale").asDouble(),
                    o.get("yarnFactor").asDouble());
            OracleMla.Weights weights = new OracleMla.Weights(optional(w, "wDq"), optional(w, "qNorm"), optional(w, "wUq"),
                    optional(w, "wQ"), values(w.get("wDkv")), values(w.get("kvNorm")), values(w.get("wUkv")),
                    values(w.get("wO")));
            OracleMla.Result r = OracleMla.forward(config, options, weights, x, batch, seqLen);
            return new Computed(r.output(), r.logits(), r.probabilities(), r.cache());
        }
        OracleMfa.Config config = new OracleMfa.Config(c.get("modelWidth").asInt(), c.get("numHeads").asInt(),
                c.get("queryRank").asInt(), c.get("headDim").asInt());
        OracleMfa.Options options = new OracleMfa.Options(o.get("ropeTheta").asDouble(), pairing,
                o.get("startPosition").asInt(), o.get("rmsEps").asDouble());
        OracleMfa.ValuePath value = input.get("family").asText().equals("mfa-kr")
                ? new OracleMfa.KeyReuse(values(w.get("alpha")), values(w.get("n")))
                : new OracleMfa.SeparateValue(values(w.get("sV")));
        OracleMfa.Weights weights = new OracleMfa.Weights(values(w.get("sQ")), values(w.get("qNorm")),
                values(w.get("qC")), values(w.get("sK")), value, values(w.get("wO")));
        OracleMfa.Result r = OracleMfa.forward(config, options, weights, x, batch, seqLen);
        return new Computed(r.output(), r.logits(), r.probabilities(), r.cache());
    }

    // ---- the committed inputs, rebuilt from the seeds ----

    private static Map<String, Object> inputsDocument() {
        List<Object> entries = new ArrayList<>();
        for (Case spec : cases()) {
            SeededRandom random = new SeededRandom(spec.seed());
            Map<String, Object> c = spec.config();
            Map<String, double[]> weights = new LinkedHashMap<>();
            int modelWidth = (Integer) c.get("modelWidth");
            if (spec.family().equals("mla")) {
                OracleMla.Weights w = MlaFixtures.randomMla(new OracleMla.Config(modelWidth, (Integer) c.get("numHeads"),
                        (Integer) c.get("qLoraRank"), (Integer) c.get("kvLoraRank"), (Integer) c.get("qkNopeHeadDim"),
                        (Integer) c.get("qkRopeHeadDim"), (Integer) c.get("vHeadDim")), random);
                putPresent(weights, "wDq", w.wDq());
                putPresent(weights, "qNorm", w.qNorm());
                putPresent(weights, "wUq", w.wUq());
                putPresent(weights, "wQ", w.wQ());
                weights.put("wDkv", w.wDkv());
                weights.put("kvNorm", w.kvNorm());
                weights.put("wUkv", w.wUkv());
                weights.put("wO", w.wO());
            } else {
                boolean keyReuse = spec.family().equals("mfa-kr");
                OracleMfa.Weights w = MlaFixtures.randomMfa(new OracleMfa.Config(modelWidth, (Integer) c.get("numHeads"),
                        (Integer) c.get("queryRank"), (Integer) c.get("headDim")), keyReuse, random);
                weights.put("sQ", w.sQ());
                weights.put("qNorm", w.qNorm());
                weights.put("qC", w.qC());
                weights.put("sK", w.sK());
                if (w.value() instanceof OracleMfa.KeyReuse reuse) {
                    weights.put("alpha", reuse.alpha());
                    weights.put("n", reuse.n());
                } else {
                    weights.put("sV", ((OracleMfa.SeparateValue) w.value()).sV());
                }
                weights.put("wO", w.wO());
            }
            double[] x = random.gaussians(spec.batch() * spec.seqLen() * modelWidth, 1.0);   // [B, T, M]
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", spec.id());
            entry.put("family", spec.family());
            entry.put("seed", spec.seed());
            entry.put("batch", spec.batch());
            entry.put("seqLen", spec.seqLen());
            entry.put("config", c);
            entry.put("options", spec.options());
            entry.put("x", x);
            entry.put("weights", weights);
            entries.add(entry);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", "attnref-mla-crosscheck-inputs/1");
        root.put("generator", "src/test/java/dev/attnref/oracle/MlaCrosscheckTest.java: weights drawn by MlaFixtures "
                + "from SeededRandom(seed), then x ~ N(0, 1)");
        root.put("cases", entries);
        return root;
    }

    private static Map<String, Object> mlaConfig(int modelWidth, int numHeads, int qLoraRank, int kvLoraRank,
            int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("modelWidth", modelWidth);
        c.put("numHeads", numHeads);
        c.put("qLoraRank", qLoraRank);
        c.put("kvLoraRank", kvLoraRank);
        c.put("qkNopeHeadDim", qkNopeHeadDim);
        c.put("qkRopeHeadDim", qkRopeHeadDim);
        c.put("vHeadDim", vHeadDim);
        return c;
    }

    private static Map<String, Object> mfaConfig(int modelWidth, int numHeads, int queryRank, int headDim) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("modelWidth", modelWidth);
        c.put("numHeads", numHeads);
        c.put("queryRank", queryRank);
        c.put("headDim", headDim);
        return c;
    }

    private static Map<String, Object> mlaOptions(double theta, String pairing, int start, double eps, double yarnMscale,
            double yarnFactor) {
        Map<String, Object> o = mfaOptions(theta, pairing, start, eps);
        o.put("yarnMscale", yarnMscale);
        o.put("yarnFactor", yarnFactor);
        return o;
    }

    private static Map<String, Object> mfaOptions(double theta, String pairing, int start, double eps) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("ropeTheta", theta);
        o.put("ropePairing", pairing);
        o.put("startPosition", start);
        o.put("rmsEps", eps);
        return o;
    }

    private static void putPresent(Map<String, double[]> weights, String name, double[] values) {
        if (values != null) {
            weights.put(name, values);
        }
    }

    // ---- reading and comparing ----

    private static Map<String, JsonNode> committedOutputs() throws IOException {
        JsonNode root = JSON.readTree(OUTPUTS.toFile());
        assertEquals("attnref-mla-crosscheck-outputs/1", root.get("format").asText(), OUTPUTS + " format");
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode entry : root.get("cases")) {
            byId.put(entry.get("id").asText(), entry);
        }
        return byId;
    }

    /** A JSON number array as double[]; null (the script's −∞ for a masked logit) as −∞. */
    private static double[] values(JsonNode array) {
        double[] result = new double[array.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = array.get(i).isNull() ? Double.NEGATIVE_INFINITY : array.get(i).asDouble();
        }
        return result;
    }

    private static double[] optional(JsonNode weights, String name) {
        return weights.has(name) ? values(weights.get(name)) : null;
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            boolean bothHidden = expected[i] == Double.NEGATIVE_INFINITY && actual[i] == Double.NEGATIVE_INFINITY;
            double bound = Tolerances.REORDERED_SUMS * Math.max(1.0, Math.abs(expected[i]));
            if (!bothHidden && !(Math.abs(expected[i] - actual[i]) <= bound)) {
                fail(what + "[" + i + "]: Python " + expected[i] + ", Java " + actual[i]);
            }
        }
    }
}
