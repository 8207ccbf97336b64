package dev.attnref.golden.judge;

import dev.attnref.fast.AttentionDims;
import dev.attnref.golden.Precision;
import dev.attnref.peer.TorchPeer;

/**
 * PyTorch 2.10's {@code F.scaled_dot_product_attention(q, k, v, attn_mask, is_causal, scale, enable_gqa)}
 * through {@link TorchPeer}, asked a golden case as a port would ask it:
 *
 * <table>
 *   <caption>Case → SDPA</caption>
 *   <tr><th>case</th><th>SDPA</th></tr>
 *   <tr><td>past_key, past_value</td><td>joined with the new keys (SDPA has no cache; positions come from is_causal)</td></tr>
 *   <tr><td>G &lt; H</td><td>{@code enable_gqa = True} (PyTorch: query head h reads kv head ⌊h / R⌋)</td></tr>
 *   <tr><td>causal (any alignment)</td><td>{@code is_causal = True} (PyTorch documents top-left alignment)</td></tr>
 *   <tr><td>bool mask (inverted when hide_where_true)</td><td>{@code attn_mask} kBool, its stored shape (PyTorch broadcasts from the right)</td></tr>
 *   <tr><td>additive mask</td><td>{@code attn_mask} float, its stored shape</td></tr>
 *   <tr><td>scale</td><td>{@code scale}</td></tr>
 * </table>
 * Not expressible: softcap, key lengths, an explicit query start, two masks, or a mask with causal
 * masking (PyTorch refuses {@code attn_mask} with {@code is_causal}).
 */
final class TorchSdpa implements AttentionOp {
    private final TorchPeer peer = new TorchPeer(1);

    @Override
    public String id() {
        return "scaled_dot_product_attention";
    }

    @Override
    public String whyNot(JudgeProblem p) {
        if (p.softcap() > 0) {
            return "softcap: SDPA has no softcap argument";
        }
        if (p.keyLengths() != null) {
            return "key lengths: SDPA has no key-length argument, only attn_mask";
        }
        if (p.keep() != null && p.additive() != null) {
            return "a boolean and an additive mask: SDPA takes one attn_mask";
        }
        if (p.causal() != null && p.causal().alignment() == null) {
            return "causal with an explicit query start: is_causal has no offset";
        }
        if (p.causal() != null && (p.keep() != null || p.additive() != null)) {
            return "causal and a mask: SDPA refuses attn_mask together with is_causal";
        }
        return null;
    }

    @Override
    public String layout(JudgeProblem p) {
        return p.pastLen() > 0 ? "past keys joined to the new ones (SDPA has no cache)" : null;
    }

    @Override
    public double[] run(JudgeProblem p, Precision precision) {
        AttentionDims dims = new AttentionDims(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim());
        TorchPeer.Mask mask = null;
        if (p.keep() != null) {
            mask = TorchPeer.Mask.keep(p.keep(), Caches.longs(p.keepShape()));
        } else if (p.additive() != null) {
            mask = TorchPeer.Mask.additive(p.additive(), Caches.longs(p.additiveShape()));
        }
        float[] out = peer.attend(dims, floats(p.query()), floats(p.key()), floats(p.value()), p.causal() != null, mask,
                p.scale(), precision == Precision.BF16);
        double[] wide = new double[out.length];
        for (int i = 0; i < out.length; i++) {
            wide[i] = out[i];
        }
        return wide;
    }

    /** The runtime's version, for the matrix. */
    static String version() {
        return "PyTorch (libtorch CPU) through org.bytedeco:pytorch " + TorchPeer.version();
    }

    static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }
}
