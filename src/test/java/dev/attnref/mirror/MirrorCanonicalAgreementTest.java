package dev.attnref.mirror;

import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.AttentionConfig;
import dev.attnref.attention.AttentionOptions;
import dev.attnref.attention.ForwardResult;
import dev.attnref.attention.AttentionWeights;
import dev.attnref.attention.GroupedQueryAttention;
import dev.attnref.attention.MultiHeadAttention;
import dev.attnref.attention.MultiQueryAttention;
import dev.attnref.attention.ProjectionBias;
import dev.attnref.attention.SimplifiedMla;
import dev.attnref.core.Linear;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FIXED mirrors equal the canonical modules of {@code dev.attnref.attention} on random cases with the
 * same weights: the fixed snippet is the canonical model, written the snippet's way. Masks are random
 * per (b, t, s), so fully hidden rows occur (both sides give zeros there), and handed to the canonical
 * module in the mirror's own convention (seed 000's MQA/GQA: 1 = hide; the others: 1 = keep).
 *
 * <p>Seed 000 §4.1's fixed MLA against {@link SimplifiedMla}: the canonical up-projection W_UQ has no
 * bias, the fixed snippet's {@code Wq_u} has one (it keeps the published {@code W_qk} bias as
 * {@code b_qk,h = Wk_u,hᵀ b_q,h}); on the canonical model's weights that bias is zero.
 */
class MirrorCanonicalAgreementTest {

