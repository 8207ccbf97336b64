package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.core.RopeScaling;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * v2's RoPE-scaling cases cover what issue 14 asks: every rule in every format where it is defined, YaRN and
 * Llama 3.1 at rotary widths where all three regimes occur (pairs kept, divided by the factor, and blended),
 * MLA with max_seq_len &gt; original_seq_len, dynamic NTK past its original length; and the {@code rope_scaling}
 * key is read strictly (one-line errors naming the key and what was expected).
 */
class RopeScalingCasesTest {

    /** A {@code rope_scaling} object found in a case, with the width P and base θ beside it. */
    private record Rule(GoldenGenerator.Definition definition, JsonNode scaling, int rotaryDim, double theta) {
        String type() {
            return scaling.path("rope_type").asText();
        }

        String caseId() {
            return definition.id();
        }

        String variant() {
            return definition.variant();
        }
    }

    private static List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (GoldenGenerator.Definition d : GoldenCases.definitions("v2")) {
            collect(d, d.config(), out);
        }
        return out;
    }

    /** Every object under {@code node} that holds rope_scaling: {rotary_dim, theta} (rope objects) or MLA's keys. */
    private static void collect(GoldenGenerator.Definition d, JsonNode node, List<Rule> out) {
        if (node.has("rope_scaling") && !node.get("rope_scaling").isNull()) {
            boolean rope = node.has("rotary_dim");
            out.add(new Rule(d, node.get("rope_scaling"), node.get(rope ? "rotary_dim" : "qk_rope_head_dim").intValue(),
                    node.get(rope ? "theta" : "rope_theta").doubleValue()));
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            JsonNode child = it.next();
            if (child.isObject()) {
                collect(d, child, out);
            }
        }
    }

    /** Pairs kept (ω' = ω), blended, and divided (ω' = ω/f) by an active YaRN or a Llama 3.1 rule. */
    private static int[] regimes(Rule r) {
        int[] counts = new int[3];
        JsonNode s = r.scaling();
        if (r.type().equals("yarn")) {
            RopeScaling.Yarn yarn = new RopeScaling.Yarn(s.get("rope_factor").doubleValue(), s.get("original_seq_len").intValue(),
                    s.get("max_seq_len").intValue(), s.get("beta_fast").doubleValue(), s.get("beta_slow").doubleValue(),
                    s.get("mscale").doubleValue());
            for (double ramp : yarn.ramp(r.rotaryDim(), r.theta())) {
                counts[ramp == 0 ? 0 : ramp == 1 ? 2 : 1]++;
            }
            return counts;
        }
        // Llama 3.1 by wavelength λ_j = 2π/ω_j against L₀/high and L₀/low (HF _compute_llama3_parameters)
        double original = s.get("original_max_position_embeddings").doubleValue();
        for (int j = 0; j < r.rotaryDim() / 2; j++) {
            double wavelength = 2 * Math.PI * Math.pow(r.theta(), 2.0 * j / r.rotaryDim());
            counts[wavelength < original / s.get("high_freq_factor").doubleValue() ? 0
                    : wavelength > original / s.get("low_freq_factor").doubleValue() ? 2 : 1]++;
        }
        return counts;
    }

    @Test
    void everyActiveYarnAndLlama3CaseKeepsBlendsAndDividesPairs() {
        int checked = 0;
        for (Rule r : rules()) {
            boolean inactiveYarn = r.type().equals("yarn")
                    && r.scaling().get("max_seq_len").intValue() <= r.scaling().get("original_seq_len").intValue();
            if (!(r.type().equals("yarn") || r.type().equals("llama3")) || inactiveYarn) {
                continue;
            }
            int[] counts = regimes(r);
            assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, r.caseId() + " at P = " + r.rotaryDim()
                    + ": kept / blended / divided pairs " + java.util.Arrays.toString(counts));
            checked++;
        }
        assertTrue(checked >= 12, "only " + checked + " active yarn / llama3 rules in v2");
    }

    @Test
    void everyRuleIsInEveryFormatWhereItIsDefined() {
        Map<String, Set<String>> seen = new TreeMap<>();
        for (Rule r : rules()) {
            seen.computeIfAbsent(r.variant(), v -> new TreeSet<>()).add(r.type());
        }
        Set<String> all = Set.of("linear", "dynamic", "llama3", "yarn");
        Map<String, Set<String>> defined = Map.of("rope", all, "gqa", all, "decoder_block", all,
                "mla", Set.of("linear", "llama3", "yarn"), "generation", Set.of("linear", "llama3", "yarn"));
        for (Map.Entry<String, Set<String>> e : defined.entrySet()) {
            assertTrue(seen.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue()),
                    e.getKey() + " has rules " + seen.get(e.getKey()) + "; expected at least " + e.getValue());
        }
    }

    @Test
    void longContextsAreReallyExercised() {
        List<String> mlaPastOriginal = new ArrayList<>();
        Set<String> dynamicPastOriginal = new TreeSet<>();
        for (Rule r : rules()) {
            JsonNode s = r.scaling();
            if (r.variant().equals("mla") && r.type().equals("yarn")
                    && s.get("max_seq_len").intValue() > s.get("original_seq_len").intValue()) {
                mlaPastOriginal.add(r.caseId());
            }
            if (r.type().equals("dynamic") && longestLength(r) > s.get("original_max_position_embeddings").intValue()) {
                dynamicPastOriginal.add(r.variant());
            }
        }
        assertTrue(mlaPastOriginal.size() >= 2, "mla cases with max_seq_len > original_seq_len: " + mlaPastOriginal);
        assertEquals(Set.of("rope", "gqa", "decoder_block"), dynamicPastOriginal);
    }

    /** L, one past the largest position of a case's longest call (rope: given positions; gqa: its calls; block: T). */
    private static int longestLength(Rule r) {
        JsonNode c = r.definition().config();
        return switch (r.variant()) {
            case "gqa" -> {
                int done = 0;
                int longest = 0;
                for (JsonNode step : c.get("steps")) {
                    done += step.intValue();
                    longest = Math.max(longest, c.path("start_position").asInt(0) + done);
                }
                yield longest;
            }
            case "decoder_block" -> c.get("seq_len").intValue();
            default -> {
                int max = 0;
                for (JsonNode p : r.definition().given().get("positions")) {
                    max = Math.max(max, p.intValue());
                }
                yield max + 1;
            }
        };
    }

    // ------------------------------------------------------------------------------------------ strict reading

    private static ObjectNode config(String id) {
        for (GoldenGenerator.Definition d : GoldenCases.definitions("v2")) {
            if (d.id().equals(id)) {
                return d.config().deepCopy();
            }
        }
        throw new AssertionError("no v2 case " + id);
    }

    /** The message of preparing case {@code id} after {@code edit}; it must be refused in one line. */
    private static String refusal(String id, Consumer<ObjectNode> edit) {
        ObjectNode c = config(id);
        edit.accept(c);
        String variant = GoldenCases.definitions("v2").stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow().variant();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variants.get(variant).prepare(c));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static ObjectNode object(ObjectNode node, String key) {
        return (ObjectNode) node.get(key);
    }

    private static ObjectNode ropeScaling(ObjectNode config) {
        return object(object(config, "rope"), "rope_scaling");
    }

    @Test
    void ropeScalingIsReadStrictly() {
        String rope = "rope-scaling-yarn-deepseek-v3";
        Map<String, Consumer<ObjectNode>> edits = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        edits.put("unknown rope_type", c -> ropeScaling(c).put("rope_type", "ntk"));
        expected.put("unknown rope_type", "config.rope.rope_scaling.rope_type is \"ntk\"; expected one of [default, linear, dynamic, llama3, yarn]");
        edits.put("missing parameter", c -> ropeScaling(c).remove("beta_slow"));
        expected.put("missing parameter", "config.rope.rope_scaling.beta_slow is missing");
        edits.put("factor below 1", c -> ropeScaling(c).put("rope_factor", 0.5));
        expected.put("factor below 1", "config.rope.rope_scaling.rope_factor (0.5) must be ≥ 1");
        edits.put("betas reversed", c -> ropeScaling(c).put("beta_fast", 0.5));
        expected.put("betas reversed", "config.rope.rope_scaling.beta_fast (0.5) must exceed config.rope.rope_scaling.beta_slow (1.0)");
        edits.put("HF's key name", c -> ropeScaling(c).put("factor", 40.0));
        expected.put("HF's key name", "config.rope.rope_scaling has unknown key(s) [factor]");
        edits.put("YaRN at θ = 1", c -> object(c, "rope").put("theta", 1.0));
        expected.put("YaRN at θ = 1", "config.rope.rope_scaling: theta (1.0) must exceed 1 for YaRN");
        edits.put("not an object", c -> object(c, "rope").put("rope_scaling", "yarn"));
        expected.put("not an object", "config.rope.rope_scaling is \"yarn\"; expected a JSON object");
        for (String name : edits.keySet()) {
            String message = refusal(rope, edits.get(name));
            assertTrue(message.contains(expected.get(name)), name + ": " + message);
        }
        String llama = refusal("rope-scaling-llama3-llama31", c -> ropeScaling(c).put("high_freq_factor", 1.0));
        assertTrue(llama.contains("config.rope.rope_scaling.high_freq_factor (1.0) must exceed "
                + "config.rope.rope_scaling.low_freq_factor (1.0)"), llama);
        String dynamic = refusal("rope-scaling-dynamic-past-original",
                c -> ropeScaling(c).put("original_max_position_embeddings", 0));
        assertTrue(dynamic.contains("config.rope.rope_scaling.original_max_position_embeddings (0) must be ≥ 1"), dynamic);
    }

    @Test
    void aRuleIsRefusedWhereItIsNotDefinedAndMlaKeysMustNotContradict() {
        String both = refusal("mla-naive-yarn-ramp-decode", c -> c.put("yarn_factor", 40.0));
        assertTrue(both.contains("config.yarn_factor is given with config.rope_scaling.rope_type \"yarn\""), both);
        String dynamicMla = refusal("mla-naive-llama3", c -> c.set("rope_scaling", Json.object().put("rope_type", "dynamic")
                .put("factor", 2.0).put("original_max_position_embeddings", 8)));
        assertTrue(dynamicMla.contains("config.rope_scaling.rope_type is \"dynamic\"; expected one of [default, linear, llama3, yarn]"),
                dynamicMla);
        String yarnInGqaPart = refusal("decoder-block-gqa-linear", c -> object(object(c, "attention"), "rope")
                .set("rope_scaling", ropeScaling(config("rope-scaling-yarn-deepseek-v3"))));
        assertTrue(yarnInGqaPart.contains("config.attention.rope.rope_scaling.rope_type is \"yarn\"; expected one of "
                + "[default, linear, dynamic, llama3]"), yarnInGqaPart);
        String dynamicGeneration = refusal("generation-greedy-gqa-linear", c -> object(object(c, "attention"), "rope")
                .set("rope_scaling", Json.object().put("rope_type", "dynamic").put("factor", 2.0)
                        .put("original_max_position_embeddings", 4)));
        assertTrue(dynamicGeneration.contains("rope_type is \"dynamic\"; expected one of [default, linear, llama3]"),
                dynamicGeneration);
    }
}
