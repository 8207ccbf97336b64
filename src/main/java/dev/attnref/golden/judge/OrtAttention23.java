package dev.attnref.golden.judge;

import dev.attnref.golden.Precision;
import java.util.Arrays;

/**
 * ONNX {@code Attention} at opset 23 (ai.onnx) on ONNX Runtime's CPU provider, asked a golden case through its
 * own inputs and attributes:
 *
 * <table>
 *   <caption>Case → Attention-23</caption>
 *   <tr><th>case</th><th>Attention-23</th></tr>
 *   <tr><td>query, key, value</td><td>4-D Q [B, H, T, D], K [B, G, S_new, D], V [B, G, S_new, Dv] (G &lt; H: the spec's grouping)</td></tr>
 *   <tr><td>past (P &gt; 0)</td><td>past_key, past_value [B, G, P, ·]</td></tr>
 *   <tr><td>causal, any alignment, or query start P</td><td>{@code is_causal = 1} (the spec: key j visible to query i iff j ≤ i + P)</td></tr>
 *   <tr><td>bool mask (inverted when hide_where_true) or additive mask</td><td>{@code attn_mask} in its stored shape (true = attend)</td></tr>
 *   <tr><td>scale, softcap</td><td>{@code scale}, {@code softcap}</td></tr>
 * </table>
 * Not expressible: key lengths ({@code nonpad_kv_seqlen} arrived at opset 24), two masks (one attn_mask),
 * a query start other than the past length, or one per batch row.
 */
final class OrtAttention23 implements AttentionOp {
    @Override
    public String id() {
        return "Attention-23";
    }

    @Override
    public String whyNot(JudgeProblem p) {
        if (p.keyLengths() != null) {
            return "key lengths: nonpad_kv_seqlen is an opset-24 input";
        }
        if (p.keep() != null && p.additive() != null) {
            return "a boolean and an additive mask: Attention takes one attn_mask";
        }
        JudgeProblem.Causal c = p.causal();
        if (c != null && c.alignment() == null && Arrays.stream(c.first()).anyMatch(f -> f != p.pastLen())) {
            return "causal query start " + Arrays.toString(c.first()) + " ≠ the past length " + p.pastLen()
                    + ": is_causal offsets queries by the past only";
        }
        return null;
    }

    @Override
    public String layout(JudgeProblem p) {
        return p.pastLen() > 0 ? "past keys as past_key / past_value" : null;
    }

    @Override
    public double[] run(JudgeProblem p, Precision precision) {
        int b = p.batch();
        int g = p.numKvHeads();
        // ORT 1.29 runs a past only when present_key / present_value are asked for too
        OnnxModel model = (p.pastLen() > 0 ? new OnnxModel("Attention", "", "Y", "present_key", "present_value")
                : new OnnxModel("Attention", "", "Y"))
                .attribute("is_causal", p.causal() != null ? 1 : 0);
        if (p.scale() != null) {
            model.attribute("scale", p.scale());
        }
        if (p.softcap() > 0) {
            model.attribute("softcap", p.softcap());
        }
        model.input(OnnxModel.Feed.floats("Q", p.query(), b, p.numHeads(), p.qLen(), p.headDim()))
                .input(OnnxModel.Feed.floats("K", Caches.newPart(p.key(), b * g, p.pastLen(), p.kvLen(), p.headDim()),
                        b, g, p.newKvLen(), p.headDim()))
                .input(OnnxModel.Feed.floats("V", Caches.newPart(p.value(), b * g, p.pastLen(), p.kvLen(), p.valueHeadDim()),
                        b, g, p.newKvLen(), p.valueHeadDim()))
                .input(p.keep() != null ? OnnxModel.Feed.bools("attn_mask", p.keep(), Caches.longs(p.keepShape()))
                        : p.additive() != null ? OnnxModel.Feed.floats("attn_mask", p.additive(), Caches.longs(p.additiveShape()))
                        : null);
        if (p.pastLen() > 0) {
            model.input(OnnxModel.Feed.floats("past_key", Caches.pastPart(p.key(), b * g, p.pastLen(), p.kvLen(), p.headDim()),
                            b, g, p.pastLen(), p.headDim()))
                    .input(OnnxModel.Feed.floats("past_value",
                            Caches.pastPart(p.value(), b * g, p.pastLen(), p.kvLen(), p.valueHeadDim()),
                            b, g, p.pastLen(), p.valueHeadDim()));
        }
        return model.run(23, precision);
    }
}