    @Test
    void fixedSimplifiedMlaEqualsCanonicalSimplifiedMla() {
        for (long seed = 1; seed <= 8; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(4));
            int qLatent = 1 + random.nextInt(5);
            int kvLatent = 1 + random.nextInt(5);
            int len = 1 + random.nextInt(5);
            int batch = 1 + random.nextInt(2);
            SimplifiedMla canonical = SimplifiedMla.random(new SimplifiedMla.Config(dModel, heads, qLatent, kvLatent),
                    random);
            Seed000MultiHeadLatentAttention mirror = new Seed000MultiHeadLatentAttention(dModel, heads, qLatent,
                    kvLatent, Fidelity.FIXED, random);
            Map<String, Tensor> state = new LinkedHashMap<>();
            put(state, "Wq_d", canonical.queryDown());
            state.put("Wq_u.weight", canonical.queryUp());
            state.put("Wq_u.bias", Tensor.zeros(heads * (dModel / heads)));
            state.put("Wk_u.weight", canonical.keyUp());
            put(state, "Wkv_d", canonical.kvDown());
            put(state, "Wv_u", canonical.valueUp());
            put(state, "Wo", canonical.output());
            mirror.loadStateDict(state);
            Tensor x = Tensor.randn(random, 1.0, batch, len, dModel);
            String where = "seed " + seed + " d_model " + dModel + " heads " + heads + " C_q " + qLatent + " C "
                    + kvLatent + " T " + len + " B " + batch;
            double absorbed = LoopReference.maxRelativeDiff(mirror.forward(x).toArray(),
                    canonical.forwardAbsorbed(x).output().toArray());
            double naive = LoopReference.maxRelativeDiff(mirror.forward(x, false, false).toArray(),
                    canonical.forwardNaive(x).output().toArray());
            assertTrue(absorbed <= FLOAT64_REORDERED && naive <= FLOAT64_REORDERED,
                    where + ": absorbed diff " + absorbed + ", naive diff " + naive);
            double product = LoopReference.maxRelativeDiff(mirror.qkLinear().weight().toArray(),
                    canonical.queryKeyProduct().toArray());
            assertTrue(product <= FLOAT64_REORDERED, where + ": W_qk differs by " + product);
        }
    }

    /** Canonical weights from a mirror's state dict; {@code prefixes} = query, key, value, output. */
    private static AttentionWeights weights(Map<String, Tensor> state, String... prefixes) {
        Linear[] layers = new Linear[4];
        for (int i = 0; i < 4; i++) {
            layers[i] = new Linear(state.get(prefixes[i] + ".weight"), state.get(prefixes[i] + ".bias"));
        }
        return new AttentionWeights(layers[0], layers[1], layers[2], layers[3]);
    }

    private static AttentionConfig config(int width, int heads, int kvHeads, ProjectionBias bias) {
        return AttentionConfig.builder(width, heads, kvHeads, width / heads).bias(bias).build();
    }

    private static AttentionOptions mask(Tensor mask, MaskConvention convention) {
        return AttentionOptions.builder().booleanMask(mask, convention).build();
    }

    private static void assertClose(Tensor actual, Tensor expected, String where) {
        double diff = LoopReference.maxRelativeDiff(actual.contiguous().toArray(), expected.contiguous().toArray());
        assertTrue(diff <= FLOAT64_REORDERED, where + ": diff " + diff);
    }

    @Test
    void fixedSeed000MqaEqualsCanonicalMultiQueryAttention() {
        for (long seed = 11; seed <= 15; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int hidden = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed000MutiQueryAttention mirror = new Seed000MutiQueryAttention(hidden, heads, Fidelity.FIXED, random);
            MultiQueryAttention canonical = new MultiQueryAttention(config(hidden, heads, 1, ProjectionBias.all()),
                    weights(mirror.stateDict(), "q_linear", "k_linear", "v_linear", "o_linear"));
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor hide = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.5);
            assertClose(mirror.forward(x, hide), canonical.forward(x, null, mask(hide, MaskConvention.HIDE_WHERE_TRUE))
                    .output(), "seed " + seed + " H " + heads + " M " + hidden + " T " + len);
        }
    }

    @Test
    void fixedSeed000GqaEqualsCanonicalGroupedQueryAttention() {
        int[][] headsAndGroups = {{4, 2}, {4, 4}, {4, 1}, {6, 3}, {6, 2}};
        long seed = 20;
        for (int[] hg : headsAndGroups) {
            SeededRandom random = new SeededRandom(++seed);
            int hidden = hg[0] * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed000GroupQueryAttention mirror = new Seed000GroupQueryAttention(hidden, hg[0], hg[1], Fidelity.FIXED, random);
            GroupedQueryAttention canonical = new GroupedQueryAttention(config(hidden, hg[0], hg[1], ProjectionBias.all()),
                    weights(mirror.stateDict(), "q_linear", "k_linear", "v_linear", "o_linear"));
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor hide = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.5);
            assertClose(mirror.forward(x, hide), canonical.forward(x, null, mask(hide, MaskConvention.HIDE_WHERE_TRUE))
                    .output(), "seed " + seed + " H " + hg[0] + " G " + hg[1] + " M " + hidden + " T " + len);
        }
    }

    /** labml's layout is sequence-first: [T, B, M] activations, [T, S, B] mask, [T, S, B, H] attention. */
    @Test
    void fixedSeed000LabmlMhaEqualsCanonicalMultiHeadAttention() {
        for (long seed = 31; seed <= 36; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            boolean bias = seed % 2 == 0;
            Seed000MultiHeadAttention mirror = new Seed000MultiHeadAttention(heads, dModel, 0.1, bias, Fidelity.FIXED,
                    random);
            mirror.eval();
            MultiHeadAttention canonical = new MultiHeadAttention(
                    config(dModel, heads, heads, new ProjectionBias(bias, bias, bias, true)),
                    weights(mirror.stateDict(), "query.linear", "key.linear", "value.linear", "output"));
            Tensor x = Tensor.randn(random, 1.0, 2, len, dModel);                        // [B, T, M]
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.6);          // [B, 1, T, S]
            Tensor sequenceFirst = x.transpose(0, 1).contiguous();                        // [T, B, M]
            Tensor out = mirror.forward(sequenceFirst, sequenceFirst, sequenceFirst,
                    keep.squeeze(1).permute(1, 2, 0).contiguous());                      // mask [T, S, B]
            ForwardResult expected = canonical.forward(x, null, mask(keep, MaskConvention.KEEP_WHERE_TRUE));
            String where = "seed " + seed + " bias " + bias + " H " + heads + " M " + dModel + " T " + len;
            assertClose(out.transpose(0, 1), expected.output(), where);
            assertClose(mirror.attn().permute(2, 3, 0, 1), expected.probabilities(), where + " attention");
        }
    }

    /** Seed 002's MHA in eval mode, with a 4-D keep mask and with a (batch, seq) key-padding mask (FIX-25). */
    @Test
    void fixedSeed002MhaEqualsCanonicalMultiHeadAttention() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (long seed = 41; seed <= 45; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int hidden = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed002MultiHeadAttention mirror = new Seed002MultiHeadAttention(hidden, heads, Fidelity.FIXED, random)
                    .printTo(quiet);
            mirror.eval();
            MultiHeadAttention canonical = new MultiHeadAttention(config(hidden, heads, heads, ProjectionBias.all()),
                    weights(mirror.stateDict(), "q_proj", "k_proj", "v_proj", "o_proj"));
            Tensor x = Tensor.uniform(random, 0, 1, 3, len, hidden);
            Tensor keep = Tensor.uniform(random, 0, 1, 3, 1, len, len).lt(0.6);
            String where = "seed " + seed + " H " + heads + " M " + hidden + " T " + len;
            assertClose(mirror.forward(x, keep), canonical.forward(x, null, mask(keep, MaskConvention.KEEP_WHERE_TRUE))
                    .output(), where);
            int[] lengths = {len, Math.max(0, len - 1), 0};
            Tensor padding = Masks.keyPadding(lengths, len).reshape(3, len);             // (batch, seq)
            assertClose(mirror.forward(x, padding),
                    canonical.forward(x, null, AttentionOptions.builder().keyLengths(lengths).build()).output(),
                    where + " key padding");
        }
    }

    @Test
    void fixedSeed002GqaEqualsCanonicalGroupedQueryAttention() {
        int[][] headsAndKvHeads = {{4, 2}, {4, 1}, {4, 4}, {6, 2}};
        long seed = 50;
        for (int[] hg : headsAndKvHeads) {
            SeededRandom random = new SeededRandom(++seed);
            int hidden = hg[0] * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed002GroupQueryAttention mirror = new Seed002GroupQueryAttention(hidden, hg[0], hg[1], Fidelity.FIXED, random);
            GroupedQueryAttention canonical = new GroupedQueryAttention(config(hidden, hg[0], hg[1], ProjectionBias.all()),
                    weights(mirror.stateDict(), "q_proj", "k_proj", "v_proj", "o_proj"));
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.6);
            assertClose(mirror.forward(x, keep), canonical.forward(x, null, mask(keep, MaskConvention.KEEP_WHERE_TRUE))
                    .output(), "seed " + seed + " H " + hg[0] + " G " + hg[1] + " M " + hidden + " T " + len);
        }
    }

    /** Seed 003's MHA as self-attention (Q = K = V = x): output and every head's weights. */
    @Test
    void fixedSeed003MhaEqualsCanonicalMultiHeadAttention() {
        for (long seed = 61; seed <= 65; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed003MultiHeadAttention mirror = new Seed003MultiHeadAttention(dModel, heads, Fidelity.FIXED, random);
            MultiHeadAttention canonical = new MultiHeadAttention(config(dModel, heads, heads, ProjectionBias.all()),
                    weights(mirror.stateDict(), "W_Q", "W_K", "W_V", "W_O"));
            Tensor x = Tensor.randn(random, 1.0, 2, len, dModel);
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.6);
            Seed003MultiHeadAttention.Result actual = mirror.forward(x, x, x, keep);
            ForwardResult expected = canonical.forward(x, null, mask(keep, MaskConvention.KEEP_WHERE_TRUE));
            String where = "seed " + seed + " H " + heads + " M " + dModel + " T " + len;
            assertClose(actual.output(), expected.output(), where);
            assertClose(actual.attentionWeights(), expected.probabilities(), where + " weights");
        }
    }

    private static void put(Map<String, Tensor> state, String name, Linear layer) {
        state.put(name + ".weight", layer.weight());
        state.put(name + ".bias", layer.bias());
    }
}
