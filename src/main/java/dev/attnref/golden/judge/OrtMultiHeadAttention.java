package dev.attnref.golden.judge;

import dev.attnref.golden.Precision;
import java.util.Arrays;

/**
 * ONNX Runtime's {@code com.microsoft.MultiHeadAttention} (contrib op, CPU), asked a golden case through its own
 * inputs. It has one head count, so a case with G &lt; H gets its keys and values repeated to H heads first
 * (query head h reads kv head ⌊h / R⌋, as Hugging Face's {@code repeat_kv} does).
 *
 * <table>
 *   <caption>Case → MultiHeadAttention</caption>
 *   <tr><th>case</th><th>MultiHeadAttention</th></tr>
 *   <tr><td>q [B, H, T, D]; new k, v</td><td>query [B, T, H·D]; key [B, S_new, H·D], value [B, S_new, H·Dv]</td></tr>
 *   <tr><td>past (P &gt; 0)</td><td>past_key, past_value [B, H, P, ·]</td></tr>
 *   <tr><td>causal (any alignment), or query start P</td><td>{@code unidirectional = 1}</td></tr>
 *   <tr><td>key lengths alone</td><td>{@code key_padding_mask} [B] int32 (lengths)</td></tr>
 *   <tr><td>bool mask without a head axis (and key lengths, folded in)</td><td>{@code key_padding_mask} [B, T, S] int32, 1 = attend</td></tr>
 *   <tr><td>additive mask</td><td>{@code attention_bias} [B|1, H|1, T, S]</td></tr>
 *   <tr><td>scale; a finite mask fill</td><td>{@code scale}; {@code mask_filter_value} (else the op's default)</td></tr>
 * </table>
 * Not expressible: softcap, a boolean mask that varies over heads, a query start other than the past length.
 */
final class OrtMultiHeadAttention implements AttentionOp {
    @Override
    public String id() {
        return "MultiHeadAttention";
    }

    @Override
    public String whyNot(JudgeProblem p) {
        if (p.softcap() > 0) {
            return "softcap: MultiHeadAttention has no softcap attribute";
        }
        if (p.keep() != null && Caches.axisSize(p.keepShape(), 1) > 1) {
            return "boolean mask " + Arrays.toString(p.keepShape()) + " varies over heads: key_padding_mask has no head axis";
        }
        JudgeProblem.Causal c = p.causal();
        if (c != null && c.alignment() == null && Arrays.stream(c.first()).anyMatch(f -> f != p.pastLen())) {
            return "causal query start " + Arrays.toString(c.first()) + " ≠ the past length " + p.pastLen()
                    + ": unidirectional offsets queries by the past only";
        }
        return null;
    }

    @Override
    public String layout(JudgeProblem p) {
        String repeat = p.numKvHeads() < p.numHeads() ? "keys and values repeated from G = " + p.numKvHeads() + " to H = "
                + p.numHeads() + " heads" : null;
        String past = p.pastLen() > 0 ? "past keys as past_key / past_value" : null;
        return repeat == null ? past : past == null ? repeat : repeat + "; " + past;
    }

    @Override
    public double[] run(JudgeProblem p, Precision precision) {
        int b = p.batch();
        int h = p.numHeads();
        int d = p.headDim();
        int dv = p.valueHeadDim();
        int fresh = p.newKvLen();
        double[] key = Caches.repeatHeads(p.key(), b, p.numKvHeads(), h, p.kvLen(), d);                 // [B, H, S, D]
        double[] value = Caches.repeatHeads(p.value(), b, p.numKvHeads(), h, p.kvLen(), dv);            // [B, H, S, Dv]
        OnnxModel model = new OnnxModel("MultiHeadAttention", "com.microsoft", "output", "present_key", "present_value")
                .attribute("num_heads", h).attribute("unidirectional", p.causal() != null ? 1 : 0);
        if (p.scale() != null) {
            model.attribute("scale", p.scale());
        }
        if (Double.isFinite(p.fill())) {
            model.attribute("mask_filter_value", p.fill());
        }
        model.input(OnnxModel.Feed.floats("query", Caches.pack(p.query(), b, h, p.qLen(), d), b, p.qLen(), h * d))
                .input(OnnxModel.Feed.floats("key",
                        Caches.pack(Caches.newPart(key, b * h, p.pastLen(), p.kvLen(), d), b, h, fresh, d), b, fresh, h * d))
                .input(OnnxModel.Feed.floats("value",
                        Caches.pack(Caches.newPart(value, b * h, p.pastLen(), p.kvLen(), dv), b, h, fresh, dv), b, fresh, h * dv))
                .input(null)                                                              // bias
                .input(keyPaddingMask(p))
                .input(p.additive() == null ? null : Caches.attentionBias(p));
        if (p.pastLen() > 0) {
            model.input(OnnxModel.Feed.floats("past_key", Caches.pastPart(key, b * h, p.pastLen(), p.kvLen(), d),
                            b, h, p.pastLen(), d))
                    .input(OnnxModel.Feed.floats("past_value", Caches.pastPart(value, b * h, p.pastLen(), p.kvLen(), dv),
                            b, h, p.pastLen(), dv));
        }
        return Caches.unpack(model.run(1, precision), b, h, p.qLen(), dv);          // [B, T, H·Dv] → [B, H, T, Dv]
    }

    /** key lengths alone → [B] lengths; a boolean mask (key lengths folded in) → [B, T, S], 1 = attend; else none. */
    private static OnnxModel.Feed keyPaddingMask(JudgeProblem p) {
        if (p.keep() == null) {
            return p.keyLengths() == null ? null : OnnxModel.Feed.ints("key_padding_mask", p.keyLengths(), p.batch());
        }
        int[] keep = new int[p.batch() * p.qLen() * p.kvLen()];                    // [B, T, S]
        for (int b = 0; b < p.batch(); b++) {
            for (int t = 0; t < p.qLen(); t++) {
                for (int s = 0; s < p.kvLen(); s++) {
                    boolean inside = p.keyLengths() == null || s < p.keyLengths()[b];
                    keep[(b * p.qLen() + t) * p.kvLen() + s] = p.keepAt(b, 0, t, s) && inside ? 1 : 0;
                }
            }
        }
        return OnnxModel.Feed.ints("key_padding_mask", keep, p.batch(), p.qLen(), p.kvLen());
    }
}
