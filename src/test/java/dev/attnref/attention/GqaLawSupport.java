package dev.attnref.attention;

import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.AttnShape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Builders shared by the GQA-family laws: configurations, weights, inputs and comparisons from a shape. */
final class GqaLawSupport {
    private GqaLawSupport() {
    }

    /** A configuration for {@code s}: random biases, RoPE on an even number of dims when asked and D ≥ 2. */
    static AttentionConfig config(AttnShape s, SeededRandom r, boolean causal, boolean rope) {
        AttentionConfig.Builder b = AttentionConfig.builder(s.modelWidth(), s.numHeads(), s.numKvHeads(), s.headDim())
                .valueDim(s.valueDim())
                .bias(r.nextInt(2) == 0 ? ProjectionBias.none() : ProjectionBias.all())
                .causal(causal);
        if (rope && s.headDim() >= 2) {
            RopePairing pairing = r.nextInt(2) == 0 ? RopePairing.INTERLEAVED : RopePairing.SPLIT_HALVES;
            b.rope(new Rope(2 * (s.headDim() / 2), 10000.0, pairing));
        }
        return b.build();
    }

    /** x ~ N(0, 1), [B, T, M]. */
    static Tensor input(AttnShape s, SeededRandom r) {
        return Tensor.randn(r, 1.0, s.batch(), s.qLen(), s.modelWidth());
    }

    /** The module a practitioner would pick for this G: MHA for G = H, MQA for G = 1, GQA otherwise. */
    static SelfAttention<KvCache> natural(AttentionConfig c, AttentionWeights w) {
        if (c.numKvHeads() == c.numHeads()) {
            return new MultiHeadAttention(c, w);
        }
        if (c.numKvHeads() == 1) {
            return new MultiQueryAttention(c, w);
        }
        return new GroupedQueryAttention(c, w);
    }

    /**
     * MHA weights whose head h uses GQA's key/value head {@code map(h)}: W_K, W_V (and biases) are
     * re-blocked from G heads to H heads; W_Q and W_O are shared.
     */
    static AttentionWeights perHeadKv(AttentionConfig gqa, AttentionWeights w, java.util.function.IntUnaryOperator map) {
        return new AttentionWeights(w.query(),
                reblock(w.key(), gqa.numKvHeads(), gqa.numHeads(), gqa.headDim(), map),
                reblock(w.value(), gqa.numKvHeads(), gqa.numHeads(), gqa.valueDim(), map),
                w.output());
    }

    /** Contiguous groups, as repeat_interleave(k, R, dim=heads): head h reads ⌊h / R⌋. */
    static AttentionWeights repeatInterleavedKv(AttentionConfig gqa, AttentionWeights w) {
        int r = gqa.groupSize();
        Tensor k = w.key().weight().view(gqa.numKvHeads(), gqa.headDim(), -1)
                .repeatInterleave(r, 0).reshape(gqa.numHeads() * gqa.headDim(), -1);               // [H·D, M]
        Tensor v = w.value().weight().view(gqa.numKvHeads(), gqa.valueDim(), -1)
                .repeatInterleave(r, 0).reshape(gqa.numHeads() * gqa.valueDim(), -1);              // [H·Dv, M]
        Tensor kb = w.key().hasBias() ? w.key().bias().view(gqa.numKvHeads(), gqa.headDim())
                .repeatInterleave(r, 0).reshape(-1) : null;                                        // [H·D]
        Tensor vb = w.value().hasBias() ? w.value().bias().view(gqa.numKvHeads(), gqa.valueDim())
                .repeatInterleave(r, 0).reshape(-1) : null;                                        // [H·Dv]
        return new AttentionWeights(w.query(), new Linear(k, kb), new Linear(v, vb), w.output());
    }

    private static Linear reblock(Linear layer, int numKvHeads, int numHeads, int width, java.util.function.IntUnaryOperator map) {
        List<Tensor> rows = new ArrayList<>();
        List<Tensor> biases = new ArrayList<>();
        for (int h = 0; h < numHeads; h++) {
            int g = map.applyAsInt(h);
            rows.add(layer.weight().narrow(0, g * width, width));                                  // [width, M]
            if (layer.hasBias()) {
                biases.add(layer.bias().narrow(0, g * width, width));                              // [width]
            }
        }
        return new Linear(Tensor.cat(rows, 0), layer.hasBias() ? Tensor.cat(biases, 0) : null);
    }

    /** The same configuration with H key/value heads (an MHA). */
    static AttentionConfig asMha(AttentionConfig c) {
        return c.withNumKvHeads(c.numHeads());
    }

    /** A random permutation of 0 … n−1 (Fisher–Yates on the given stream). */
    static int[] permutation(int n, SeededRandom r) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        for (int i = n - 1; i > 0; i--) {
            Collections.swap(order, i, r.nextInt(i + 1));
        }
        return order.stream().mapToInt(Integer::intValue).toArray();
    }
}
