package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The modules against the independent PyTorch implementation of {@code reference-data/mla}
 * ({@code crosscheck_mla.py}, float64, written from docs/MATH.md), replaying its committed inputs and
 * outputs without Python:
 * <ul>
 *   <li>{@link MlaWeights#of} and {@link Mfa#of} / {@link MfaKeyReuse#of} take the script's
 *       weights as they are (the oracle layout), and each module's prefill from the case's start
 *       position reproduces the script's output, logits, probabilities and cache;</li>
 *   <li>both {@link AbsorbedMla} realisations reproduce the script's absorbed output and logits;</li>
 *   <li>{@link MlaWeights#random} and {@link Mfa#random} with the case's seed redraw the committed
 *       weights bit for bit (their documented draw order is the one the inputs were made with).</li>
 * </ul>
 */
class LatentModulesCrosscheckTest {

    private static final Path DIR = Path.of(System.getProperty("attnref.root", System.getProperty("user.dir")),
            "reference-data", "mla");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void modulesReproduceThePyTorchCrosscheckOutputs() throws IOException {
        Map<String, JsonNode> outputs = new HashMap<>();
        for (JsonNode entry : JSON.readTree(DIR.resolve("crosscheck_outputs.json").toFile()).get("cases")) {
            outputs.put(entry.get("id").asText(), entry);
        }
        int checked = 0;
        for (JsonNode input : JSON.readTree(DIR.resolve("crosscheck_inputs.json").toFile()).get("cases")) {
            String id = input.get("id").asText();
            JsonNode python = outputs.get(id);
            assertTrue(python != null, "case " + id + " has no committed output");
            switch (input.get("family").asText()) {
                case "mla" -> checkMla(id, input, python);
                case "mfa", "mfa-kr" -> checkMfa(id, input, python);
                default -> throw new AssertionError("case " + id + ": unknown family " + input.get("family"));
            }
            checked++;
        }
        assertEquals(4, checked, "MLA with and without query compression, MFA and MFA-KR");
    }

    private static void checkMla(String id, JsonNode input, JsonNode python) {
        JsonNode c = input.get("config");
        JsonNode o = input.get("options");
        JsonNode w = input.get("weights");
        int batch = input.get("batch").asInt();
        int seqLen = input.get("seqLen").asInt();
        MlaShape shape = new MlaShape(c.get("modelWidth").asInt(), c.get("numHeads").asInt(), c.get("qLoraRank").asInt(),
                c.get("kvLoraRank").asInt(), c.get("qkNopeHeadDim").asInt(), c.get("qkRopeHeadDim").asInt(),
                c.get("vHeadDim").asInt());
        MlaWeights.Settings settings = new MlaWeights.Settings(o.get("ropeTheta").asDouble(), pairing(o),
                o.get("rmsEps").asDouble(), o.get("yarnMscale").asDouble(), o.get("yarnFactor").asDouble());
        int m = shape.modelWidth();
        int h = shape.numHeads();
        int cq = shape.qLoraRank();
        int qkOut = h * shape.qkHeadDim();
        MlaWeights weights = MlaWeights.of(shape, settings,
                optional(w, "wDq", cq, m), optional(w, "qNorm", cq), optional(w, "wUq", qkOut, cq), optional(w, "wQ", qkOut, m),
                tensor(w.get("wDkv"), shape.kvLoraRank() + shape.qkRopeHeadDim(), m),
                tensor(w.get("kvNorm"), shape.kvLoraRank()),
                tensor(w.get("wUkv"), h * (shape.qkNopeHeadDim() + shape.vHeadDim()), shape.kvLoraRank()),
                tensor(w.get("wO"), m, h * shape.vHeadDim()));
        Tensor x = tensor(input.get("x"), batch, seqLen, m);
        int start = o.get("startPosition").asInt();

        MlaWeights redrawn = MlaWeights.random(shape, settings, new SeededRandom(input.get("seed").asLong()));
        for (Tensor[] pair : List.of(new Tensor[] {redrawn.wDkv(), weights.wDkv()}, new Tensor[] {redrawn.wUkv(), weights.wUkv()},
                new Tensor[] {redrawn.wO(), weights.wO()}, new Tensor[] {redrawn.kvNorm(), weights.kvNorm()},
                new Tensor[] {cq > 0 ? redrawn.wUq() : redrawn.wQ(), cq > 0 ? weights.wUq() : weights.wQ()})) {
            assertTrue(pair[0].bitwiseEquals(pair[1]), id + ": MlaWeights.random(seed) must redraw the committed weights");
        }

        NaiveMla naive = new NaiveMla(weights);
        ForwardResult naiveResult = naive.forward(x, naive.newCache(batch, start));
        assertMatches(id + " naive", naiveResult, python, batch, h, seqLen, m);
        for (SelfAttention<LatentCache> absorbed : List.of(new AbsorbedMla(weights), new PrecomputedAbsorbedMla(weights))) {
            LatentCache cache = absorbed.newCache(batch, start);
            ForwardResult result = absorbed.forward(x, cache);
            String what = id + " " + absorbed.getClass().getSimpleName();
            assertClose(what + " output", result.output(), tensor(python.get("absorbedOutput"), batch, seqLen, m), SAME_MATH);
            assertClose(what + " logits", result.logits(), tensor(python.get("absorbedLogits"), batch, h, seqLen, seqLen),
                    SAME_MATH);
            assertClose(what + " cache", Tensor.cat(List.of(cache.latent(), cache.ropeKey()), -1),
                    tensor(python.get("cache"), batch, seqLen, shape.kvLoraRank() + shape.qkRopeHeadDim()), SAME_MATH);
        }
    }

    private static void checkMfa(String id, JsonNode input, JsonNode python) {
        JsonNode c = input.get("config");
        JsonNode o = input.get("options");
        JsonNode w = input.get("weights");
        int batch = input.get("batch").asInt();
        int seqLen = input.get("seqLen").asInt();
        boolean keyReuse = input.get("family").asText().equals("mfa-kr");
        MfaShape shape = new MfaShape(c.get("modelWidth").asInt(), c.get("numHeads").asInt(), c.get("queryRank").asInt(),
                c.get("headDim").asInt(), keyReuse);
        MfaSettings settings = new MfaSettings(o.get("ropeTheta").asDouble(), pairing(o), o.get("rmsEps").asDouble());
        int m = shape.modelWidth();
        int h = shape.numHeads();
        int width = shape.headDim();
        int cq = shape.queryRank();
        Tensor sQ = tensor(w.get("sQ"), cq, m);
        Tensor qNorm = tensor(w.get("qNorm"), cq);
        Tensor qC = tensor(w.get("qC"), h * width, cq);
        Tensor sK = tensor(w.get("sK"), width, m);
        Tensor wO = tensor(w.get("wO"), m, h * width);
        Tensor x = tensor(input.get("x"), batch, seqLen, m);
        int start = o.get("startPosition").asInt();
        Tensor cache;
        ForwardResult result;
        if (keyReuse) {
            MfaKeyReuse module = MfaKeyReuse.of(shape, settings, sQ, qNorm, qC, sK, tensor(w.get("alpha"), width),
                    tensor(w.get("n"), width, width), wO);
            LatentCache own = module.newCache(batch, start);
            result = module.forward(x, own);
            cache = own.latent();
        } else {
            Mfa module = Mfa.of(shape, settings, sQ, qNorm, qC, sK, tensor(w.get("sV"), width, m), wO);
            Mfa redrawn = Mfa.random(shape, settings, new SeededRandom(input.get("seed").asLong()));
            assertTrue(redrawn.qC().bitwiseEquals(qC) && redrawn.sV().bitwiseEquals(module.sV())
                    && redrawn.wO().bitwiseEquals(wO), id + ": Mfa.random(seed) must redraw the committed weights");
            KvCache own = module.newCache(batch, start);
            result = module.forward(x, own);
            cache = Tensor.cat(List.of(own.keys(), own.values()), -1).squeeze(1);   // [B, S, 2C]
        }
        assertMatches(id, result, python, batch, h, seqLen, m);
        assertClose(id + " cache", cache, tensor(python.get("cache"), batch, seqLen, keyReuse ? width : 2 * width), SAME_MATH);
    }

    private static void assertMatches(String what, ForwardResult result, JsonNode python, int batch, int numHeads, int seqLen,
            int modelWidth) {
        assertClose(what + " output", result.output(), tensor(python.get("output"), batch, seqLen, modelWidth), SAME_MATH);
        assertClose(what + " logits", result.logits(), tensor(python.get("logits"), batch, numHeads, seqLen, seqLen), SAME_MATH);
        assertClose(what + " probabilities", result.probabilities(),
                tensor(python.get("probabilities"), batch, numHeads, seqLen, seqLen), SAME_MATH);
    }

    private static RopePairing pairing(JsonNode options) {
        return RopePairing.valueOf(options.get("ropePairing").asText().toUpperCase(Locale.ROOT));
    }

    /** A JSON number array as a tensor; null (the script's −∞ for a masked logit) as −∞. */
    private static Tensor tensor(JsonNode array, int... shape) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).isNull() ? Double.NEGATIVE_INFINITY : array.get(i).asDouble();
        }
        return Tensor.of(values, shape);
    }

    private static Tensor optional(JsonNode weights, String name, int... shape) {
        return weights.has(name) ? tensor(weights.get(name), shape) : null;
    }
}
