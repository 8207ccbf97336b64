package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link OracleAttention} on tiny cases worked out by hand (the arithmetic is in each test's
 * comment), one test per option, two laws on seeded random inputs, and bad input.
 *
 * <p>Most cases set q = 0 so that every visible key gets the same logit: the probabilities are then
 * 1/(number of visible keys), which shows exactly which keys a mask, causal numbering or padding
 * leaves visible.
 */
class OracleAttentionTest {


    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    /** A problem with B = H = G = 1, D = Dv = 1, q = 0, k = 0, v[s] = s + 1: the caller adds what it tests. */
    private static AttentionProblem.Builder uniform(int qLen, int kvLen) {
        double[] v = new double[kvLen];
        for (int s = 0; s < kvLen; s++) {
            v[s] = s + 1;
        }
        return AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1).qLen(qLen).newKvLen(kvLen)
                .headDim(1).valueHeadDim(1).query(new double[qLen]).key(new double[kvLen]).value(v);
    }

    private static double[] probabilities(AttentionProblem.Builder builder) {
        return OracleAttention.attend(builder.build()).probabilities();
    }

    private static void assertRejected(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }

    // ---------------------------------------------------------------- the equation, by hand

    @Test
    void oneQueryTwoKeysMatchHandArithmetic() {
        // D = 4 → default scale 1/√4 = 1/2;  Dv = 2 ≠ D.
        // q = (1, 1, 0, 0),  k₀ = 0,  k₁ = (ln 3, ln 3, 0, 0)
        // score₀ = 0,  score₁ = (ln 3 + ln 3)/2 = ln 3
        // p = (1, 3)/(1 + 3) = (1/4, 3/4)
        // v₀ = (4, 0), v₁ = (0, 8) → out = (1/4)(4, 0) + (3/4)(0, 8) = (1, 6)
        double ln3 = Math.log(3);
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(4).valueHeadDim(2)
                .query(new double[] {1, 1, 0, 0})
                .key(new double[] {0, 0, 0, 0, ln3, ln3, 0, 0})
                .value(new double[] {4, 0, 0, 8})
                .build());
        assertArrayEquals(new double[] {0, ln3}, r.scaledScores(), Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {0, ln3}, r.cappedScores(), Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {0, ln3}, r.logits(), Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {0.25, 0.75}, r.probabilities(), Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {1, 6}, r.output(), 4 * Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {0, 0, 0, 0, ln3, ln3, 0, 0}, r.presentKey(), 0.0);
        assertArrayEquals(new double[] {4, 0, 0, 8}, r.presentValue(), 0.0);
    }

    @Test
    void gqaQueryHeadsReadContiguousKvGroupsNotTiles() {
        // H = 4, G = 2, R = 2: g(h) = ⌊h/2⌋ = (0, 0, 1, 1). Tiling (h mod 2) would give (0, 1, 0, 1).
        // q = 0 → p = (1/2, 1/2) for every head.  v[g=0] = (2, 4) → 3;  v[g=1] = (10, 20) → 15.
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(4).numKvHeads(2)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[4]).key(new double[4]).value(new double[] {2, 4, 10, 20})
                .build());
        assertArrayEquals(new double[] {3, 3, 15, 15}, r.output(), 0.0);
    }

    @Test
    void mqaEveryQueryHeadReadsTheOneKvHead() {
        // G = 1: every head attends over v = (2, 4) with q = 0 → 3; the present cache keeps one head.
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(3).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[3]).key(new double[2]).value(new double[] {2, 4})
                .build());
        assertArrayEquals(new double[] {3, 3, 3}, r.output(), 0.0);
        assertEquals(2, r.presentValue().length);
    }

    @Test
    void scaleOverrideReplacesOneOverRootD() {
        // D = 4, q = (1, 0, 0, 0), k₀ = 0, k₁ = (1, 0, 0, 0): q·k = (0, 1).
        // scale = ln 3 → scores (0, ln 3) → p = (1/4, 3/4).  (The default 1/2 would give p₁ = σ(1/2) ≈ 0.62.)
        double ln3 = Math.log(3);
        AttentionProblem.Builder builder = AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(4).valueHeadDim(1)
                .query(new double[] {1, 0, 0, 0}).key(new double[] {0, 0, 0, 0, 1, 0, 0, 0}).value(new double[2]);
        assertEquals(0.5, builder.build().scale(), 0.0);
        AttentionResult r = OracleAttention.attend(builder.scale(ln3).build());
        assertArrayEquals(new double[] {0, ln3}, r.scaledScores(), 0.0);
        assertArrayEquals(new double[] {0.25, 0.75}, r.probabilities(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void softcapAppliesToScoresBeforeTheAdditiveMask() {
        // D = 1 → scale 1.  q = 2, k = (1, 0) → scores (2, 0).
        // c = 1: capped = (tanh 2, tanh 0) = ((e⁴ − 1)/(e⁴ + 1), 0).
        // additive mask (0, 5) → logits (tanh 2, 5).  Capping after the mask would give (tanh 2, tanh 5 ≈ 0.99991).
        double tanh2 = (Math.exp(4) - 1) / (Math.exp(4) + 1);
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[] {2}).key(new double[] {1, 0}).value(new double[2])
                .softcap(1).additiveMask(new double[] {0, 5}, 2).build());
        assertArrayEquals(new double[] {2, 0}, r.scaledScores(), 0.0);
        assertArrayEquals(new double[] {tanh2, 0}, r.cappedScores(), Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {tanh2, 5}, r.logits(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void negativeInfinityInAnAdditiveMaskSurvivesSoftcap() {
        // Softcap bounds scores to (−c, c) before the mask, so −∞ from the mask stays −∞: p = (1, 0).
        AttentionResult r = OracleAttention.attend(uniform(1, 2).softcap(0.5)
                .additiveMask(new double[] {0, NEG_INF}, 1, 2).build());
        assertArrayEquals(new double[] {0, NEG_INF}, r.logits(), 0.0);
        assertArrayEquals(new double[] {1, 0}, r.probabilities(), 0.0);
        assertArrayEquals(new double[] {1}, r.output(), 0.0);   // v₀ = 1
    }

    // ---------------------------------------------------------------- masks

    @Test
    void booleanMaskConventionsAreNamedAndOpposite() {
        // Mask (true, false): "1 = keep" sees key 0 only, "1 = hide" sees key 1 only.
        boolean[] mask = {true, false};
        assertArrayEquals(new double[] {1, 0},
                probabilities(uniform(1, 2).booleanMask(mask, MaskConvention.KEEP_WHERE_TRUE, 1, 2)), 0.0);
        assertArrayEquals(new double[] {0, 1},
                probabilities(uniform(1, 2).booleanMask(mask, MaskConvention.HIDE_WHERE_TRUE, 1, 2)), 0.0);
    }

    @Test
    void rankTwoMaskIsQueryByKeyAndRepeatsOverBatchAndHeads() {
        // B = 2, H = 2, T = 2, S = 2; keep-mask [T, S] = [[1, 0], [1, 1]] → rows (1, 0) and (1/2, 1/2)
        // for every (b, h).
        AttentionProblem.Builder builder = AttentionProblem.builder().batch(2).numHeads(2).numKvHeads(2)
                .qLen(2).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[8]).key(new double[8]).value(new double[8])
                .booleanMask(new boolean[] {true, false, true, true}, MaskConvention.KEEP_WHERE_TRUE, 2, 2);
        double[] expectedOneHead = {1, 0, 0.5, 0.5};
        double[] expected = new double[16];
        for (int bh = 0; bh < 4; bh++) {
            System.arraycopy(expectedOneHead, 0, expected, 4 * bh, 4);
        }
        assertArrayEquals(expected, probabilities(builder), 0.0);
    }

    @Test
    void rankThreeMaskIsHeadsQueriesKeysNotBatch() {
        // Right-aligned, [2, 1, 2] means [H, T, S]. With B = 1, H = 2 it is valid:
        // head 0 keeps key 0, head 1 keeps key 1.
        double[] p = probabilities(AttentionProblem.builder().batch(1).numHeads(2).numKvHeads(2)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[2]).key(new double[4]).value(new double[4])
                .booleanMask(new boolean[] {true, false, false, true}, MaskConvention.KEEP_WHERE_TRUE, 2, 1, 2));
        assertArrayEquals(new double[] {1, 0, 0, 1}, p, 0.0);
        // With B = 2, H = 1 the same mask does not broadcast: its first axis lines up with H = 1, not with B.
        assertRejected(() -> AttentionProblem.builder().batch(2).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[2]).key(new double[4]).value(new double[4])
                .booleanMask(new boolean[] {true, false, false, true}, MaskConvention.KEEP_WHERE_TRUE, 2, 1, 2)
                .build(), "[2, 1, 2]", "[B, H, T, S] = [2, 1, 1, 2]", "aligned with H (1) and must be 1");
    }

    @Test
    void rankFourMaskBroadcastsItsSizeOneAxes() {
        // Additive mask [B, 1, 1, S] = [[0, −∞], [−∞, 0]]: batch row 0 sees key 0, row 1 sees key 1,
        // in both heads.
        double[] p = probabilities(AttentionProblem.builder().batch(2).numHeads(2).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[4]).key(new double[4]).value(new double[4])
                .additiveMask(new double[] {0, NEG_INF, NEG_INF, 0}, 2, 1, 1, 2));
        assertArrayEquals(new double[] {1, 0, 1, 0, 0, 1, 0, 1}, p, 0.0);
    }

    @Test
    void additiveMaskValuesAreAddedAsTheyAre() {
        // q = 0 → scores 0; additive mask (0, ln 3) → logits (0, ln 3) → p = (1/4, 3/4).
        double ln3 = Math.log(3);
        AttentionResult r = OracleAttention.attend(uniform(1, 2).additiveMask(new double[] {0, ln3}, 2).build());
        assertArrayEquals(new double[] {0, ln3}, r.logits(), 0.0);
        assertArrayEquals(new double[] {0.25, 0.75}, r.probabilities(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void maskOfTheWrongShapeNamesBothShapes() {
        assertRejected(() -> uniform(1, 2).additiveMask(new double[6], 3, 2).build(),
                "additive mask of shape [3, 2]", "[B, H, T, S] = [1, 1, 1, 2]", "aligned with T (1)");
        assertRejected(() -> uniform(1, 2).additiveMask(new double[2], 1, 1, 1, 1, 2).build(), "rank 5");
        assertRejected(() -> uniform(1, 2).additiveMask(new double[3], 1, 2).build(),
                "additive mask has 3 values", "[1, 2] needs 2");
    }

    // ---------------------------------------------------------------- causal numbering

    @Test
    void causalTopLeftNumbersQueriesFromZero() {
        // T = 2, S = 3, queries at 0, 1: row 0 sees key 0, row 1 sees keys 0, 1.
        assertArrayEquals(new double[] {1, 0, 0, 0.5, 0.5, 0},
                probabilities(uniform(2, 3).causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT))), 0.0);
    }

    @Test
    void causalBottomRightNumbersQueriesFromSMinusT() {
        // T = 2, S = 3, queries at S − T = 1 and 2: row 0 sees keys 0, 1; row 1 sees all three.
        double third = 1.0 / 3;
        assertArrayEquals(new double[] {0.5, 0.5, 0, third, third, third},
                probabilities(uniform(2, 3).causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT))), 0.0);
    }

    @Test
    void explicitQueryOffsetMatchesTheAlignmentsItGeneralises() {
        assertArrayEquals(probabilities(uniform(2, 3).causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT))),
                probabilities(uniform(2, 3).causal(QueryPositions.startingAt(0))), 0.0);
        assertArrayEquals(probabilities(uniform(2, 3).causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT))),
                probabilities(uniform(2, 3).causal(QueryPositions.startingAt(1))), 0.0);
    }

    @Test
    void negativeQueryOffsetLeavesLeadingRowsWithoutKeys() {
        // Queries at −1 and 0: row 0 sees nothing (→ zeros), row 1 sees key 0.
        AttentionResult r = OracleAttention.attend(uniform(2, 3).causal(QueryPositions.startingAt(-1)).build());
        assertArrayEquals(new double[] {0, 0, 0, 1, 0, 0}, r.probabilities(), 0.0);
        assertArrayEquals(new double[] {0, 1}, r.output(), 0.0);   // v₀ = 1
    }

    @Test
    void perBatchQueryOffsetsNumberEachRowOnItsOwn() {
        // B = 2, T = 1, S = 3: row 0's query at 0 sees key 0; row 1's at 2 sees all keys.
        double third = 1.0 / 3;
        double[] p = probabilities(AttentionProblem.builder().batch(2).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(3).headDim(1).valueHeadDim(1)
                .query(new double[2]).key(new double[6]).value(new double[6])
                .causal(QueryPositions.startingAtPerBatch(0, 2)));
        assertArrayEquals(new double[] {1, 0, 0, third, third, third}, p, 0.0);
        assertRejected(() -> uniform(1, 3).causal(QueryPositions.startingAtPerBatch(0, 2)).build(),
                "2 first positions", "one per batch row (1)");
    }

    // ---------------------------------------------------------------- padding, cache

    @Test
    void keyLengthsHideKeysAtAndBeyondTheLength() {
        // B = 2, S = 3, lengths (1, 3): row 0 sees key 0, row 1 sees keys 0, 1, 2.
        double third = 1.0 / 3;
        double[] p = probabilities(AttentionProblem.builder().batch(2).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(3).headDim(1).valueHeadDim(1)
                .query(new double[2]).key(new double[6]).value(new double[6])
                .keyLengths(1, 3));
        assertArrayEquals(new double[] {1, 0, 0, third, third, third}, p, 0.0);
    }

    @Test
    void pastKeysAndValuesComeFirstInThePresentCache() {
        // P = 2 cached (k = 1, 2; v = 10, 20), one new (k = 3, v = 30) → present k = (1, 2, 3), v = (10, 20, 30).
        // q = 0 → p = 1/3 each → out = (10 + 20 + 30)/3 = 20.
        // Causal from P: the query sits at position 2 and sees all three keys.
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(1).headDim(1).valueHeadDim(1)
                .query(new double[1]).key(new double[] {3}).value(new double[] {30})
                .past(new double[] {1, 2}, new double[] {10, 20}, 2)
                .causal(QueryPositions.startingAt(2)).build());
        assertArrayEquals(new double[] {1, 2, 3}, r.presentKey(), 0.0);
        assertArrayEquals(new double[] {10, 20, 30}, r.presentValue(), 0.0);
        assertArrayEquals(new double[] {20}, r.output(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    // ---------------------------------------------------------------- fills and fully masked rows

    @Test
    void fullyMaskedRowIsZeroByDefaultAndNanOnRequest() {
        boolean[] hideAll = {false, false};
        AttentionResult zeros = OracleAttention.attend(uniform(1, 2)
                .booleanMask(hideAll, MaskConvention.KEEP_WHERE_TRUE, 2).build());
        assertArrayEquals(new double[] {NEG_INF, NEG_INF}, zeros.logits(), 0.0);
        assertArrayEquals(new double[] {0, 0}, zeros.probabilities(), 0.0);
        assertArrayEquals(new double[] {0}, zeros.output(), 0.0);

        AttentionResult nan = OracleAttention.attend(uniform(1, 2)
                .booleanMask(hideAll, MaskConvention.KEEP_WHERE_TRUE, 2).fullyMaskedRows(FullyMaskedRows.NAN).build());
        assertTrue(Double.isNaN(nan.probabilities()[0]) && Double.isNaN(nan.probabilities()[1]));
        assertTrue(Double.isNaN(nan.output()[0]));
    }

    @Test
    void finiteFillMakesAFullyMaskedRowUniformAsPublishedCodeDoes() {
        // masked_fill(mask == 0, −1e20) on a row with no kept key: logits (−1e20, −1e20) → p = (1/2, 1/2),
        // out = (1 + 2)/2 = 1.5 (seed 002's batch row with an all-zero mask).
        AttentionResult r = OracleAttention.attend(uniform(1, 2).maskFill(-1e20)
                .booleanMask(new boolean[] {false, false}, MaskConvention.KEEP_WHERE_TRUE, 2).build());
        assertArrayEquals(new double[] {-1e20, -1e20}, r.logits(), 0.0);
        assertArrayEquals(new double[] {0.5, 0.5}, r.probabilities(), 0.0);
        assertArrayEquals(new double[] {1.5}, r.output(), 0.0);
    }

    @Test
    void finiteFillEqualsMinusInfinityWhenARowKeepsOneKey() {
        // Logit −1e9 vs a visible logit of order 1: exp(−1e9 − m) underflows to exactly 0.
        SeededRandom random = new SeededRandom(7);
        double[] q = random.gaussians(3, 1);
        double[] k = random.gaussians(9, 1);
        AttentionProblem.Builder base = AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(3).headDim(3).valueHeadDim(1)
                .query(q).key(k).value(new double[] {1, 2, 3})
                .booleanMask(new boolean[] {true, false, true}, MaskConvention.KEEP_WHERE_TRUE, 3);
        AttentionResult reference = OracleAttention.attend(base.build());
        AttentionResult finite = OracleAttention.attend(base.maskFill(-1e9).build());
        assertArrayEquals(reference.probabilities(), finite.probabilities(), 0.0);
        assertEquals(-1e9, finite.logits()[1], 0.0);
    }

    @Test
    void masksLeaveScoresAloneAndSetTheLogitOfHiddenKeys() {
        // q = 2, k = (1, 1): scores (2, 2); c = 1 → capped (tanh 2, tanh 2); key 1 hidden → logits (tanh 2, −∞).
        double tanh2 = (Math.exp(4) - 1) / (Math.exp(4) + 1);
        AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(1).numKvHeads(1)
                .qLen(1).newKvLen(2).headDim(1).valueHeadDim(1)
                .query(new double[] {2}).key(new double[] {1, 1}).value(new double[2]).softcap(1)
                .booleanMask(new boolean[] {false, true}, MaskConvention.HIDE_WHERE_TRUE, 2).build());
        assertArrayEquals(new double[] {2, 2}, r.scaledScores(), 0.0);
        assertArrayEquals(new double[] {tanh2, tanh2}, r.cappedScores(), Tolerances.HAND_COMPUTED);
        assertEquals(tanh2, r.logits()[0], Tolerances.HAND_COMPUTED);
        assertEquals(NEG_INF, r.logits()[1], 0.0);
    }

    // ---------------------------------------------------------------- laws on seeded random inputs

    @Test
    void gqaEqualsMhaOverKvHeadsRepeatedInContiguousBlocks() {
        for (long seed = 1; seed <= 20; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int numKvHeads = random.intBetween(1, 3);
            int groupSize = random.intBetween(1, 3);
            int numHeads = numKvHeads * groupSize;
            int batch = random.intBetween(1, 2);
            int qLen = random.intBetween(1, 4);
            int kvLen = random.intBetween(1, 5);
            int headDim = random.intBetween(1, 5);
            int valueHeadDim = random.intBetween(1, 5);
            String shape = "seed " + seed + ": B=" + batch + " H=" + numHeads + " G=" + numKvHeads + " T=" + qLen
                    + " S=" + kvLen + " D=" + headDim + " Dv=" + valueHeadDim;
            double[] q = random.gaussians(batch * numHeads * qLen * headDim, 1);
            double[] k = random.gaussians(batch * numKvHeads * kvLen * headDim, 1);
            double[] v = random.gaussians(batch * numKvHeads * kvLen * valueHeadDim, 1);
            // repeat_interleave along heads: kRep[b, h] = k[b, ⌊h / R⌋].
            double[] kRep = new double[batch * numHeads * kvLen * headDim];
            double[] vRep = new double[batch * numHeads * kvLen * valueHeadDim];
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < numHeads; h++) {
                    int g = h / groupSize;
                    System.arraycopy(k, (b * numKvHeads + g) * kvLen * headDim,
                            kRep, (b * numHeads + h) * kvLen * headDim, kvLen * headDim);
                    System.arraycopy(v, (b * numKvHeads + g) * kvLen * valueHeadDim,
                            vRep, (b * numHeads + h) * kvLen * valueHeadDim, kvLen * valueHeadDim);
                }
            }
            AttentionResult gqa = OracleAttention.attend(AttentionProblem.builder().batch(batch).numHeads(numHeads)
                    .numKvHeads(numKvHeads).qLen(qLen).newKvLen(kvLen).headDim(headDim).valueHeadDim(valueHeadDim)
                    .query(q).key(k).value(v).causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT)).build());
            AttentionResult mha = OracleAttention.attend(AttentionProblem.builder().batch(batch).numHeads(numHeads)
                    .numKvHeads(numHeads).qLen(qLen).newKvLen(kvLen).headDim(headDim).valueHeadDim(valueHeadDim)
                    .query(q).key(kRep).value(vRep).causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT)).build());
            // Same products in the same order: equal to the bit.
            assertArrayEquals(mha.output(), gqa.output(), 0.0, shape);
        }
    }

    @Test
    void prefillInTwoChunksWithACacheEqualsOnePrefill() {
        for (long seed = 100; seed < 120; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int numKvHeads = random.intBetween(1, 2);
            int numHeads = numKvHeads * random.intBetween(1, 3);
            int n = random.intBetween(2, 6);
            int first = random.intBetween(1, n - 1);   // tokens in the first chunk
            int headDim = random.intBetween(1, 4);
            String shape = "seed " + seed + ": H=" + numHeads + " G=" + numKvHeads + " n=" + n + " first chunk=" + first
                    + " D=" + headDim;
            double[] q = random.gaussians(numHeads * n * headDim, 1);    // [1, H, n, D]
            double[] k = random.gaussians(numKvHeads * n * headDim, 1);  // [1, G, n, D]
            double[] v = random.gaussians(numKvHeads * n * headDim, 1);
            AttentionResult whole = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(numHeads)
                    .numKvHeads(numKvHeads).qLen(n).newKvLen(n).headDim(headDim).valueHeadDim(headDim)
                    .query(q).key(k).value(v).causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT)).build());
            // Second chunk: queries first … n−1, the first chunk's keys and values as the past.
            AttentionResult second = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(numHeads)
                    .numKvHeads(numKvHeads).qLen(n - first).newKvLen(n - first).headDim(headDim).valueHeadDim(headDim)
                    .query(positions(q, numHeads, n, headDim, first, n))
                    .key(positions(k, numKvHeads, n, headDim, first, n))
                    .value(positions(v, numKvHeads, n, headDim, first, n))
                    .past(positions(k, numKvHeads, n, headDim, 0, first), positions(v, numKvHeads, n, headDim, 0, first), first)
                    .causal(QueryPositions.startingAt(first)).build());
            assertArrayEquals(positions(whole.output(), numHeads, n, headDim, first, n), second.output(), Tolerances.HAND_COMPUTED, shape);
            assertArrayEquals(k, second.presentKey(), 0.0, shape);
        }
    }

    /** Positions [from, to) of a [1, heads, n, width] array. */
    private static double[] positions(double[] x, int heads, int n, int width, int from, int to) {
        double[] out = new double[heads * (to - from) * width];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(x, (h * n + from) * width, out, h * (to - from) * width, (to - from) * width);
        }
        return out;
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void numKvHeadsMustDivideNumHeads() {
        assertRejected(() -> AttentionProblem.builder().batch(1).numHeads(8).numKvHeads(3).qLen(1).newKvLen(1)
                .headDim(1).valueHeadDim(1).build(), "numKvHeads (3) must divide numHeads (8)");
    }

    @Test
    void everySizeMustBeSetAndPositive() {
        assertRejected(() -> AttentionProblem.builder().batch(1).numHeads(1).qLen(1).newKvLen(1)
                .headDim(1).valueHeadDim(1).build(), "numKvHeads was not set");
        assertRejected(() -> uniform(1, 1).batch(0).build(), "batch (0) must be positive");
        assertRejected(() -> uniform(1, 1).headDim(-2).build(), "headDim (-2) must be positive");
        assertRejected(() -> uniform(1, 1).past(new double[0], new double[0], -1).build(), "pastLen (-1) must be non-negative");
    }

    @Test
    void arraysMustMatchTheirShapesAndBeFinite() {
        assertRejected(() -> uniform(1, 2).query(new double[3]).build(), "query has 3 values; expected 1 for [B, H, T, D]");
        assertRejected(() -> uniform(1, 2).value(null).build(), "value was not set");
        assertRejected(() -> uniform(1, 2).query(new double[] {Double.NaN}).build(), "query holds NaN at flat index 0");
        assertRejected(() -> uniform(1, 2).key(new double[] {0, Double.POSITIVE_INFINITY}).build(),
                "key holds Infinity at flat index 1");
        assertRejected(() -> uniform(1, 2).past(new double[] {1}, null, 1).build(),
                "pastKey and pastValue must be given together");
        assertRejected(() -> uniform(1, 2).past(new double[] {1, 2}, new double[] {1}, 1).build(),
                "pastKey has 2 values; expected 1");
        assertRejected(() -> uniform(1, 2).past(new double[] {1}, new double[] {Double.NaN}, 1).build(),
                "pastValue holds NaN");
    }

    @Test
    void optionsAreValidated() {
        assertRejected(() -> uniform(1, 2).scale(0).build(), "scale (0.0) must be finite and positive");
        assertRejected(() -> uniform(1, 2).scale(Double.NaN).build(), "scale (NaN)");
        assertRejected(() -> uniform(1, 2).softcap(-1).build(), "softcap (-1.0) must be finite and ≥ 0");
        assertRejected(() -> uniform(1, 2).maskFill(Double.NaN).build(), "maskFill (NaN) must be -Infinity or finite");
        assertRejected(() -> uniform(1, 2).maskFill(Double.POSITIVE_INFINITY).build(), "maskFill (Infinity)");
        assertRejected(() -> uniform(1, 2).fullyMaskedRows(null).build(), "fullyMaskedRows must not be null");
        assertRejected(() -> uniform(1, 2).additiveMask(new double[] {0, Double.NaN}, 2).build(),
                "additive mask holds NaN at flat index 1");
        assertRejected(() -> uniform(1, 2).additiveMask(new double[] {Double.POSITIVE_INFINITY, 0}, 2).build(),
                "additive mask holds Infinity at flat index 0");
        assertRejected(() -> uniform(1, 2).booleanMask(new boolean[2], null, 2).build(),
                "boolean mask convention must not be null");
        assertRejected(() -> uniform(1, 2).keyLengths(1, 1).build(), "keyLengths has 2 entries; expected one per batch row (1)");
        assertRejected(() -> uniform(1, 2).keyLengths(3).build(), "keyLengths[0] (3) must be in [0, S] = [0, 2]");
    }

    @Test
    void scoresThatOverflowAreReportedNotPropagated() {
        // 1e200 · 1e200 overflows; 1e154 · 1e154 = 1e308 does not, but 1e308 + Double.MAX_VALUE does.
        assertRejected(() -> OracleAttention.attend(uniform(1, 1).query(new double[] {1e200}).key(new double[] {1e200})
                .build()), "scaled score at [b, h, t, s] = [0, 0, 0, 0] is Infinity");
        assertRejected(() -> OracleAttention.attend(uniform(1, 1).query(new double[] {1e154}).key(new double[] {1e154})
                .additiveMask(new double[] {Double.MAX_VALUE}, 1).build()), "logit at [b, h, t, s] = [0, 0, 0, 0] is Infinity");
    }

    @Test
    void theProblemCopiesItsInputs() {
        double[] q = {0};
        AttentionProblem problem = uniform(1, 2).query(q).build();
        q[0] = 1e6;
        assertEquals(0.0, problem.query(0, 0, 0, 0), 0.0, Arrays.toString(q));
    }
}
