package dev.attnref.experiment;

import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cost model ({@link AttentionCost}, {@link CoreShape}) against FLOPs and bytes worked by hand for
 * one small configuration per variant; bf16 (2 bytes) everywhere. Decode at S = 10 means P = 9 cached,
 * T = 1 new, B = 1: pairs = 1·(1·9 + 1·2/2) = 10, keys read = 10.
 */
class RooflineTest {

    private static void assertCost(AttentionCost c, double projection, double core, double weights, double read,
                                   double write, double activations) {
        assertEquals(projection, c.projectionFlops(), Tolerances.COST, "projection FLOPs");
        assertEquals(core, c.coreFlops(), Tolerances.COST, "core FLOPs");
        assertEquals(weights, c.weightBytes(), Tolerances.COST, "weight bytes");
        assertEquals(read, c.cacheReadBytes(), Tolerances.COST, "cache read bytes");
        assertEquals(write, c.cacheWriteBytes(), Tolerances.COST, "cache write bytes");
        assertEquals(activations, c.activationBytes(), Tolerances.COST, "activation bytes");
    }

    @Test
    void gqaDecodeCountsProjectionsCoreAndTheGroupedCache() {
        // M 8, H 4, G 2, D = Dv = 2. W = 8·4·2 + 2·8·2·2 + 4·2·8 = 64 + 64 + 64 = 192.
        // projection 2·1·1·192 = 384; core 10 pairs · 2·4·(2+2) = 320.
        // cache per token G·(D+Dv) = 8: read 9·8·2 = 144, write 1·8·2 = 16; weights 192·2 = 384; activations 2·8·2 = 32.
        GqaShape shape = GqaShape.of(8, 4, 2, 2);
        AttentionCost c = AttentionCost.decode(shape, CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(c, 384, 320, 384, 144, 16, 32);
        assertEquals(704.0 / 576.0, c.intensity(), Tolerances.COST_BELOW_100);
    }

    @Test
    void gqaCausalPrefillCountsHalfTheScoreMatrix() {
        // T = S = 4, P = 0: pairs = 4·5/2 = 10; projection 2·4·192 = 1536; core 10·32 = 320.
        // write 4·8·2 = 64; activations 2·4·8·2 = 128.
        AttentionCost c = AttentionCost.prefill(GqaShape.of(8, 4, 2, 2), CoreShape.MlaForm.ABSORBED, 1, 4, KvPrecision.BF16);
        assertCost(c, 1536, 320, 384, 0, 64, 128);
    }

    @Test
    void mhaAndMqaDifferOnlyInKeyValueWeightsAndCache() {
        // MHA M 8, H 4, G 4, D 2: W = 64 + 2·8·4·2 + 64 = 256; cache 4·4 = 16 per token: read 9·16·2 = 288.
        AttentionCost mha = AttentionCost.decode(GqaShape.of(8, 4, 4, 2), CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(mha, 512, 320, 512, 288, 32, 32);
        // MQA G 1: W = 64 + 2·8·1·2 + 64 = 160; cache 4 per token: read 9·4·2 = 72; core unchanged.
        AttentionCost mqa = AttentionCost.decode(GqaShape.of(8, 4, 1, 2), CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(mqa, 320, 320, 320, 72, 8, 32);
    }

    /** M 8, H 2, no query compression, C 4, D_nope 2, P 2, Dv 2. */
    private static final MlaShape MLA = new MlaShape(8, 2, 0, 4, 2, 2, 2);

    @Test
    void naiveMlaCachesEveryHeadsKeyAndValue() {
        // params = 8·2·4 (W_Q) + 8·6 (W_DKV) + 4 (kv_norm) + 4·2·4 (W_UKV) + 2·2·8 (W_O) = 64+48+4+32+32 = 180; W = 176.
        // core per pair 2·2·(2+2+2) = 24 → 240; cache 2·(2+2+2) = 12: read 9·12·2 = 216, write 24.
        assertEquals(180, MLA.parametersPerLayer());
        AttentionCost c = AttentionCost.decode(MLA, CoreShape.MlaForm.NAIVE, 1, 10, KvPrecision.BF16);
        assertCost(c, 352, 240, 352, 216, 24, 32);
    }

    @Test
    void absorbedMlaReadsTheLatentAndPaysMoreCoreFlops() {
        // core per pair 2·2·((4+2) + 4) = 40 → 400; cache C + P = 6: read 9·6·2 = 108, write 12; same W.
        AttentionCost c = AttentionCost.decode(MLA, CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(c, 352, 400, 352, 108, 12, 32);
    }

    @Test
    void mfaCachesOneWideKeyAndValue() {
        // M 8, H 2, C_q 4, C 2: params = 8·4 + 4 + 4·2·2 (query) + 8·2 (S_K) + 8·2 (S_V) + 2·2·8 (W_O) = 52+16+16+32 = 116;
        // W = 116 − 4 (q_norm) = 112. core per pair 2·2·(2+2) = 16 → 160; cache 2C = 4: read 9·4·2 = 72, write 8.
        MfaShape shape = new MfaShape(8, 2, 4, 2, false);
        assertEquals(116, shape.parametersPerLayer());
        AttentionCost c = AttentionCost.decode(shape, CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(c, 224, 160, 224, 72, 8, 32);
    }

    @Test
    void mfaKeyReuseFoldsTheValueMapAndRotatesEachKeyRead() {
        // params = 52 + 16 (S_K) + (2·2 + 2) (N, α) + 32 = 106; W = 106 − 4 − 6 = 96.
        // core 10 pairs · 16 + 10 keys read · 3·2 = 160 + 60 = 220; cache C = 2: read 9·2·2 = 36, write 4.
        MfaShape shape = new MfaShape(8, 2, 4, 2, true);
        assertEquals(106, shape.parametersPerLayer());
        AttentionCost c = AttentionCost.decode(shape, CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertCost(c, 192, 220, 192, 36, 4, 32);
    }

    @Test
    void rooflineTimeIsTheLargerOfComputeAndMemoryTime() {
        // GQA decode above: 704 FLOPs, 576 bytes. At 1000 FLOP/s and 100 B/s: max(0.704, 5.76) = 5.76 s, memory-bound.
        Hardware toy = new Hardware("toy", 1000, 1000, 100, 1e9, false, "hand-made");
        AttentionCost c = AttentionCost.decode(GqaShape.of(8, 4, 2, 2), CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BF16);
        assertEquals(5.76, c.seconds(toy), Tolerances.COST_BELOW_100);
        assertTrue(c.memoryBound(toy));
        // at 1 FLOP/s: max(704, 5.76) = 704 s, compute-bound
        Hardware slow = new Hardware("slow", 1, 1, 100, 1e9, false, "hand-made");
        assertEquals(704, c.seconds(slow), Tolerances.COST);
        assertFalse(c.memoryBound(slow));
    }

    @Test
    void batchSharesWeightsButNotTheCache() {
        // B = 3: projection 3·384 = 1152, core 3·320 = 960, weights still 384, read 3·144 = 432, write 48, act 96.
        AttentionCost c = AttentionCost.decode(GqaShape.of(8, 4, 2, 2), CoreShape.MlaForm.ABSORBED, 3, 10, KvPrecision.BF16);
        assertCost(c, 1152, 960, 384, 432, 48, 96);
    }

    @Test
    void sixBitCacheCostsThreeQuartersOfAByte() {
        // read 9·8·0.75 = 54
        AttentionCost c = AttentionCost.decode(GqaShape.of(8, 4, 2, 2), CoreShape.MlaForm.ABSORBED, 1, 10, KvPrecision.BITS6);
        assertEquals(54, c.cacheReadBytes(), Tolerances.COST_BELOW_100);
    }

    @Test
    void catalogueRidgePointsFollowTheDatasheets() {
        // H100 SXM: 989.5e12 / 3.35e12 = 295.4 FLOP/B; L4: 121e12 / 300e9 = 403.3
        assertEquals(989.5e12 / 3.35e12, HardwareCatalogue.H100_SXM.ridge(), Tolerances.COST);
        assertEquals(121e12 / 300e9, HardwareCatalogue.L4.ridge(), Tolerances.COST);
        assertEquals(141e9, HardwareCatalogue.H200_SXM.capacity());
    }

    @Test
    void aLatentCoreWithValuesWiderThanKeysIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CoreShape("x", CoreShape.Layout.LATENT, 2, 1, 4, 6));
        assertEquals("valueWidth (6) must be ≤ keyWidth (4) for LATENT: the value is a prefix of the cached row",
                e.getMessage());
    }
}
