package dev.attnref.golden.judge;

import dev.attnref.golden.Precision;
import java.util.Arrays;

/**
 * ONNX Runtime's {@code com.microsoft.GroupQueryAttention} (contrib op, CPU), asked a golden case through its
 * own inputs. The op is causal by definition, over a cache: its T queries are the last T tokens of each batch
 * row's {@code seqlens_k[b] + 1} keys, so query t sits at position L[b] − T + t.
 *
 * <table>
 *   <caption>Case → GroupQueryAttention</caption>
 *   <tr><th>case</th><th>GroupQueryAttention</th></tr>
 *   <tr><td>q [B, H, T, D]; k, v [B, G, S, D]</td><td>query [B, T, H·D]; the last T keys as key, value [B, T, G·D];
 *       the first S − T as past_key, past_value [B, G, S − T, D]</td></tr>
 *   <tr><td>key lengths L (else S)</td><td>{@code seqlens_k[b] = L[b] − 1}, {@code total_sequence_length = S}</td></tr>
 *   <tr><td>causal (any numbering), or not causal with T = 1</td><td>the op's own causal rule</td></tr>
 *   <tr><td>additive mask</td><td>{@code attention_bias} [B|1, H|1, T, S]</td></tr>
 *   <tr><td>scale, softcap</td><td>{@code scale} (1/√D when the case has none), {@code softcap}; num_heads H, kv_num_heads G</td></tr>
 *   <tr><td>D not a multiple of 8</td><td>q, k, v padded with zero columns to the next multiple of 8, which ORT's CPU
 *       kernel needs (q·k unchanged; the extra output columns are dropped)</td></tr>
 * </table>
 * Not expressible: Dv ≠ D, a boolean mask, attention without causal masking over T &gt; 1 queries, T &gt; S, or a
 * key length shorter than T.
 */
final class OrtGroupQueryAttention implements AttentionOp {
    @Override
    public String id() {
        return "GroupQueryAttention";
    }

    @Override
    public String whyNot(JudgeProblem p) {
        if (p.valueHeadDim() != p.headDim()) {
            return "Dv (" + p.valueHeadDim() + ") ≠ D (" + p.headDim() + "): one head size for keys and values";
        }
        if (p.keep() != null) {
            return "boolean mask: GroupQueryAttention has no boolean mask input";
        }
        if (p.causal() == null && p.qLen() > 1) {
            return "not causal with T = " + p.qLen() + ": GroupQueryAttention is always causal";
        }
        if (p.qLen() > p.kvLen()) {
            return "T (" + p.qLen() + ") > S (" + p.kvLen() + "): the queries are the last T of the keys";
        }
        if (p.keyLengths() != null && Arrays.stream(p.keyLengths()).anyMatch(len -> len < p.qLen())) {
            return "a key length " + Arrays.toString(p.keyLengths()) + " < T (" + p.qLen() + ")";
        }
        return null;
    }

    @Override
    public String layout(JudgeProblem p) {
        String pad = p.headDim() % 8 == 0 ? "" : "q, k, v padded with zeros from D = " + p.headDim() + " to " + padded(p.headDim())
                + " (ORT's CPU kernel takes multiples of 8), scale 1/√D given; ";
        return pad + (p.kvLen() > p.qLen() ? "the first S − T = " + (p.kvLen() - p.qLen()) + " keys as past_key / past_value"
                : "no past");
    }

    /** D rounded up to a multiple of 8: zero columns change no q·k and add output columns that are dropped. */
    private static int padded(int headDim) {
        return (headDim + 7) / 8 * 8;
    }

    @Override
    public double[] run(JudgeProblem p, Precision precision) {
        int b = p.batch();
        int h = p.numHeads();
        int g = p.numKvHeads();
        int t = p.qLen();
        int d = padded(p.headDim());
        int past = p.kvLen() - t;
        double[] query = Caches.resize(p.query(), b * h * t, p.headDim(), d);                  // [B, H, T, D′]
        double[] key = Caches.resize(p.key(), b * g * p.kvLen(), p.headDim(), d);              // [B, G, S, D′]
        double[] value = Caches.resize(p.value(), b * g * p.kvLen(), p.headDim(), d);          // [B, G, S, D′]
        int[] seqlens = new int[b];
        for (int i = 0; i < b; i++) {
            seqlens[i] = (p.keyLengths() == null ? p.kvLen() : p.keyLengths()[i]) - 1;
        }
        OnnxModel model = new OnnxModel("GroupQueryAttention", "com.microsoft", "output", "present_key", "present_value")
                .attribute("num_heads", h).attribute("kv_num_heads", g);
        model.attribute("scale", p.scale() != null ? p.scale() : 1 / Math.sqrt(p.headDim()));
        if (p.softcap() > 0) {
            model.attribute("softcap", p.softcap());
        }
        model.input(OnnxModel.Feed.floats("query", Caches.pack(query, b, h, t, d), b, t, h * d))
                .input(OnnxModel.Feed.floats("key", Caches.pack(Caches.newPart(key, b * g, past, p.kvLen(), d), b, g, t, d),
                        b, t, g * d))
                .input(OnnxModel.Feed.floats("value", Caches.pack(Caches.newPart(value, b * g, past, p.kvLen(), d), b, g, t, d),
                        b, t, g * d))
                .input(past == 0 ? null : OnnxModel.Feed.floats("past_key", Caches.pastPart(key, b * g, past, p.kvLen(), d),
                        b, g, past, d))
                .input(past == 0 ? null : OnnxModel.Feed.floats("past_value", Caches.pastPart(value, b * g, past, p.kvLen(), d),
                        b, g, past, d))
                .input(OnnxModel.Feed.ints("seqlens_k", seqlens, b))
                .input(OnnxModel.Feed.ints("total_sequence_length", new int[] {p.kvLen()}, 1));
        if (p.additive() != null) {
            // cos_cache, sin_cache, position_ids omitted; then attention_bias
            model.input(null).input(null).input(null).input(Caches.attentionBias(p));
        }
        double[] out = Caches.unpack(model.run(1, precision), b, h, t, d);          // [B, T, H·D′] → [B, H, T, D′]
        return Caches.resize(out, b * h * t, d, p.headDim());                      // [B, H, T, D]
    }
}
