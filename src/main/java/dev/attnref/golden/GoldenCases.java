package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.core.SeededRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The case list of {@code reference-data/v1}: every variant and option the code has, at small and
 * partly odd sizes (reference-data/README.md lists them by variant). Each definition names its
 * config, the seed of its drawn inputs and the inputs it gives explicitly (masks, lengths, token ids).
 * Adding, removing or changing a definition changes v1's bytes: that is a new version (see
 * {@link GoldenGenerator}).
 */
final class GoldenCases {
    private GoldenCases() {
    }

    static List<GoldenGenerator.Definition> definitions() {
        List<GoldenGenerator.Definition> out = new ArrayList<>();
        attention(out);
        gqa(out);
        rope(out);
        mla(out);
        mfa(out);
        model(out);
        mirrors(out);
        return out;
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A definition under construction. */
    private static final class Def {
        private final String id;
        private final String variant;
        private final String description;
        private final long seed;
        private final Cfg config;
        private final Map<String, StoredTensor> given = new LinkedHashMap<>();

        Def(String id, String variant, long seed, String description, Cfg config) {
            this.id = id;
            this.variant = variant;
            this.seed = seed;
            this.description = description;
            this.config = config;
        }

        Def set(String key, Object value) {
            config.set(key, value);
            return this;
        }

        Def give(String name, StoredTensor value) {
            given.put(name, value);
            return this;
        }

        void into(List<GoldenGenerator.Definition> out) {
            out.add(new GoldenGenerator.Definition(id, variant, description, config.node, seed, given));
        }
    }

    /** A config object under construction: keys in insertion order; {@link #set} replaces a value in place. */
    private static final class Cfg {
        private final ObjectNode node = Json.object();

        Cfg set(String key, Object value) {
            if (value == null) {
                node.putNull(key);
            } else if (value instanceof Integer v) {
                node.put(key, v);
            } else if (value instanceof Double v) {
                node.put(key, v);
            } else if (value instanceof Boolean v) {
                node.put(key, v);
            } else if (value instanceof String v) {
                node.put(key, v);
            } else if (value instanceof int[] v) {
                node.set(key, Json.ints(v));
            } else if (value instanceof Cfg v) {
                node.set(key, v.node);
            } else {
                node.set(key, (JsonNode) value);
            }
            return this;
        }
    }

    private static Cfg obj(Object... keyValues) {
        Cfg o = new Cfg();
        for (int i = 0; i < keyValues.length; i += 2) {
            o.set((String) keyValues[i], keyValues[i + 1]);
        }
        return o;
    }

    /** A random 0/1 mask: each entry is 1 with probability {@code pOne}. */
    private static StoredTensor bools(long seed, double pOne, int... shape) {
        SeededRandom random = new SeededRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble() < pOne ? 1 : 0;
        }
        return StoredTensor.ofFloats(DType.BOOL, shape, v);
    }

