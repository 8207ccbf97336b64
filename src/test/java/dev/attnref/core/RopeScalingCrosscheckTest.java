package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link RopeScaling} and {@link Rope} against {@code reference-data/rope-scaling/outputs.json}, which an
 * independent NumPy implementation ({@code crosscheck_rope_scaling.py}, re-run in CI by
 * {@code .ci/checks/rope-scaling.sh}) computed from the rules' equations for the configurations of
 * {@code cases.json}: DeepSeek-V3's YaRN, Llama 3.1 8B's llama3 rule, dynamic NTK at Llama 2's width,
 * and small widths. Every case is compared (none skipped), and YaRN and llama3 each have a case where
 * all three regimes (kept, blended, scaled) occur. Tolerances are the script's, with their reasons there.
 */
class RopeScalingCrosscheckTest {
    private static final Path DIR = Path.of(System.getProperty("attnref.root", System.getProperty("user.dir")),
            "reference-data", "rope-scaling");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void javaAgreesWithTheNumpyOutputsOnEveryCase() throws IOException {
        JsonNode cases = JSON.readTree(DIR.resolve("cases.json").toFile()).get("cases");
        Map<String, JsonNode> outputs = new HashMap<>();
        for (JsonNode output : JSON.readTree(DIR.resolve("outputs.json").toFile()).get("cases")) {
            outputs.put(output.get("id").asText(), output);
        }
        assertEquals(cases.size(), outputs.size(), "outputs.json and cases.json list different cases");
        Set<String> allRegimes = new HashSet<>();
        for (JsonNode input : cases) {
            String id = input.get("id").asText();
            JsonNode expected = outputs.get(id);
            assertTrue(expected != null, id + " has no output");
            checkCase(id, input, expected);
            JsonNode regimes = expected.get("regimes");
            if (!regimes.isNull() && regimes.get("kept").asInt() > 0 && regimes.get("blended").asInt() > 0
                    && regimes.get("scaled").asInt() > 0) {
                allRegimes.add(input.get("rope_scaling").get("rope_type").asText());
            }
        }
        assertEquals(Set.of("yarn", "llama3"), allRegimes, "rules with a case where every regime occurs");
    }

    private static void checkCase(String id, JsonNode input, JsonNode expected) {
        int width = input.get("rotary_dim").asInt();
        double theta = input.get("rope_theta").asDouble();
        RopeScaling scaling = scaling(input.get("rope_scaling"));
        int[] positions = JSON.convertValue(input.get("positions"), int[].class);
        int longest = Arrays.stream(positions).max().orElseThrow() + 1;

        double[] omega = new Rope(width, theta, RopePairing.INTERLEAVED, scaling).inverseFrequencies(longest);
        double[] expectedOmega = numbers(expected.get("inverse_frequencies"));
        assertEquals(expectedOmega.length, omega.length, id);
        for (int j = 0; j < omega.length; j++) {
            assertEquals(expectedOmega[j], omega[j], Tolerances.NUMPY_FREQUENCY_RELATIVE * expectedOmega[j], id + ": ω'_" + j);
        }
        double multiplier = scaling instanceof RopeScaling.Yarn yarn ? yarn.softmaxScaleMultiplier() : 1.0;
        double expectedMultiplier = expected.get("softmax_scale_multiplier").asDouble();
        assertEquals(expectedMultiplier, multiplier, Tolerances.NUMPY_FREQUENCY_RELATIVE * expectedMultiplier, id + ": multiplier");
        assertEquals(expected.get("regimes"), regimes(scaling, width, theta, omega), id + ": regimes");

        Tensor x = input(positions.length, width);
        for (RopePairing pairing : RopePairing.values()) {
            double[] rotated = new Rope(width, theta, pairing, scaling).apply(x, positions).toArray();
            double[] want = numbers(expected.get(pairing.name().toLowerCase()));
            for (int i = 0; i < rotated.length; i++) {
                double bound = Tolerances.ROTATION_PER_POSITION * (1 + positions[i / width]) * 1.25;   // max|x| = 5/4
                assertEquals(want[i], rotated[i], bound, id + ", " + pairing + ", flat index " + i);
            }
        }
    }

    /** The case's {@code rope_scaling} object; each rule's keys are its source's spelling. */
    private static RopeScaling scaling(JsonNode c) {
        return switch (c.get("rope_type").asText()) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear(c.get("factor").asDouble());
            case "dynamic" -> new RopeScaling.DynamicNtk(c.get("factor").asDouble(),
                    c.get("original_max_position_embeddings").asInt());
            case "yarn" -> new RopeScaling.Yarn(c.get("rope_factor").asDouble(), c.get("original_seq_len").asInt(),
                    c.get("max_seq_len").asInt(), c.get("beta_fast").asDouble(), c.get("beta_slow").asDouble(),
                    c.get("mscale").asDouble());
            case "llama3" -> new RopeScaling.Llama3(c.get("factor").asDouble(), c.get("low_freq_factor").asDouble(),
                    c.get("high_freq_factor").asDouble(), c.get("original_max_position_embeddings").asInt());
            default -> throw new IllegalArgumentException("rope_type " + c.get("rope_type") + " is not a rule");
        };
    }

    /** Kept / blended / scaled pair counts as the Java rule sees them; null where the rule has no regimes. */
    private static JsonNode regimes(RopeScaling scaling, int width, double theta, double[] scaled) {
        int[] counts = new int[3];
        if (scaling instanceof RopeScaling.Yarn yarn && yarn.active()) {
            for (double r : yarn.ramp(width, theta)) {
                counts[r == 0 ? 0 : r == 1 ? 2 : 1]++;
            }
        } else if (scaling instanceof RopeScaling.Llama3 llama) {
            double[] omega = RopeScaling.unscaled(width, theta);
            for (int j = 0; j < omega.length; j++) {
                counts[scaled[j] == omega[j] ? 0 : scaled[j] == omega[j] / llama.factor() ? 2 : 1]++;
            }
        } else {
            return JSON.nullNode();
        }
        return JSON.valueToTree(Map.of("kept", counts[0], "blended", counts[1], "scaled", counts[2]));
    }

    /** {@code x[t][d] = ((7d + 3t + 1) mod 11 − 5) / 4}, as cases.json states it. */
    private static Tensor input(int rows, int width) {
        double[] x = new double[rows * width];   // [T, P]
        for (int t = 0; t < rows; t++) {
            for (int d = 0; d < width; d++) {
                x[t * width + d] = ((7 * d + 3 * t + 1) % 11 - 5) / 4.0;
            }
        }
        return Tensor.of(x, rows, width);
    }

    private static double[] numbers(JsonNode array) {
        return JSON.convertValue(array, double[].class);
    }
}
