package dev.attnref.golden;

import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;
import java.util.List;

/**
 * The config keys that the attention variants and the decoder parts of {@link ModelParts} share, each
 * read and checked in one place, so that a key means the same and fails with the same message in every
 * variant. Messages name the key under the object that holds it (e.g. {@code config.num_kv_heads} or
 * {@code config.attention.num_kv_heads}).
 */
final class AttentionKeys {
    private AttentionKeys() {
    }

    /** {@code num_kv_heads}: G ≥ 1, which must divide H = {@code numHeads} (R = H/G query heads per kv head). */
    static int numKvHeads(CaseConfig c, int numHeads) {
        int numKvHeads = c.positive("num_kv_heads");
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(c.path() + ".num_kv_heads (" + numKvHeads + ") must divide "
                    + c.path() + ".num_heads (" + numHeads + ")");
        }
        return numKvHeads;
    }

    /** {@code scale}: null (1/√D) or a finite number &gt; 0 multiplying q·k. */
    static Double scale(CaseConfig c) {
        Double scale = c.numberOrNull("scale");
        if (scale != null && !(scale > 0 && Double.isFinite(scale))) {
            throw new IllegalArgumentException(c.path() + ".scale (" + scale + ") must be finite and > 0, or null for 1/√D");
        }
        return scale;
    }

    /** {@code softcap}: c ≥ 0 and finite; 0 turns it off. */
    static double softcap(CaseConfig c) {
        double softcap = c.number("softcap");
        if (!(softcap >= 0 && Double.isFinite(softcap))) {
            throw new IllegalArgumentException(c.path() + ".softcap (" + softcap + ") must be finite and ≥ 0; 0 turns it off");
        }
        return softcap;
    }

    /** Every {@code rope_scaling.rope_type} (reference-data/README.md, "RoPE scaling"). */
    static final List<String> ROPE_TYPES = List.of("default", "linear", "dynamic", "llama3", "yarn");

    /**
     * {@code rope}: {"rotary_dim": P, "theta": θ, "pairing": "interleaved"|"split_halves"} and optionally
     * {@code rope_scaling}, P ≤ D = {@code headDim}.
     */
    static Rope rope(CaseConfig c, int headDim) {
        return fitting(c, rope(c.object("rope"), ROPE_TYPES), headDim);
    }

    /**
     * As {@link #rope(CaseConfig, int)}, or null when {@code rope} is absent (no rotary embedding); its
     * rope_scaling.rope_type one of {@code types}.
     */
    static Rope ropeOrNull(CaseConfig c, int headDim, List<String> types) {
        return fitting(c, rope(c.objectOrNull("rope"), types), headDim);
    }

    private static Rope rope(CaseConfig rope, List<String> types) {
        if (rope == null) {
            return null;
        }
        int rotaryDim = rope.rotaryWidth("rotary_dim");
        double theta = rope.positiveFinite("theta");
        RopePairing pairing = pairing(rope.choice("pairing", "interleaved", "split_halves"));
        return new Rope(rotaryDim, theta, pairing, ropeScaling(rope, rotaryDim, theta, types));
    }

    /**
     * {@code rope_scaling} beside a rotary width P and base θ: absent or null (no scaling), or
     * {@code {"rope_type", ...}} with the parameters in the names of the rule's source: {@code linear}
     * {factor}; {@code dynamic} {factor, original_max_position_embeddings}; {@code llama3} {factor,
     * low_freq_factor, high_freq_factor, original_max_position_embeddings} (HF transformers); {@code yarn}
     * {rope_factor, original_seq_len, max_seq_len, beta_fast, beta_slow, mscale} (DeepSeek-V3
     * {@code ModelArgs}). {@code types} are the rope_types the variant defines.
     */
    static RopeScaling ropeScaling(CaseConfig c, int rotaryDim, double theta, List<String> types) {
        CaseConfig s = c.optionalObject("rope_scaling");
        if (s == null) {
            return RopeScaling.NONE;
        }
        RopeScaling rule = switch (s.choice("rope_type", types.toArray(String[]::new))) {
            case "linear" -> new RopeScaling.Linear(factor(s, "factor"));
            case "dynamic" -> new RopeScaling.DynamicNtk(factor(s, "factor"), s.positive("original_max_position_embeddings"));
            case "llama3" -> {
                double low = s.positiveFinite("low_freq_factor");
                yield new RopeScaling.Llama3(factor(s, "factor"), low, above(s, "high_freq_factor", "low_freq_factor", low),
                        s.positive("original_max_position_embeddings"));
            }
            case "yarn" -> {
                double betaSlow = s.positiveFinite("beta_slow");
                yield new RopeScaling.Yarn(factor(s, "rope_factor"), s.positive("original_seq_len"), s.positive("max_seq_len"),
                        above(s, "beta_fast", "beta_slow", betaSlow), betaSlow, s.finite("mscale"));
            }
            default -> RopeScaling.NONE;
        };
        try {
            rule.inverseFrequencies(rotaryDim, theta, 1);   // refuses a rule this P or θ cannot serve (YaRN θ ≤ 1, dynamic P = 2)
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(s.path() + ": " + e.getMessage(), e);
        }
        return rule;
    }

    /** A scaling factor: finite and ≥ 1 (1 leaves the frequencies as they are). */
    private static double factor(CaseConfig s, String key) {
        double factor = s.finite(key);
        if (factor < 1) {
            throw new IllegalArgumentException(s.path() + "." + key + " (" + factor + ") must be ≥ 1; 1 means no scaling");
        }
        return factor;
    }

    /** A finite number greater than the value of {@code lowerKey}. */
    private static double above(CaseConfig s, String key, String lowerKey, double lower) {
        double value = s.finite(key);
        if (!(value > lower)) {
            throw new IllegalArgumentException(s.path() + "." + key + " (" + value + ") must exceed " + s.path() + "."
                    + lowerKey + " (" + lower + ")");
        }
        return value;
    }

    /** Partial rotary turns the first P of the D dims; P > D names dims the head does not have. */
    private static Rope fitting(CaseConfig c, Rope rope, int headDim) {
        if (rope != null && rope.rotaryDim() > headDim) {
            throw new IllegalArgumentException(c.path() + ".rope.rotary_dim (" + rope.rotaryDim() + ") must not exceed "
                    + c.path() + ".head_dim (" + headDim + ")");
        }
        return rope;
    }

    /** {@code types} less {@code type}: for a variant where one rule is not defined. */
    static List<String> without(List<String> types, String type) {
        return types.stream().filter(t -> !t.equals(type)).toList();
    }

    /** {@code rope_pairing} of MLA's and MFA's decoupled RoPE: "interleaved" or "split_halves". */
    static RopePairing ropePairing(CaseConfig c) {
        return pairing(c.choice("rope_pairing", "interleaved", "split_halves"));
    }

    private static RopePairing pairing(String name) {
        return name.equals("interleaved") ? RopePairing.INTERLEAVED : RopePairing.SPLIT_HALVES;
    }

    /** {@code steps}: the token count T_i ≥ 1 of each consecutive call on one cache (prefill, decode, chunks). */
    static int[] steps(CaseConfig c) {
        int[] steps = c.integers("steps");
        if (steps.length == 0) {
            throw new IllegalArgumentException("config.steps is empty; expected the token count of each call, e.g. [5]");
        }
        long total = 0;
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 1) {
                throw new IllegalArgumentException("config.steps[" + i + "] (" + steps[i] + ") must be ≥ 1");
            }
            total += steps[i];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config.steps add up to " + total + " tokens; at most 2³¹ − 1");
        }
        return steps;
    }

    /**
     * {@code start_position} p₀ ≥ 0 of T tokens at positions p₀ … p₀ + T − 1: positions are ints, so the last
     * must not pass 2³¹ − 1.
     */
    static int startPosition(CaseConfig c, int tokens) {
        int start = c.nonNegative("start_position");
        if ((long) start + tokens - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(c.path() + ".start_position (" + start + ") + " + tokens
                    + " tokens − 1 passes the largest position 2³¹ − 1 = " + Integer.MAX_VALUE);
        }
        return start;
    }

    /** T = Σ_i T_i: the tokens all calls cover. */
    static int totalTokens(int[] steps) {
        int n = 0;
        for (int step : steps) {
            n += step;
        }
        return n;
    }
}
