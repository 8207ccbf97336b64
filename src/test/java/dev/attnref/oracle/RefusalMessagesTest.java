package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.MaskConvention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link AttentionProblem} refuses what it cannot compute with a message that names what was given:
 * the half of a past that came alone, the size a mask axis must have, and a problem whose scores or
 * inputs cannot fit in one Java array (at most 2³¹ − 9 elements), checked before anything is allocated;
 * and the bounds of the key lengths, [0, S], are inclusive.
 */
class RefusalMessagesTest {
    private static final int ARRAY_LIMIT = Integer.MAX_VALUE - 8;

    private static void assertRefused(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }

    /** B = H = G = T = D = Dv = 1, one new key: the smallest problem, with its values. */
    private static AttentionProblem.Builder tiny() {
        return AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1).qLen(1).newKvLen(1).headDim(1)
                .valueHeadDim(1).query(new double[1]).key(new double[1]).value(new double[1]);
    }

    @Test
    void aPastWithOnlyOneHalfNamesTheHalfGiven() {
        assertRefused(() -> tiny().past(new double[] {1}, null, 1).build(), "given together", "got only pastKey");
        assertRefused(() -> tiny().past(null, new double[] {1}, 1).build(), "given together", "got only pastValue");
    }

    @Test
    void aMaskAxisThatDoesNotBroadcastSaysWhichSizesWouldDo() {
        // Mask [2, 1] is [T, S]; T = 3, so its axis 0 must be 3 or 1.
        assertRefused(() -> AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1).qLen(3).newKvLen(1)
                .headDim(1).valueHeadDim(1).query(new double[3]).key(new double[1]).value(new double[1])
                .booleanMask(new boolean[] {true, true}, MaskConvention.KEEP_WHERE_TRUE, 2, 1).build(),
                "aligned with T (3) and must be 3 or 1");
    }

    @Test
    void scoresBeyondOneArrayAreRefusedWithTheirSize() {
        // B·H·T·S = 1024 · 1024 · 64 · 64 = 2³² scores: refused before any input is looked at.
        assertRefused(() -> AttentionProblem.builder().batch(1024).numHeads(1024).numKvHeads(1).qLen(64).newKvLen(64)
                .headDim(1).valueHeadDim(1).build(), "scores [B, H, T, S] would hold 4294967296 elements");
    }

    @Test
    void scoresOfExactlyTheArrayLimitPassTheSizeCheck() {
        // S = P + 1 = 2³¹ − 9 scores fit; the problem then fails only on its missing past values.
        assertRefused(() -> tiny().past(new double[0], new double[0], ARRAY_LIMIT - 1).build(),
                "pastKey has 0 values; expected " + (ARRAY_LIMIT - 1));
    }

    @Test
    void anInputBeyondOneArrayIsRefusedByName() {
        // D = 2³¹ − 1: the scores hold 1 element, but the query [B, H, T, D] would hold 2³¹ − 1.
        assertRefused(() -> AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1).qLen(1).newKvLen(1)
                .headDim(Integer.MAX_VALUE).valueHeadDim(1).query(new double[1]).build(),
                "query [B, H, T, D] would hold 2147483647 elements");
    }

    @Test
    void keyLengthsZeroAndSAreBothValid() {
        // keyLengths ∈ [0, S]: S hides nothing (the same result as no lengths), 0 hides every key.
        double[] k = {1, 2};
        double[] v = {10, 20};
        AttentionProblem.Builder twoKeys = AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1).qLen(1)
                .newKvLen(2).headDim(1).valueHeadDim(1).query(new double[] {1}).key(k).value(v);
        AttentionResult unlimited = OracleAttention.attend(twoKeys.build());
        assertArrayEquals(unlimited.output(), OracleAttention.attend(twoKeys.keyLengths(2).build()).output(), 0.0);
        assertEquals(2, twoKeys.keyLengths(0).build().kvLen());
    }
}