    /** An explicit 0/1 mask, row-major. */
    private static StoredTensor bits(int[] shape, int... values) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return StoredTensor.ofFloats(DType.BOOL, shape, v);
    }

    /** An additive mask: −∞ with probability {@code pHidden}, else a bias from U(−1, 1), rounded to float32. */
    private static StoredTensor additive(long seed, double pHidden, int... shape) {
        SeededRandom random = new SeededRandom(seed);
        double[] v = new double[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble() < pHidden ? Double.NEGATIVE_INFINITY : random.uniform(-1, 1);
        }
        return StoredTensor.ofFloats(DType.F32, shape, v);
    }

    private static StoredTensor longs(long... values) {
        return StoredTensor.i64(new int[] {values.length}, values);
    }

    private static StoredTensor zeros(int... shape) {
        return StoredTensor.ofFloats(DType.F32, shape, new double[count(shape)]);
    }

    private static int count(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------ attention

    private static Cfg sdpa(int b, int h, int g, int t, int newKv, int past, int d, int dv) {
        return obj("batch", b, "num_heads", h, "num_kv_heads", g, "q_len", t, "new_kv_len", newKv, "past_len", past,
                "head_dim", d, "value_head_dim", dv, "scale", null, "softcap", 0.0, "bool_mask", null,
                "additive_mask", null, "key_lengths", false, "causal", null, "mask_fill", "-inf",
                "fully_masked_rows", "zeros");
    }

    private static Cfg aligned(String alignment) {
        return obj("alignment", alignment);
    }

    private static void attention(List<GoldenGenerator.Definition> out) {
        String v = "attention";
        new Def("attention-mha-h3", v, 101, "MHA (G = H = 3), odd sizes, no mask", sdpa(2, 3, 3, 4, 4, 0, 5, 5)).into(out);
        new Def("attention-mqa-h4", v, 102, "MQA (G = 1, H = 4), T < S, no mask", sdpa(1, 4, 1, 3, 6, 0, 4, 4)).into(out);
        new Def("attention-gqa-h6-g2", v, 103, "GQA H = 6, G = 2 (R = 3): head h reads kv head ⌊h/3⌋",
                sdpa(2, 6, 2, 3, 5, 0, 4, 4)).into(out);
        new Def("attention-gqa-h6-g3", v, 104, "GQA H = 6, G = 3 (R = 2), odd D", sdpa(1, 6, 3, 2, 7, 0, 3, 3)).into(out);
        new Def("attention-gqa-h8-g4-causal", v, 105, "GQA H = 8, G = 4, causal top-left",
                sdpa(1, 8, 4, 4, 4, 0, 2, 2).set("causal", aligned("top_left"))).into(out);
        new Def("attention-dv-ne-d", v, 106, "value head width Dv = 3 ≠ D = 6", sdpa(2, 4, 2, 3, 4, 0, 6, 3)).into(out);
        new Def("attention-scale", v, 107, "explicit scale 0.3 instead of 1/√D", sdpa(1, 2, 1, 3, 5, 0, 4, 4))
                .set("scale", 0.3).into(out);
        new Def("attention-softcap", v, 108, "softcap 1.5 with scale 2 (logits large enough for tanh to bend)",
                sdpa(2, 2, 2, 3, 4, 0, 8, 4)).set("scale", 2.0).set("softcap", 1.5).into(out);
        new Def("attention-softcap-additive", v, 109, "softcap 2 applied before an additive mask with −∞ entries",
                sdpa(1, 3, 1, 3, 5, 0, 6, 4)).set("scale", 1.5).set("softcap", 2.0)
                .set("additive_mask", obj("shape", new int[] {1, 3, 3, 5})).give("additive_mask", additive(1109, 0.25, 1, 3, 3, 5))
                .into(out);
        new Def("attention-bool-keep-b1ts", v, 110, "boolean mask [B, 1, T, S], 1 = keep",
                sdpa(2, 4, 2, 3, 5, 0, 4, 4).set("bool_mask", obj("convention", "keep_where_true", "shape", new int[] {2, 1, 3, 5})))
                .give("bool_mask", bools(1110, 0.7, 2, 1, 3, 5)).into(out);
        new Def("attention-bool-hide-ts", v, 111, "boolean mask [T, S] (rank 2 broadcasts as [T, S]), 1 = hide",
                sdpa(2, 3, 3, 4, 4, 0, 4, 4).set("bool_mask", obj("convention", "hide_where_true", "shape", new int[] {4, 4})))
                .give("bool_mask", bools(1111, 0.3, 4, 4)).into(out);
        new Def("attention-bool-keep-rank3-hts", v, 112, "rank-3 boolean mask is [H, T, S] (not [B, T, S]), 1 = keep",
                sdpa(2, 2, 1, 3, 3, 0, 4, 4).set("bool_mask", obj("convention", "keep_where_true", "shape", new int[] {2, 3, 3})))
                .give("bool_mask", bits(new int[] {2, 3, 3}, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1)).into(out);
        new Def("attention-bool-hide-full", v, 113, "boolean mask [B, H, T, S], 1 = hide, GQA",
                sdpa(2, 4, 2, 2, 5, 0, 3, 5).set("bool_mask", obj("convention", "hide_where_true", "shape", new int[] {2, 4, 2, 5})))
                .give("bool_mask", bools(1113, 0.35, 2, 4, 2, 5)).into(out);
        new Def("attention-additive-bhts", v, 114, "additive float mask [B, H, T, S]: finite biases and −∞",
                sdpa(2, 2, 2, 3, 4, 0, 4, 4).set("additive_mask", obj("shape", new int[] {2, 2, 3, 4})))
                .give("additive_mask", additive(1114, 0.2, 2, 2, 3, 4)).into(out);
        new Def("attention-additive-rank1", v, 115, "additive mask of rank 1 is a per-key bias [S]",
                sdpa(1, 3, 3, 3, 5, 0, 4, 4).set("additive_mask", obj("shape", new int[] {5})))
                .give("additive_mask", additive(1115, 0.0, 5)).into(out);
        new Def("attention-key-padding", v, 116, "key padding: keys at positions ≥ key_lengths[b] hidden",
                sdpa(3, 2, 1, 2, 5, 0, 4, 4).set("key_lengths", true)).give("key_lengths", longs(5, 3, 1)).into(out);
        new Def("attention-fully-masked-zeros", v, 117, "a batch row with key length 0: fully masked rows give zeros",
                sdpa(2, 2, 2, 2, 3, 0, 4, 4).set("key_lengths", true)).give("key_lengths", longs(3, 0)).into(out);
        new Def("attention-fully-masked-nan", v, 117, "as attention-fully-masked-zeros with the NaN policy (plain softmax)",
                sdpa(2, 2, 2, 2, 3, 0, 4, 4).set("key_lengths", true).set("fully_masked_rows", "nan"))
                .give("key_lengths", longs(3, 0)).into(out);
        new Def("attention-finite-fill", v, 119, "mask fill −1e9 (published code): a fully hidden row becomes uniform",
                sdpa(2, 2, 2, 3, 3, 0, 4, 4).set("mask_fill", -1e9)
                        .set("bool_mask", obj("convention", "keep_where_true", "shape", new int[] {2, 1, 3, 3})))
                .give("bool_mask", bits(new int[] {2, 1, 3, 3}, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1))
                .into(out);
        new Def("attention-causal-top-left", v, 120, "causal, top-left: queries 0 … T−1 against S = 5 keys",
                sdpa(2, 2, 1, 3, 5, 0, 4, 4).set("causal", aligned("top_left"))).into(out);
        new Def("attention-causal-bottom-right", v, 121, "causal, bottom-right: queries S−T … S−1",
                sdpa(2, 2, 1, 3, 5, 0, 4, 4).set("causal", aligned("bottom_right"))).into(out);
        new Def("attention-causal-bottom-right-t-gt-s", v, 122,
                "bottom-right with T = 5 > S = 3: the first two queries see no key (zeros)",
                sdpa(1, 2, 2, 5, 3, 0, 4, 4).set("causal", aligned("bottom_right"))).into(out);
        new Def("attention-past-query-start", v, 123, "past cache of 4 plus 3 new keys, queries at 4 … 6 (ONNX with past)",
                sdpa(2, 4, 2, 3, 3, 4, 4, 4).set("causal", obj("query_start", 4))).into(out);
        new Def("attention-past-more-keys-than-queries", v, 124,
                "past 3, the new chunk brings 4 keys but 2 queries; queries at 3 … 4 (not bottom-right)",
                sdpa(1, 2, 1, 2, 4, 3, 4, 4).set("causal", obj("query_start", 3))).into(out);
        new Def("attention-per-batch-query-start", v, 125,
                "per-batch query starts with key padding (ONNX opset 24 nonpad_kv_seqlen: start = len − T)",
                sdpa(2, 2, 2, 2, 6, 0, 4, 4).set("key_lengths", true).set("causal", obj("query_start_per_batch", Json.ints(4, 1))))
                .give("key_lengths", longs(6, 3)).into(out);
        new Def("attention-decode-step", v, 126, "one decode step: T = 1 after a past of 6, bottom-right",
                sdpa(2, 4, 2, 1, 1, 6, 4, 4).set("causal", aligned("bottom_right"))).into(out);
        new Def("attention-everything", v, 127,
                "GQA, Dv ≠ D, past, scale, softcap, hide mask, additive mask, padding and bottom-right causal together",
                sdpa(2, 6, 3, 3, 2, 3, 5, 3).set("scale", 0.7).set("softcap", 3.0)
                        .set("bool_mask", obj("convention", "hide_where_true", "shape", new int[] {2, 1, 1, 5}))
                        .set("additive_mask", obj("shape", new int[] {6, 3, 5})).set("key_lengths", true)
                        .set("causal", aligned("bottom_right")))
                .give("bool_mask", bits(new int[] {2, 1, 1, 5}, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0))
                .give("additive_mask", additive(1127, 0.1, 6, 3, 5)).give("key_lengths", longs(5, 4)).into(out);
    }

    // ------------------------------------------------------------------------------------------ gqa

    private static Cfg gqaConfig(int b, int m, int h, int g, int d, int dv, Cfg rope, boolean causal,
            int... steps) {
        return obj("batch", b, "model_width", m, "num_heads", h, "num_kv_heads", g, "head_dim", d, "value_head_dim", dv,
                "bias", obj("query", false, "key", false, "value", false, "output", false), "rope", rope, "scale", null,
                "softcap", 0.0, "causal", causal, "steps", steps);
    }

    private static Cfg rope(int p, double theta, String pairing) {
        return obj("rotary_dim", p, "theta", theta, "pairing", pairing);
    }

    private static void gqa(List<GoldenGenerator.Definition> out) {
        String v = "gqa";
        new Def("gqa-mha-rope-interleaved", v, 201, "MHA block (G = H = 2), RoPE interleaved, causal prefill of 5",
                gqaConfig(2, 8, 2, 2, 4, 4, rope(4, 10000.0, "interleaved"), true, 5)).into(out);
        new Def("gqa-mqa-rope-split-halves", v, 202, "MQA block (H = 4, G = 1), RoPE split halves, causal",
                gqaConfig(1, 12, 4, 1, 4, 4, rope(4, 10000.0, "split_halves"), true, 4)).into(out);
        new Def("gqa-g2-decode-steps", v, 203, "GQA H = 4, G = 2: prefill 4, then three single-token decode steps on the cache",
                gqaConfig(2, 8, 4, 2, 2, 2, rope(2, 10000.0, "split_halves"), true, 4, 1, 1, 1)).into(out);
        new Def("gqa-g3-chunked-prefill-partial-rope", v, 204,
                "GQA H = 6, G = 3: chunked prefill 3 + 2 + 4; partial RoPE (P = 2 of D = 4), θ = 500",
                gqaConfig(1, 10, 6, 3, 4, 4, rope(2, 500.0, "interleaved"), true, 3, 2, 4)).into(out);
        new Def("gqa-mha-decode-no-rope", v, 205, "MHA H = 3 without RoPE: prefill 3 then two decode steps",
                gqaConfig(2, 9, 3, 3, 3, 3, null, true, 3, 1, 1)).into(out);
        new Def("gqa-bias-dv-bidirectional", v, 206, "every projection with a bias, Dv = 5 ≠ D = 3, not causal",
                gqaConfig(2, 7, 4, 2, 3, 5, null, false, 4).set("bias", obj("query", true, "key", true, "value", true, "output", true)))
                .into(out);
        new Def("gqa-scale-softcap", v, 207, "scale 0.9 and softcap 1.0, causal, RoPE split halves",
                gqaConfig(1, 8, 2, 1, 4, 4, rope(4, 10000.0, "split_halves"), true, 5).set("scale", 0.9).set("softcap", 1.0))
                .into(out);
        new Def("gqa-bool-mask-keep", v, 208, "boolean keep-mask [B, 1, T, S], not causal",
                gqaConfig(2, 6, 2, 2, 3, 3, null, false, 4).set("bool_mask", obj("convention", "keep_where_true",
                        "shape", new int[] {2, 1, 4, 4}))).give("bool_mask", bools(2208, 0.6, 2, 1, 4, 4)).into(out);
        new Def("gqa-bool-mask-hide-causal", v, 209, "boolean hide-mask [T, S] combined with the causal mask",
                gqaConfig(1, 8, 4, 2, 2, 2, rope(2, 10000.0, "interleaved"), true, 4).set("bool_mask", obj("convention",
                        "hide_where_true", "shape", new int[] {4, 4}))).give("bool_mask", bools(2209, 0.25, 4, 4)).into(out);
        new Def("gqa-additive-mask", v, 210, "additive mask [B, H, T, S] with −∞ entries, RoPE interleaved",
                gqaConfig(2, 6, 2, 1, 4, 4, rope(4, 10000.0, "interleaved"), false, 3).set("additive_mask",
                        obj("shape", new int[] {2, 2, 3, 3}))).give("additive_mask", additive(2210, 0.2, 2, 2, 3, 3)).into(out);
        new Def("gqa-key-padding", v, 211, "key padding (lengths 4 and 2), not causal",
                gqaConfig(2, 6, 3, 1, 2, 2, null, false, 4).set("key_lengths", true)).give("key_lengths", longs(4, 2)).into(out);
        new Def("gqa-start-position", v, 212, "one call whose tokens sit at positions 7 … 10 (RoPE), causal by key index",
                gqaConfig(1, 8, 2, 2, 4, 4, rope(4, 10000.0, "split_halves"), true, 4).set("start_position", 7)).into(out);
        new Def("gqa-causal-query-start", v, 213, "causal with queries numbered from 2 (the first two keys always visible)",
                gqaConfig(1, 8, 2, 1, 4, 4, null, true, 4).set("causal_query_start", 2)).into(out);
    }

    // ------------------------------------------------------------------------------------------ rope

    private static void rope(List<GoldenGenerator.Definition> out) {
        String v = "rope";
        new Def("rope-interleaved", v, 301, "RoPE over all D = 6 dims, pairs (2i, 2i+1), positions 0 … 4",
                obj("batch", 1, "num_heads", 2, "seq_len", 5, "head_dim", 6, "rope", rope(6, 10000.0, "interleaved")))
                .give("positions", longs(0, 1, 2, 3, 4)).into(out);
        new Def("rope-split-halves", v, 302, "RoPE over all D = 6 dims, pairs (i, i + 3), positions 0 … 4",
                obj("batch", 1, "num_heads", 2, "seq_len", 5, "head_dim", 6, "rope", rope(6, 10000.0, "split_halves")))
                .give("positions", longs(0, 1, 2, 3, 4)).into(out);
        new Def("rope-partial-interleaved", v, 303, "partial rotary: P = 4 of D = 8 rotate, θ = 500, scattered positions",
                obj("batch", 2, "num_heads", 1, "seq_len", 5, "head_dim", 8, "rope", rope(4, 500.0, "interleaved")))
                .give("positions", longs(3, 7, 100, 1000, 5)).into(out);
        new Def("rope-partial-split-halves", v, 304, "partial rotary split halves: P = 4 of D = 8",
                obj("batch", 2, "num_heads", 1, "seq_len", 5, "head_dim", 8, "rope", rope(4, 500.0, "split_halves")))
                .give("positions", longs(3, 7, 100, 1000, 5)).into(out);
        new Def("rope-large-theta-far-positions", v, 305, "θ = 5e5 (Step-3) at positions up to 65535",
                obj("batch", 1, "num_heads", 1, "seq_len", 3, "head_dim", 4, "rope", rope(4, 500000.0, "split_halves")))
                .give("positions", longs(0, 4096, 65535)).into(out);
    }

    // ------------------------------------------------------------------------------------------ mla, mfa

    private static Cfg mlaConfig(int b, int m, int h, int qRank, int kvRank, int nope, int ropeDim, int dv,
            String pairing, int start, String form, int... steps) {
        return obj("batch", b, "model_width", m, "num_heads", h, "q_lora_rank", qRank, "kv_lora_rank", kvRank,
                "qk_nope_head_dim", nope, "qk_rope_head_dim", ropeDim, "v_head_dim", dv, "rope_theta", 10000.0,
                "rope_pairing", pairing, "rms_eps", 1e-6, "yarn_mscale", 1.0, "yarn_factor", 1.0, "start_position", start,
                "form", form, "steps", steps);
    }

    private static void mla(List<GoldenGenerator.Definition> out) {
        String v = "mla";
        new Def("mla-naive-query-compression", v, 401, "naive MLA with query compression (C_q = 6), interleaved RoPE",
                mlaConfig(2, 12, 3, 6, 5, 4, 4, 3, "interleaved", 0, "naive", 5)).into(out);
        new Def("mla-absorbed-query-compression-decode", v, 402,
                "absorbed MLA with query compression: prefill 3, two decode steps on the latent cache",
                mlaConfig(1, 12, 3, 6, 5, 4, 4, 3, "interleaved", 0, "absorbed", 3, 1, 1)).into(out);
        new Def("mla-naive-no-query-compression", v, 403, "naive MLA without query compression (C_q = 0: q = W_Q x), split halves",
                mlaConfig(2, 10, 2, 0, 4, 3, 2, 5, "split_halves", 0, "naive", 4, 2)).into(out);
        new Def("mla-absorbed-no-query-compression", v, 404,
                "absorbed MLA, C_q = 0, first token at position 5, decode steps",
                mlaConfig(1, 8, 4, 0, 3, 2, 4, 2, "interleaved", 5, "absorbed", 2, 1, 1, 1)).into(out);
        new Def("mla-absorbed-yarn", v, 405, "absorbed MLA with the YaRN softmax multiplier of DeepSeek-V3 (m = 1, f = 40)",
                mlaConfig(2, 12, 2, 5, 6, 4, 2, 4, "interleaved", 0, "absorbed", 4).set("yarn_factor", 40.0)).into(out);
        new Def("mla-odd-sizes", v, 406, "odd sizes: M = 7, H = 5, C_q = 3, C = 3, D_nope = 1, Dv = 1",
                mlaConfig(1, 7, 5, 3, 3, 1, 2, 1, "split_halves", 0, "naive", 3)).into(out);
    }

    private static Cfg mfaConfig(int b, int m, int h, int qRank, int c, boolean keyReuse, String pairing, int start,
            int... steps) {
        return obj("batch", b, "model_width", m, "num_heads", h, "query_rank", qRank, "head_dim", c, "key_reuse", keyReuse,
                "rope_theta", 10000.0, "rope_pairing", pairing, "rms_eps", 1e-6, "start_position", start, "steps", steps);
    }

    private static void mfa(List<GoldenGenerator.Definition> out) {
        String v = "mfa";
        new Def("mfa-prefill", v, 501, "MFA: H = 3 query heads of width C = 4 against one shared key/value head",
                mfaConfig(2, 10, 3, 6, 4, false, "interleaved", 0, 5)).into(out);
        new Def("mfa-decode", v, 502, "MFA, split halves, first token at 2: prefill 3 then two decode steps",
                mfaConfig(1, 8, 4, 5, 6, false, "split_halves", 2, 3, 1, 1)).into(out);
        new Def("mfa-key-reuse", v, 503, "MFA-KR with a non-zero α: v = k̄ + α ⊙ (N k̄)",
                mfaConfig(2, 10, 2, 4, 4, true, "interleaved", 0, 4)).into(out);
        new Def("mfa-key-reuse-chunked", v, 504, "MFA-KR, chunked 2 + 2 + 1 from position 3, split halves",
                mfaConfig(1, 6, 3, 3, 2, true, "split_halves", 3, 2, 2, 1)).into(out);
        new Def("mfa-key-reuse-alpha-zero", v, 505, "MFA-KR at initialisation (α = 0): v = k̄, the key before RoPE",
                mfaConfig(1, 8, 2, 4, 4, true, "interleaved", 0, 4)).give("alpha", zeros(4)).into(out);
    }

    // ------------------------------------------------------------------------------------------ model pieces

    private static Cfg norm(String kind, double eps, boolean affine) {
        return obj("kind", kind, "eps", eps, "affine", affine);
    }

    private static Cfg mlp(String activation, int hidden, boolean bias) {
        return obj("kind", "mlp", "activation", activation, "hidden_width", hidden, "bias", bias);
    }

    private static Cfg swiglu(int hidden) {
        return obj("kind", "swiglu", "hidden_width", hidden);
    }

    private static Cfg attentionPart(int h, int g, int d, Cfg rope) {
        return obj("num_heads", h, "num_kv_heads", g, "head_dim", d, "rope", rope);
    }

    private static Cfg mlaPart(int h, int qRank, int kvRank, int nope, int ropeDim, int dv, String pairing, String form) {
        return obj("kind", "mla", "num_heads", h, "q_lora_rank", qRank, "kv_lora_rank", kvRank, "qk_nope_head_dim", nope,
                "qk_rope_head_dim", ropeDim, "v_head_dim", dv, "rope_theta", 10000.0, "rope_pairing", pairing, "rms_eps", 1e-6,
                "form", form);
    }

    private static Cfg mfaPart(int h, int qRank, int c, boolean keyReuse, String pairing) {
        return obj("kind", "mfa", "num_heads", h, "query_rank", qRank, "head_dim", c, "key_reuse", keyReuse,
                "rope_theta", 10000.0, "rope_pairing", pairing, "rms_eps", 1e-6);
    }

    private static void model(List<GoldenGenerator.Definition> out) {
        new Def("norm-rms", "norm", 601, "RMSNorm with gain, ε = 1e-6",
                obj("batch", 2, "seq_len", 3, "model_width", 7, "norm", norm("rms", 1e-6, true))).into(out);
        new Def("norm-rms-no-affine-large-eps", "norm", 602, "RMSNorm without gain, ε = 0.5 (ε visible)",
                obj("batch", 1, "seq_len", 4, "model_width", 5, "norm", norm("rms", 0.5, false))).into(out);
        new Def("norm-layer", "norm", 603, "LayerNorm with gain and bias, ε = 1e-5",
                obj("batch", 2, "seq_len", 3, "model_width", 6, "norm", norm("layer", 1e-5, true))).into(out);
        new Def("norm-layer-no-affine", "norm", 604, "LayerNorm without affine part",
                obj("batch", 1, "seq_len", 2, "model_width", 9, "norm", norm("layer", 1e-5, false))).into(out);

        new Def("ffn-mlp-relu-bias", "ffn", 611, "MLP with ReLU, both layers with bias",
                obj("batch", 2, "seq_len", 3, "model_width", 6, "ffn", mlp("relu", 10, true))).into(out);
        new Def("ffn-mlp-gelu", "ffn", 612, "MLP with exact GELU x·Φ(x) (erf form)",
                obj("batch", 1, "seq_len", 4, "model_width", 5, "ffn", mlp("gelu", 12, false))).into(out);
        new Def("ffn-mlp-gelu-tanh", "ffn", 613, "MLP with the tanh approximation of GELU",
                obj("batch", 1, "seq_len", 4, "model_width", 5, "ffn", mlp("gelu_tanh", 12, false))).into(out);
        new Def("ffn-mlp-silu-bias", "ffn", 614, "MLP with SiLU, with bias",
                obj("batch", 2, "seq_len", 2, "model_width", 4, "ffn", mlp("silu", 9, true))).into(out);
        new Def("ffn-swiglu", "ffn", 615, "SwiGLU: W_down (SiLU(W_gate x) ⊙ W_up x)",
                obj("batch", 2, "seq_len", 3, "model_width", 6, "ffn", swiglu(11))).into(out);

        new Def("decoder-block-pre-rms-swiglu-gqa", "decoder_block", 621,
                "pre-norm block: RMSNorm, GQA (H = 4, G = 2) with RoPE split halves, SwiGLU",
                obj("batch", 2, "seq_len", 4, "model_width", 8, "placement", "pre",
                        "attention", attentionPart(4, 2, 2, rope(2, 10000.0, "split_halves")),
                        "norm", norm("rms", 1e-5, true), "ffn", swiglu(12))).into(out);
        new Def("decoder-block-post-layer-gelu-mha", "decoder_block", 622,
                "post-norm block: LayerNorm, MHA (H = G = 2) without RoPE, GELU MLP",
                obj("batch", 1, "seq_len", 5, "model_width", 6, "placement", "post", "attention", attentionPart(2, 2, 3, null),
                        "norm", norm("layer", 1e-5, true), "ffn", mlp("gelu", 10, false))).into(out);
        new Def("decoder-block-pre-layer-relu-mqa", "decoder_block", 623,
                "pre-norm block: LayerNorm, MQA (H = 3, G = 1) with RoPE interleaved on P = 2 of D = 4, ReLU MLP",
                obj("batch", 2, "seq_len", 3, "model_width", 9, "placement", "pre",
                        "attention", attentionPart(3, 1, 4, rope(2, 10000.0, "interleaved")),
                        "norm", norm("layer", 1e-5, true), "ffn", mlp("relu", 8, false))).into(out);

        new Def("decoder-block-pre-rms-swiglu-mla-naive", "decoder_block", 624,
                "pre-norm block: RMSNorm, naive MLA (H = 3, C_q = 4, C = 3, D_nope = 2, P = 2, Dv = 3, interleaved), SwiGLU, M = 9",
                obj("batch", 2, "seq_len", 4, "model_width", 9, "placement", "pre",
                        "attention", mlaPart(3, 4, 3, 2, 2, 3, "interleaved", "naive"),
                        "norm", norm("rms", 1e-5, true), "ffn", swiglu(10))).into(out);
        new Def("decoder-block-post-layer-gelu-tanh-mla-absorbed", "decoder_block", 625,
                "post-norm block: LayerNorm, absorbed MLA without query compression (H = 2, C = 4, D_nope = 3, P = 4, Dv = 2, "
                        + "split halves), GELU (tanh) MLP with bias, M = 7",
                obj("batch", 1, "seq_len", 5, "model_width", 7, "placement", "post",
                        "attention", mlaPart(2, 0, 4, 3, 4, 2, "split_halves", "absorbed"),
                        "norm", norm("layer", 1e-5, true), "ffn", mlp("gelu_tanh", 11, true))).into(out);
        new Def("decoder-block-pre-rms-silu-mfa", "decoder_block", 626,
                "pre-norm block: RMSNorm, MFA (H = 3 heads of C = 4, C_q = 5, interleaved), SiLU MLP, M = 10",
                obj("batch", 2, "seq_len", 3, "model_width", 10, "placement", "pre",
                        "attention", mfaPart(3, 5, 4, false, "interleaved"),
                        "norm", norm("rms", 1e-5, true), "ffn", mlp("silu", 12, false))).into(out);
        new Def("decoder-block-post-rms-swiglu-mfa-kr", "decoder_block", 627,
                "post-norm block: RMSNorm without gain, MFA-KR (H = 2 heads of C = 6, C_q = 3, α ≠ 0, split halves), SwiGLU, M = 5",
                obj("batch", 1, "seq_len", 5, "model_width", 5, "placement", "post",
                        "attention", mfaPart(2, 3, 6, true, "split_halves"),
                        "norm", norm("rms", 1e-5, false), "ffn", swiglu(7))).into(out);

        new Def("generation-greedy-rope-tied", "generation", 631,
                "greedy generation, 2 pre-norm blocks (RMSNorm, GQA H = 4 G = 2, RoPE split halves, SwiGLU), final norm, tied head",
                obj("vocab_size", 19, "model_width", 12, "num_layers", 2, "placement", "pre",
                        "attention", attentionPart(4, 2, 4, rope(4, 10000.0, "split_halves")), "norm", norm("rms", 1e-5, true),
                        "ffn", swiglu(20), "final_norm", true, "learned_positions", 0, "tied_head", true, "decoding", "greedy",
                        "prompt_length", 4, "steps", 6)).give("prompt", longs(3, 17, 0, 9)).into(out);
        new Def("generation-greedy-learned-untied", "generation", 632,
                "greedy generation, 2 post-norm blocks (LayerNorm, MQA H = 2, GELU), learned positions, untied head",
                obj("vocab_size", 13, "model_width", 8, "num_layers", 2, "placement", "post",
                        "attention", attentionPart(2, 1, 4, null), "norm", norm("layer", 1e-5, true), "ffn", mlp("gelu", 16, false),
                        "final_norm", false, "learned_positions", 9, "tied_head", false, "decoding", "greedy",
                        "prompt_length", 3, "steps", 5)).give("prompt", longs(12, 1, 5)).into(out);
        new Def("generation-greedy-mla-absorbed", "generation", 633,
                "greedy generation, 2 pre-norm blocks (RMSNorm, absorbed MLA H = 2, C_q = 5, C = 4, D_nope = 2, P = 2, Dv = 3, "
                        + "SwiGLU), final norm, tied head",
                obj("vocab_size", 17, "model_width", 10, "num_layers", 2, "placement", "pre",
                        "attention", mlaPart(2, 5, 4, 2, 2, 3, "interleaved", "absorbed"), "norm", norm("rms", 1e-5, true),
                        "ffn", swiglu(14), "final_norm", true, "learned_positions", 0, "tied_head", true, "decoding", "greedy",
                        "prompt_length", 3, "steps", 5)).give("prompt", longs(4, 16, 9)).into(out);
        new Def("generation-greedy-mla-naive-untied", "generation", 634,
                "greedy generation, 2 pre-norm blocks (LayerNorm, naive MLA without query compression H = 3, C = 3, D_nope = 1, "
                        + "P = 2, Dv = 2, ReLU), untied head, M = 9",
                obj("vocab_size", 11, "model_width", 9, "num_layers", 2, "placement", "pre",
                        "attention", mlaPart(3, 0, 3, 1, 2, 2, "split_halves", "naive"), "norm", norm("layer", 1e-5, true),
                        "ffn", mlp("relu", 13, false), "final_norm", true, "learned_positions", 0, "tied_head", false,
                        "decoding", "greedy", "prompt_length", 2, "steps", 5)).give("prompt", longs(7, 2)).into(out);
        new Def("generation-greedy-mfa", "generation", 635,
                "greedy generation, 2 post-norm blocks (LayerNorm, MFA H = 4 heads of C = 2, C_q = 6, GELU), tied head",
                obj("vocab_size", 15, "model_width", 8, "num_layers", 2, "placement", "post",
                        "attention", mfaPart(4, 6, 2, false, "interleaved"), "norm", norm("layer", 1e-5, true),
                        "ffn", mlp("gelu", 12, false), "final_norm", false, "learned_positions", 0, "tied_head", true,
                        "decoding", "greedy", "prompt_length", 4, "steps", 4)).give("prompt", longs(1, 14, 3, 8)).into(out);
        new Def("generation-greedy-mfa-kr", "generation", 636,
                "greedy generation, 2 pre-norm blocks (RMSNorm, MFA-KR H = 3 heads of C = 4, C_q = 4, α ≠ 0, SwiGLU), final norm, "
                        + "untied head",
                obj("vocab_size", 13, "model_width", 11, "num_layers", 2, "placement", "pre",
                        "attention", mfaPart(3, 4, 4, true, "split_halves"), "norm", norm("rms", 1e-5, true),
                        "ffn", swiglu(9), "final_norm", true, "learned_positions", 0, "tied_head", false, "decoding", "greedy",
                        "prompt_length", 3, "steps", 5)).give("prompt", longs(0, 12, 6)).into(out);
    }

    // ------------------------------------------------------------------------------------------ mirrors

    private static void mirrors(List<GoldenGenerator.Definition> out) {
        // seed 000 §1.1, labml MHA: sequence-first; mask[i, j, b] (1 = keep); query 1 of batch row 1 sees no key.
        StoredTensor labmlMask = bits(new int[] {3, 3, 2}, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1);
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed000-labml-mha-" + fidelity.replace('_', '-'), "mirror.seed000_labml_mha", 701,
                    "labml MHA (" + fidelity + "), keep-mask with a fully hidden query row"
                            + (fidelity.equals("fixed") ? " (zeros)" : " (NaN as published)"),
                    obj("heads", 2, "d_model", 6, "bias", true, "fidelity", fidelity, "seq_len", 3, "kv_len", 3, "batch", 2,
                            "mask", obj("shape", new int[] {3, 3, 2}))).give("mask", labmlMask).into(out);
            new Def("mirror-seed000-labml-mha-no-bias-" + fidelity.replace('_', '-'), "mirror.seed000_labml_mha", 702,
                    "labml MHA (" + fidelity + ") with bias=False: as published V keeps its bias (S000-MHA-VBIAS); "
                            + "cross-attention T = 2, S = 4",
                    obj("heads", 3, "d_model", 6, "bias", false, "fidelity", fidelity, "seq_len", 2, "kv_len", 4, "batch", 1,
                            "mask", null)).into(out);
        }
        // seed 000 §2.1 MQA: hide-mask [B, 1, T, T] (1 = hide), published adds mask·(−1e-9) and scrambles positions.
        StoredTensor causalHide = bits(new int[] {1, 1, 4, 4}, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0);
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed000-mqa-" + fidelity.replace('_', '-'), "mirror.seed000_mqa", 711,
                    "seed 000 MutiQueryAttention (" + fidelity + "), causal hide-mask, PyTorch's float32 default dtype",
                    obj("hidden_size", 8, "num_heads", 4, "fidelity", fidelity, "torch_default_dtype", "float32", "batch", 2,
                            "seq_len", 4, "mask", obj("shape", new int[] {1, 1, 4, 4}))).give("attention_mask", causalHide)
                    .into(out);
        }
        new Def("mirror-seed000-mqa-as-published-float64-default", "mirror.seed000_mqa", 712,
                "published MQA under torch.set_default_dtype(float64): √D in float64, D = 3 (not a perfect square)",
                obj("hidden_size", 6, "num_heads", 2, "fidelity", "as_published", "torch_default_dtype", "float64", "batch", 1,
                        "seq_len", 3, "mask", null)).into(out);
        new Def("mirror-seed000-mqa-as-published-decode", "mirror.seed000_mqa", 713,
                "published MQA with T = 1: the transpose bug is invisible on a single position (and one key makes the scale moot)",
                obj("hidden_size", 6, "num_heads", 2, "fidelity", "as_published", "torch_default_dtype", "float32", "batch", 2,
                        "seq_len", 1, "mask", null)).into(out);
        // seed 000 §3.1 GQA.
        for (String fidelity : new String[] {"as_published", "as_published_super_fixed", "fixed"}) {
            new Def("mirror-seed000-gqa-" + fidelity.replace('_', '-'), "mirror.seed000_gqa", 721,
                    "seed 000 GroupQueryAttention (" + fidelity + "), H = 4, G = 2, causal hide-mask"
                            + (fidelity.equals("as_published") ? ": its super() call raises TypeError" : ""),
                    obj("hidden_size", 8, "num_heads", 4, "group_num", 2, "fidelity", fidelity, "torch_default_dtype",
                            "float32", "batch", 2, "seq_len", 4, "mask", obj("shape", new int[] {1, 1, 4, 4})))
                    .give("attention_mask", causalHide).into(out);
        }
        // seed 000 §4.1 MLA.
        new Def("mirror-seed000-mla-as-published", "mirror.seed000_mla", 731,
                "seed 000 simplified MLA as published: free W_qk, scale 1/√kv_latent_dim, no mask",
                obj("d_model", 8, "num_heads", 2, "q_latent_dim", 5, "kv_latent_dim", 3, "fidelity", "as_published",
                        "causal", false, "absorbed", true, "batch", 2, "seq_len", 3)).into(out);
        new Def("mirror-seed000-mla-as-published-causal", "mirror.seed000_mla", 731,
                "asking the published MLA for a causal pass: forward() takes no such argument (TypeError)",
                obj("d_model", 8, "num_heads", 2, "q_latent_dim", 5, "kv_latent_dim", 3, "fidelity", "as_published",
                        "causal", true, "absorbed", true, "batch", 2, "seq_len", 3)).into(out);
        new Def("mirror-seed000-mla-fixed-absorbed", "mirror.seed000_mla", 732,
                "fixed MLA, absorbed (W_qk from the factors), scale 1/√head_dim, bidirectional",
                obj("d_model", 8, "num_heads", 2, "q_latent_dim", 5, "kv_latent_dim", 3, "fidelity", "fixed",
                        "causal", false, "absorbed", true, "batch", 2, "seq_len", 3)).into(out);
        new Def("mirror-seed000-mla-fixed-naive-causal", "mirror.seed000_mla", 733,
                "fixed MLA, naive per-head q·k, causal",
                obj("d_model", 9, "num_heads", 3, "q_latent_dim", 4, "kv_latent_dim", 2, "fidelity", "fixed",
                        "causal", true, "absorbed", false, "batch", 1, "seq_len", 4)).into(out);
        // seed 002 MHA: keep-mask, −1e20 fill as published; batch row 1 fully hidden (the article's example).
        StoredTensor rowHidden = bits(new int[] {3, 1, 1, 2}, 0, 1, 0, 0, 1, 0);
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed002-mha-" + fidelity.replace('_', '-'), "mirror.seed002_mha", 741,
                    "seed 002 MultiHeadAttention (" + fidelity + "), the example's mask: batch row 1 hides every key"
                            + (fidelity.equals("fixed") ? " (zeros)" : " (uniform under −1e20)"),
                    obj("hidden_dim", 8, "nums_head", 2, "fidelity", fidelity, "batch", 3, "seq_len", 2,
                            "mask", obj("shape", new int[] {3, 1, 1, 2}))).give("attention_mask", rowHidden).into(out);
        }
        new Def("mirror-seed002-mha-as-published-batch-seq-mask", "mirror.seed002_mha", 742,
                "published MHA given the documented (batch, seq) mask with B = T: it broadcasts as [T, S] (rows are queries)",
                obj("hidden_dim", 6, "nums_head", 3, "fidelity", "as_published", "batch", 3, "seq_len", 3,
                        "mask", obj("shape", new int[] {3, 3}))).give("attention_mask", bits(new int[] {3, 3}, 1, 1, 1, 1, 1, 0, 1, 0, 0))
                .into(out);
        new Def("mirror-seed002-mha-fixed-batch-seq-mask", "mirror.seed002_mha", 742,
                "fixed MHA: a (batch, seq) mask is key padding, viewed as (batch, 1, 1, seq)",
                obj("hidden_dim", 6, "nums_head", 3, "fidelity", "fixed", "batch", 3, "seq_len", 3,
                        "mask", obj("shape", new int[] {3, 3}))).give("attention_mask", bits(new int[] {3, 3}, 1, 1, 1, 1, 1, 0, 1, 0, 0))
                .into(out);
        // seed 002 GQA: the published forward ignores its mask.
        StoredTensor gqaKeep = bits(new int[] {2, 1, 3, 3}, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1);
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed002-gqa-" + fidelity.replace('_', '-'), "mirror.seed002_gqa", 751,
                    "seed 002 GroupQueryAttention (" + fidelity + "), H = 4, G = 2, keep-mask"
                            + (fidelity.equals("fixed") ? "" : " (ignored as published)"),
                    obj("hidden_dim", 8, "nums_head", 4, "nums_key_value_head", 2, "fidelity", fidelity, "batch", 2,
                            "seq_len", 3, "mask", obj("shape", new int[] {2, 1, 3, 3}))).give("attention_mask", gqaKeep).into(out);
        }
        new Def("mirror-seed002-gqa-indivisible", "mirror.seed002_gqa", 752,
                "hidden_dim 10 with nums_head 4: the snippet's assert fails at construction (AssertionError)",
                obj("hidden_dim", 10, "nums_head", 4, "nums_key_value_head", 2, "fidelity", "as_published", "batch", 1,
                        "seq_len", 2, "mask", null)).into(out);
        // seed 003 MHA: Q, K, V inputs, keep-mask with −1e9 fill as published.
        StoredTensor crossKeep = bits(new int[] {2, 1, 2, 4}, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0);
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed003-mha-" + fidelity.replace('_', '-'), "mirror.seed003_mha", 761,
                    "seed 003 MultiHeadAttention (" + fidelity + "), cross-attention T = 2, S = 4, a fully hidden query row"
                            + (fidelity.equals("fixed") ? " (zeros)" : " (uniform under −1e9)"),
                    obj("d_model", 6, "num_heads", 2, "fidelity", fidelity, "batch", 2, "q_len", 2, "kv_len", 4,
                            "mask", obj("shape", new int[] {2, 1, 2, 4}))).give("mask", crossKeep).into(out);
        }
        new Def("mirror-seed003-mha-indivisible", "mirror.seed003_mha", 762,
                "d_model 10 with num_heads 4: the snippet's assert fails at construction (AssertionError)",
                obj("d_model", 10, "num_heads", 4, "fidelity", "fixed", "batch", 1, "q_len", 2, "kv_len", 2, "mask", null))
                .into(out);
        // seed 003 §7 bmm version.
        for (String fidelity : new String[] {"as_published", "fixed"}) {
            new Def("mirror-seed003-sdpa-bmm-split-heads-" + fidelity.replace('_', '-'), "mirror.seed003_sdpa_bmm", 771,
                    "bmm attention (" + fidelity + ") on split_heads output (B = 2, H = 2, T = 3)"
                            + (fidelity.equals("fixed") ? "" : ": the published view raises RuntimeError"),
                    obj("batch", 2, "num_heads", 2, "q_len", 3, "kv_len", 3, "d_k", 4, "fidelity", fidelity,
                            "input_layout", "split_heads", "mask", null)).into(out);
        }
        new Def("mirror-seed003-sdpa-bmm-contiguous-as-published", "mirror.seed003_sdpa_bmm", 772,
                "published bmm attention on contiguous inputs (view succeeds), keep-mask with −1e9 fill",
                obj("batch", 2, "num_heads", 3, "q_len", 2, "kv_len", 3, "d_k", 2, "fidelity", "as_published",
                        "input_layout", "contiguous", "mask", obj("shape", new int[] {2, 1, 2, 3})))
                .give("mask", bits(new int[] {2, 1, 2, 3}, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1)).into(out);
    }
}
