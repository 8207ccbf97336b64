package dev.attnref.model;

import dev.attnref.attention.KvCache;
import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.Masks;
import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Seed 001's "Masked Self-Attention" walk-through, step by step with tensor operations, for
 * {@code G} key/value heads shared by contiguous groups of {@code R = H/G} query heads
 * ("nums_key_value_head 设置等于 1 就是 MQA，设置等于 nums_head 就是 MHA"). Every intermediate is
 * reported to a {@link ShapeTrace}, which is what {@code attnref trace} prints.
 *
 * <pre>
 *   q = x·W_Qᵀ → [B, H, T, D],   k = x·W_Kᵀ, v = x·W_Vᵀ → [B, G, T, D]    (view, transpose)
 *   q, k ← RoPE(q, k) at absolute positions S₀ … S₀+T−1                        (when configured)
 *   K = [K_cache; k],  V = [V_cache; v] along S                                S = S₀ + T
 *   logit[b,h,t,s] = q[b,h,t,·]·K[b,⌊h/R⌋,s,·] / √D,   −∞ where s > S₀ + t
 *   p = softmax_s(logit),   o[b,h,t,·] = Σ_s p[b,h,t,s] · V[b,⌊h/R⌋,s,·]
 *   out = [o_0; …; o_{H−1}]·W_Oᵀ                                               [B, T, M]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only</td></tr>
 *   <tr><td>W_Q</td><td>[H·D, M]</td><td>Linear layout, no bias</td></tr>
 *   <tr><td>W_K, W_V</td><td>[G·D, M]</td><td></td></tr>
 *   <tr><td>W_O</td><td>[M, H·D]</td><td></td></tr>
 *   <tr><td>cache</td><td>{@link KvCache} K, V [B, G, S₀, D]</td><td>keys stored after RoPE; grown by T per call</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Conventions: scale {@code 1/√D}; masked logits −∞ (every query sees at least itself, so no
 * row is empty); groups are contiguous ({@code repeat_interleave}), docs/MATH.md "GQA family";
 * causal bottom-right over the cache as {@link AttentionLayer} requires. Differs from seed 001:
 * the seed writes {@code W_Q, W_K, W_V} as {@code D × D} (MHA only) and applies RoPE before the
 * head split; rotating each head's {@code [T, D]} slice after the split is the same rotation.
 * The canonical modules of {@code dev.attnref.attention} are checked against the oracle; this
 * class is checked by {@code WalkthroughAttentionTest} against a loop implementation written
 * from the equations above.
 */
public final class WalkthroughAttention implements AttentionLayer<KvCache> {
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final Linear queryProj;
    private final Linear keyProj;
    private final Linear valueProj;
    private final Linear outputProj;
    private final Rope rope;

