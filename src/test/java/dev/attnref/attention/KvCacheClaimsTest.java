package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import dev.attnref.Tolerances;

/** Each headline KV-cache claim of docs/MATH.md, with its ratio worked out by hand. */
class KvCacheClaimsTest {


    @Test
    void deepSeekV2SavesEightyTwoPointTwoPercentOfElementsAgainst67B() {
        // V2 (C + P)·L = 576·60 = 34,560; 67B 2·G·D·L = 2·8·128·95 = 194,560.
        // 1 − 34,560 / 194,560 = 160,000 / 194,560 = 0.822368… → 82.2%.
        KvCacheClaim claim = KvCacheClaims.V2_VS_67B_ELEMENTS;
        assertEquals(34_560L, claim.reducedValues());
        assertEquals(194_560L, claim.baselineValues());
        assertEquals(160_000.0 / 194_560.0, claim.saving(), Tolerances.INTEGER_RATIO);
        assertEquals(82.2, Math.round(claim.saving() * 1000) / 10.0);
    }

    @Test
    void publishedNinetyThreePointThreePercentCountsSixBitV2AgainstSixteenBit67B() {
        // 34,560·6 = 207,360 bits; 194,560·16 = 3,112,960 bits.
        // 1 − 207,360 / 3,112,960 = 2,905,600 / 3,112,960 = 0.933388… → 93.3%.
        KvCacheClaim claim = KvCacheClaims.V2_VS_67B_BYTES;
        assertEquals(2_905_600.0 / 3_112_960.0, claim.saving(), Tolerances.INTEGER_RATIO);
        assertEquals(93.3, Math.round(claim.saving() * 1000) / 10.0);
    }

    @Test
    void smallMoeMlaNeedsFourteenPercentOfMhaCache() {
        // 15,552 / 110,592 = (576·27) / (4096·27) = 9/64 = 0.140625 → 14%.
        KvCacheClaim claim = KvCacheClaims.V2_SMALL_MLA_VS_MHA;
        assertEquals(15_552L, claim.reducedValues());
        assertEquals(110_592L, claim.baselineValues());
        assertEquals(0.140625, claim.fraction(), Tolerances.INTEGER_RATIO);
    }

    @Test
    void largeMoeMlaNeedsFourPercentOfMhaCache() {
        // 34,560 / 860,160 = (576·60) / (14,336·60) = 9/224 = 0.040178… → 4%.
        KvCacheClaim claim = KvCacheClaims.V2_LARGE_MLA_VS_MHA;
        assertEquals(34_560L, claim.reducedValues());
        assertEquals(860_160L, claim.baselineValues());
        assertEquals(9.0 / 224.0, claim.fraction(), Tolerances.INTEGER_RATIO);
        assertEquals(4, Math.round(claim.fraction() * 100));
    }

    @Test
    void mfaKeyReuseAtAnEighthOfModelWidthCachesOneSixteenthOfMha() {
        // MFA-KR: C·L = (7168/8)·61 = 896·61 = 54,656. MHA with H·D = M: 2·7168·61 = 874,496.
        // 54,656 / 874,496 = 896 / 14,336 = 1/16 = 0.0625; saving 0.9375, published (truncated) as 93.7%.
        KvCacheClaim claim = KvCacheClaims.MFA_KR_VS_MHA;
        assertEquals(54_656L, claim.reducedValues());
        assertEquals(874_496L, claim.baselineValues());
        assertEquals(0.0625, claim.fraction(), 0.0);
        assertEquals(0.9375, claim.saving(), 0.0);
    }

    @Test
    void claimsRejectEmptySides() {
        assertEquals("claim x compares 0 with 10 values per token; expected both positive",
                assertThrows(IllegalArgumentException.class,
                        () -> new KvCacheClaim("x", "p", "s", "a", "b", 0, 16, 10, 16)).getMessage());
    }
}
