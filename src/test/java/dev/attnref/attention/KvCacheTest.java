package dev.attnref.attention;

import static dev.attnref.attention.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.Tolerances;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** {@link KvCache}: layout, growth, keys stored after RoPE, and its refusals. */
class KvCacheTest {

    @Test
    void appendGrowsAlongThePositionAxisInOrder() {
        KvCache cache = new KvCache(1, 1, 1, 2);
        cache.append(Tensor.of(new double[] {1}, 1, 1, 1, 1), Tensor.of(new double[] {1, 2}, 1, 1, 1, 2));
        cache.append(Tensor.of(new double[] {3, 4}, 1, 1, 2, 1), Tensor.of(new double[] {5, 6, 7, 8}, 1, 1, 2, 2));
        assertEquals(3, cache.length());
        assertClose("keys", new double[] {1, 3, 4}, cache.keys().toArray(), 0.0);
        assertClose("values", new double[] {1, 2, 5, 6, 7, 8}, cache.values().toArray(), 0.0);
    }

    @Test
    void keysAreStoredAfterRope() {
        // M = D = P = 2, H = G = 1, identity weights. Token 0 is (1, 0), token 1 is (0, 1).
        // Position 1 rotates pair 0 by 1 radian: k₁ = (−sin 1, cos 1); values are not rotated: v₁ = (0, 1).
        AttentionConfig config = AttentionConfig.builder(2, 1, 1, 2)
                .rope(new Rope(2, 10000.0, RopePairing.INTERLEAVED)).causal(true).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(2));
        KvCache cache = KvCache.forConfig(config, 1);
        mha.forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}), cache);
        assertClose("keys", new double[] {1, 0, -Math.sin(1), Math.cos(1)}, cache.keys().toArray(),
                Tolerances.HAND_COMPUTED);
        assertClose("values", new double[] {1, 0, 0, 1}, cache.values().toArray(), 0.0);
    }

    @Test
    void overflowingTheCapacityFailsAndLeavesTheCacheAsItWas() {
        AttentionConfig config = AttentionConfig.builder(2, 2, 1, 1).causal(true).build();
        MultiQueryAttention mqa = MultiQueryAttention.seeded(config, new SeededRandom(3));
        KvCache cache = KvCache.withCapacity(1, 1, 1, 1, 3);
        assertEquals(3, cache.capacity());
        assertEquals(Integer.MAX_VALUE, KvCache.forConfig(config, 1).capacity(), "unbounded");
        mqa.forward(Tensor.randn(new SeededRandom(4), 1.0, 1, 2, 2), cache);
        Tensor keysBefore = cache.keys();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mqa.forward(Tensor.randn(new SeededRandom(5), 1.0, 1, 2, 2), cache));
        assertEquals("cache of capacity 3 holds 2 positions; appending 2 would exceed it", e.getMessage());
        assertEquals(2, cache.length());
        assertSame(keysBefore, cache.keys(), "a refused call must not touch the cache");
    }

    @Test
    void refusesAppendsOfTheWrongShape() {
        KvCache cache = new KvCache(2, 3, 4, 5);
        IllegalArgumentException keys = assertThrows(IllegalArgumentException.class,
                () -> cache.append(Tensor.zeros(2, 2, 1, 4), Tensor.zeros(2, 3, 1, 5)));
        assertEquals("appended keys has shape [2, 2, 1, 4]; expected [2, 3, 1, 4]", keys.getMessage());
        IllegalArgumentException values = assertThrows(IllegalArgumentException.class,
                () -> cache.append(Tensor.zeros(2, 3, 2, 4), Tensor.zeros(2, 3, 1, 5)));
        assertEquals("appended values has shape [2, 3, 1, 5]; expected [2, 3, 2, 5]", values.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> cache.append(Tensor.zeros(3, 1, 4), Tensor.zeros(2, 3, 1, 5)));
        assertEquals("appended keys have shape [3, 1, 4]; expected [B, G, T, D] = [2, 3, T, 4]", rank.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> cache.append(Tensor.full(Double.NaN, 2, 3, 1, 4), Tensor.zeros(2, 3, 1, 5)));
        assertEquals("appended keys holds NaN at flat index 0; expected only finite values", nan.getMessage());
        assertEquals(0, cache.length());
    }

    @Test
    void moduleRefusesACacheOfAnotherBatchOrHeadLayout() {
        AttentionConfig config = AttentionConfig.builder(4, 4, 2, 1).build();
        GroupedQueryAttention gqa = GroupedQueryAttention.seeded(config, new SeededRandom(1));
        Tensor x = Tensor.randn(new SeededRandom(2), 1.0, 2, 1, 4);
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> gqa.forward(x, KvCache.forConfig(config, 3)));
        assertEquals("input batch B (2) does not match the cache's batch (3)", batch.getMessage());
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class,
                () -> gqa.forward(x, new KvCache(2, 4, 1, 1)));
        assertEquals("cache holds G = 4 heads of D = 1, Dv = 1; GroupedQueryAttention needs G = 2, D = 1, Dv = 1",
                heads.getMessage());
    }

    @Test
    void startPositionMustAgreeWithTheCache() {
        AttentionConfig config = AttentionConfig.builder(2, 1, 1, 2).build();
        MultiHeadAttention mha = MultiHeadAttention.seeded(config, new SeededRandom(1));
        KvCache cache = KvCache.forConfig(config, 1);
        mha.forward(Tensor.randn(new SeededRandom(2), 1.0, 1, 3, 2), cache);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mha.forward(
                Tensor.randn(new SeededRandom(3), 1.0, 1, 1, 2), cache, AttentionOptions.builder().startPosition(5).build()));
        assertEquals("start position (5) contradicts the cache, whose 3 positions put the new tokens at 3", e.getMessage());
    }

    @Test
    void refusesNonPositiveSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvCache.withCapacity(1, 1, 1, 1, 0));
        assertEquals("cache capacity (0) must be positive", e.getMessage());
    }
}