    /**
     * Attention with the given projections; {@code rope} is null when positions are encoded
     * elsewhere (learned absolute embedding).
     */
    public WalkthroughAttention(int numHeads, int numKvHeads, int headDim, Linear queryProj, Linear keyProj,
            Linear valueProj, Linear outputProj, Rope rope) {
        Checks.positive("numHeads", numHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("headDim", headDim);
        int modelWidth = Checks.notNull("queryProj", queryProj).inFeatures();
        checkProjection("W_Q", queryProj, numHeads * headDim, modelWidth);
        checkProjection("W_K", Checks.notNull("keyProj", keyProj), numKvHeads * headDim, modelWidth);
        checkProjection("W_V", Checks.notNull("valueProj", valueProj), numKvHeads * headDim, modelWidth);
        checkProjection("W_O", Checks.notNull("outputProj", outputProj), modelWidth, numHeads * headDim);
        if (rope != null && rope.rotaryDim() > headDim) {
            throw new IllegalArgumentException("RoPE rotaryDim (" + rope.rotaryDim() + ") must not exceed headDim ("
                    + headDim + ")");
        }
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.queryProj = queryProj;
        this.keyProj = keyProj;
        this.valueProj = valueProj;
        this.outputProj = outputProj;
        this.rope = rope;
    }

    /** PyTorch-default initialised projections without bias, drawn W_Q, W_K, W_V, W_O. */
    public static WalkthroughAttention random(int modelWidth, int numHeads, int numKvHeads, int headDim, Rope rope,
            SeededRandom random) {
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numHeads", numHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("headDim", headDim);
        Linear wq = Linear.init(modelWidth, numHeads * headDim, false, random);
        Linear wk = Linear.init(modelWidth, numKvHeads * headDim, false, random);
        Linear wv = Linear.init(modelWidth, numKvHeads * headDim, false, random);
        Linear wo = Linear.init(numHeads * headDim, modelWidth, false, random);
        return new WalkthroughAttention(numHeads, numKvHeads, headDim, wq, wk, wv, wo, rope);
    }

    private static void checkProjection(String name, Linear layer, int out, int in) {
        if (layer.outFeatures() != out || layer.inFeatures() != in) {
            throw new IllegalArgumentException(name + " maps " + layer.inFeatures() + " → " + layer.outFeatures()
                    + "; expected " + in + " → " + out);
        }
    }

    public int numHeads() {
        return numHeads;
    }

    public int numKvHeads() {
        return numKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public Linear queryProj() {
        return queryProj;
    }

    public Linear keyProj() {
        return keyProj;
    }

    public Linear valueProj() {
        return valueProj;
    }

    public Linear outputProj() {
        return outputProj;
    }

    /** The rotary embedding, or {@code null} when this layer applies none. */
    public Rope rope() {
        return rope;
    }

    @Override
    public int modelWidth() {
        return queryProj.inFeatures();
    }

    @Override
    public KvCache newCache(int batchSize) {
        return new KvCache(batchSize, numKvHeads, headDim, headDim);     // K, V [B, G, 0, D]
    }

    @Override
    public Tensor forward(Tensor x, KvCache cache, ShapeTrace trace) {
        if (x.dim() != 3 || x.size(2) != modelWidth()) {
            throw new IllegalArgumentException("attention of width " + modelWidth() + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B, T, " + modelWidth() + "]");
        }
        Checks.notNull("cache", cache).requireHeads("WalkthroughAttention", numKvHeads, headDim, headDim);
        int batch = x.size(0);
        int qLen = x.size(1);
        if (cache.batch() != batch) {
            throw new IllegalArgumentException("cache holds " + cache.batch() + " sequences but the input has batch " + batch);
        }
        int cachedBefore = cache.length();
        int start = cache.nextPosition();
        int groupSize = numHeads / numKvHeads;

        // Projections: q = x·W_Qᵀ, k = x·W_Kᵀ, v = x·W_Vᵀ
        Tensor q = trace.record("Q = x·W_Qᵀ", "B, T, H·D", queryProj.forward(x));          // [B, T, H·D]
        Tensor k = trace.record("K = x·W_Kᵀ", "B, T, G·D", keyProj.forward(x));            // [B, T, G·D]
        Tensor v = trace.record("V = x·W_Vᵀ", "B, T, G·D", valueProj.forward(x));          // [B, T, G·D]

        // Split heads: view [B, T, H, D], then transpose so T takes part in the matmul
        q = trace.record("Q split heads (view)", "B, T, H, D", q.view(batch, qLen, numHeads, headDim));
        q = trace.record("Q transpose(1, 2)", "B, H, T, D", q.transpose(1, 2));            // [B, H, T, D]
        k = trace.record("K split, transpose", "B, G, T, D",
                k.view(batch, qLen, numKvHeads, headDim).transpose(1, 2));                  // [B, G, T, D]
        v = trace.record("V split, transpose", "B, G, T, D",
                v.view(batch, qLen, numKvHeads, headDim).transpose(1, 2));                  // [B, G, T, D]

        // RoPE: q, k rotated at absolute positions start … start+T−1
        if (rope != null) {
            q = trace.record("Q ← RoPE(Q)", "B, H, T, D", rope.apply(q, start));            // [B, H, T, D]
            k = trace.record("K ← RoPE(K)", "B, G, T, D", rope.apply(k, start));            // [B, G, T, D]
        }

        // Cache: K = [K_cache; k], V = [V_cache; v] along the position axis, S = S₀ + T
        cache.append(k, v);
        Tensor keys = trace.record("K = [K_cache; K]", "B, G, S, D", cache.keys());       // [B, G, S, D]
        Tensor values = trace.record("V = [V_cache; V]", "B, G, S, D", cache.values());   // [B, G, S, D]

        // Share: kv head g serves query heads gR … gR+R−1 (repeat_interleave along the head axis)
        keys = trace.record("K repeat_interleave(R)", "B, H, S, D", keys.repeatInterleave(groupSize, 1));
        values = trace.record("V repeat_interleave(R)", "B, H, S, D", values.repeatInterleave(groupSize, 1));

        // Scores: logit = q·kᵀ / √D   (bhtd,bhsd->bhts)
        Tensor scores = trace.record("scores Q·Kᵀ/√D", "B, H, T, S",
                q.matmul(keys.transpose(2, 3)).div(Math.sqrt(headDim)));                   // [B, H, T, S]

        // Causal mask: key s visible to query t iff s ≤ S₀ + t; hidden logits become −∞
        Tensor hidden = Masks.causal(qLen, cachedBefore + qLen, cachedBefore).eq(0.0);       // [T, S]
        scores = trace.record("causal mask (−∞ above diagonal)", "B, H, T, S",
                scores.maskedFill(hidden, Double.NEGATIVE_INFINITY));                       // [B, H, T, S]

        // p = softmax_s(logit)
        Tensor probs = trace.record("softmax over S", "B, H, T, S", scores.softmax(-1));   // [B, H, T, S]

        // o = p·V   (bhts,bhsd->bhtd)
        Tensor heads = trace.record("P·V", "B, H, T, D", probs.matmul(values));            // [B, H, T, D]

        // Merge heads: transpose back, reshape to [B, T, H·D], then W_O
        Tensor merged = trace.record("transpose(1, 2)", "B, T, H, D", heads.transpose(1, 2));
        merged = trace.record("merge heads (reshape)", "B, T, H·D",
                merged.reshape(batch, qLen, numHeads * headDim));                           // [B, T, H·D]
        return trace.record("out = merged·W_Oᵀ", "B, T, M", outputProj.forward(merged));   // [B, T, M]
    }

    @Override
    public String describe() {
        String kind = numKvHeads == numHeads ? "MHA" : numKvHeads == 1 ? "MQA" : "GQA";
        return kind + "(H=" + numHeads + ", G=" + numKvHeads + ", D=" + headDim
                + (rope == null ? "" : ", RoPE " + rope.pairing().name().toLowerCase()) + ")";
    }
}
