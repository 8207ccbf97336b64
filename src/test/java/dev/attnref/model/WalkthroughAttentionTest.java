package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.KvCache;
import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Seed 001's tensor walk-through attention against {@link LoopAttention}, the same equations in
 * plain loops, over MHA (G = H), MQA (G = 1) and proper GQA (1 &lt; G &lt; H), with and without
 * RoPE, fed in one call or in chunks through the cache.
 */
class WalkthroughAttentionTest {

    /** Law: walkthrough(x) = loop(x) for every chunking of x through the two caches. */
    static void walkthroughMatchesLoops(int batch, int length, int numHeads, int numKvHeads, int headDim,
            int modelWidth, RopePairing pairing, SeededRandom random) {
        Rope rope = pairing == null ? null : new Rope(headDim, 10000.0, pairing);
        WalkthroughAttention walkthrough = WalkthroughAttention.random(modelWidth, numHeads, numKvHeads, headDim, rope, random);
        LoopAttention loops = LoopAttention.sameWeightsAs(walkthrough);
        Tensor x = Tensor.randn(random, 1.0, batch, length, modelWidth);
        KvCache walkCache = walkthrough.newCache(batch);
        LoopAttention.Cache loopCache = loops.newCache(batch);
        int done = 0;
        while (done < length) {
            int chunk = random.intBetween(1, length - done);
            Tensor part = x.narrow(1, done, chunk);
            Tensor actual = walkthrough.forward(part, walkCache, ShapeTrace.off());
            Tensor expected = loops.forward(part, loopCache, ShapeTrace.off());
            assertTrue(actual.maxAbsDiff(expected) <= Tolerances.ATTENTION, "positions " + done + "…" + (done + chunk - 1)
                    + ": max diff " + actual.maxAbsDiff(expected));
            done += chunk;
            assertEquals(done, walkCache.length());
        }
    }

    @Test
    void walkthroughAttentionMatchesTheLoopDefinitionForMhaMqaAndGqa() {
        // Regimes: 0 MHA (G = H, H 1–4), 1 MQA (G = 1, H 2–4), 2 proper GQA (1 < G < H: G 2–3, R = H/G 2–3).
        // H is read in regimes 0 and 1, G and R in regime 2.
        Dims.Spec sizes = Dims.spec().size("regime", 0, 2).size("H", 1, 4).size("G", 2, 3).size("R", 2, 3)
                .where(d -> d.get("regime") != 1 || d.get("H") >= 2)
                .size("D/2", 1, 3).size("rope", 0, 2).size("B", 1, 2).size("T", 1, 6).size("M", 1, 9);
        Property.of("walkthroughAttentionEqualsLoopAttention", sizes).tries(45)
                .classify("MHA", d -> d.get("regime") == 0)
                .classify("MQA", d -> d.get("regime") == 1)
                .classify("GQA", d -> d.get("regime") == 2)
                .require("MHA", "MQA", "GQA")
                .check((d, random) -> {
                    int regime = d.get("regime");
                    int numKvHeads = regime == 0 ? d.get("H") : regime == 1 ? 1 : d.get("G");
                    int numHeads = regime == 2 ? d.get("G") * d.get("R") : d.get("H");
                    int headDim = 2 * d.get("D/2");
                    RopePairing pairing = switch (d.get("rope")) {
                        case 0 -> null;
                        case 1 -> RopePairing.INTERLEAVED;
                        default -> RopePairing.SPLIT_HALVES;
                    };
                    walkthroughMatchesLoops(d.get("B"), d.get("T"), numHeads, numKvHeads, headDim, d.get("M"), pairing, random);
                });
    }

    @Test
    void queryHeadsShareKvHeadsInContiguousGroups() {
        // H = 4, G = 2, zero W_Q: every logit is 0, so head h outputs the mean of kv head g(h)'s values.
        // With contiguous groups heads (0, 1) read kv head 0 and heads (2, 3) kv head 1; a tiled map
        // (g = h mod 2) would give heads (0, 2) and (1, 3). W_O = identity exposes the per-head outputs.
        SeededRandom random = new SeededRandom(17);
        WalkthroughAttention base = WalkthroughAttention.random(4, 4, 2, 1, null, random);
        Tensor identity = Tensor.of(new double[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4);
        WalkthroughAttention a = new WalkthroughAttention(4, 2, 1, new Linear(Tensor.zeros(4, 4), null),
                base.keyProj(), base.valueProj(), new Linear(identity, null), null);
        Tensor x = Tensor.randn(random, 1.0, 1, 1, 4);
        Tensor out = a.forward(x, a.newCache(1), ShapeTrace.off());
        // One position: the output of head h is v_{g(h)} = W_V[g]·x.
        Tensor v = base.valueProj().forward(x);   // [1, 1, 2]
        assertEquals(v.get(0, 0, 0), out.get(0, 0, 0), Tolerances.HAND_COMPUTED);
        assertEquals(v.get(0, 0, 0), out.get(0, 0, 1), Tolerances.HAND_COMPUTED);
        assertEquals(v.get(0, 0, 1), out.get(0, 0, 2), Tolerances.HAND_COMPUTED);
        assertEquals(v.get(0, 0, 1), out.get(0, 0, 3), Tolerances.HAND_COMPUTED);
    }

    @Test
    void futureTokensDoNotChangePastOutputs() {
        SeededRandom random = new SeededRandom(23);
        WalkthroughAttention a = WalkthroughAttention.random(6, 4, 2, 2, Rope.standard(2, RopePairing.SPLIT_HALVES), random);
        Tensor x = Tensor.randn(random, 1.0, 1, 5, 6);
        Tensor changedFuture = Tensor.cat(List.of(x.narrow(1, 0, 3), Tensor.randn(random, 1.0, 1, 2, 6)), 1);
        Tensor first = a.forward(x, a.newCache(1), ShapeTrace.off()).narrow(1, 0, 3);
        Tensor second = a.forward(changedFuture, a.newCache(1), ShapeTrace.off()).narrow(1, 0, 3);
        assertTrue(first.bitwiseEquals(second), "positions 0…2 changed when positions 3, 4 changed");
    }

    @Test
    void aMismatchedCacheIsRejected() {
        SeededRandom random = new SeededRandom(29);
        WalkthroughAttention a = WalkthroughAttention.random(4, 2, 1, 2, null, random);
        Tensor x = Tensor.zeros(2, 1, 4);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> a.forward(x, new KvCache(2, 2, 2, 2), ShapeTrace.off()));
        assertEquals("cache holds G = 2 heads of D = 2, Dv = 2; WalkthroughAttention needs G = 1, D = 2, Dv = 2",
                shape.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.forward(x, a.newCache(3), ShapeTrace.off()));
        assertTrue(e.getMessage().contains("3 sequences") && e.getMessage().contains("batch 2"), e.getMessage());
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class,
                () -> WalkthroughAttention.random(4, 6, 4, 2, null, random));
        assertTrue(heads.getMessage().contains("numKvHeads (4) must divide numHeads (6)"), heads.getMessage());
    }
}
