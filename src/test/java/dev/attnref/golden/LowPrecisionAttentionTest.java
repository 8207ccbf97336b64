package dev.attnref.golden;

import dev.attnref.core.Bfloat16;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import org.junit.jupiter.api.Test;

/**
 * The plain low-precision attention that gives the baseline errors: without rounding (fp64) it is the oracle;
 * in bf16 and fp16 every tensor it produces holds values of that precision, and the fill is cast like any
 * operand, so fp16 turns −1e9 into −∞. The low-precision rule's floor, worked by hand.
 */
class LowPrecisionAttentionTest {
    private static AttentionProblem problem(double fill, double softcap) {
        SeededRandom random = new SeededRandom(7);
        // B = 1, H = 4, G = 2, T = 3, S = 5, D = 6, Dv = 4; causal bottom-right, one boolean mask entry, a bias.
        return AttentionProblem.builder().batch(1).numHeads(4).numKvHeads(2).qLen(3).newKvLen(5).headDim(6).valueHeadDim(4)
                .query(random.uniforms(72, -1, 1)).key(random.uniforms(60, -1, 1)).value(random.uniforms(40, -1, 1))
                .causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT))
                .booleanMask(new boolean[] {true, false, false, false, false}, MaskConvention.HIDE_WHERE_TRUE, 5)
                .additiveMask(random.uniforms(15, -0.5, 0.5), 3, 5).softcap(softcap).maskFill(fill).build();
    }

    @Test
    void withoutRoundingItIsTheOracle() {
        for (double softcap : new double[] {0, 1.5}) {
            AttentionProblem problem = problem(Double.NEGATIVE_INFINITY, softcap);
            AttentionResult oracle = OracleAttention.attend(problem);
            LowPrecisionAttention.Result plain = LowPrecisionAttention.attend(problem, Precision.FP64);
            // scale folded into k: q·(k·scale) instead of scale·(q·k), the same sums in another order
            assertArrayEquals(oracle.logits(), plain.logits(), Tolerances.REORDERED_SUMS);
            assertArrayEquals(oracle.probabilities(), plain.probabilities(), Tolerances.REORDERED_SUMS);
            assertArrayEquals(oracle.output(), plain.output(), Tolerances.REORDERED_SUMS);
            assertArrayEquals(oracle.presentKey(), plain.presentKey(), 0.0);
        }
    }

    @Test
    void everyTensorHoldsValuesOfItsPrecisionAndErrsByRoundings() {
        AttentionProblem problem = problem(Double.NEGATIVE_INFINITY, 1.5);
        AttentionResult oracle = OracleAttention.attend(problem);
        for (Precision p : new Precision[] {Precision.BF16, Precision.FP16}) {
            LowPrecisionAttention.Result plain = LowPrecisionAttention.attend(problem, p);
            double unitRoundoff = p == Precision.BF16 ? 0x1.0p-8 : 0x1.0p-11;
            for (double[][] pair : new double[][][] {{plain.output(), oracle.output()}, {plain.logits(), oracle.logits()},
                {plain.probabilities(), oracle.probabilities()}}) {
                double worst = 0;
                for (int i = 0; i < pair[0].length; i++) {
                    assertEquals(p.round(pair[0][i]), pair[0][i], p + " value " + pair[0][i]);
                    if (Double.isFinite(pair[1][i])) {
                        worst = Math.max(worst, Math.abs(pair[0][i] - pair[1][i]));
                    } else {
                        assertEquals(pair[1][i], pair[0][i]);                                // −∞ where hidden
                    }
                }
                assertTrue(worst > 0 && worst < 8 * unitRoundoff, p + ": worst error " + worst);
            }
        }
    }

    @Test
    void fp16CastsAFillBeyondItsRangeToMinusInfinity() {
        // Key 0 hidden by the boolean mask: its logit is the fill cast to the precision.
        assertEquals(Double.NEGATIVE_INFINITY, LowPrecisionAttention.attend(problem(-1e9, 0), Precision.FP16).logits()[0]);
        assertEquals(Bfloat16.round(-1e9), LowPrecisionAttention.attend(problem(-1e9, 0), Precision.BF16).logits()[0]);
        assertEquals(-9984.0, LowPrecisionAttention.attend(problem(-1e4, 0), Precision.BF16).logits()[0]);  // as PyTorch's probe
    }

    @Test
    void theFloorIsTwiceTheRoundTripErrorOfTheExpectedValues() {
        // bf16: ê = fl(0.1) = 0.10009765625; fl(ê + 0.3) = 0.400390625 (spacing 2⁻⁹ in [¼, ½));
        // fl(0.400390625 − 0.3) = 0.1005859375 (spacing 2⁻¹¹ in [1/16, ⅛)): one spacing off, 2⁻¹¹, doubled 2⁻¹⁰.
        assertEquals(0x1.0p-10, Tolerance.lowPrecisionFloor(new double[] {0.1}, Precision.BF16));
        // 0.2 goes and comes back exactly: ê = 0.2001953125, ê + 0.3 → 0.5, 0.5 − 0.3 → ê.
        assertEquals(0.0, Tolerance.lowPrecisionFloor(new double[] {0.2}, Precision.BF16));
        assertEquals(0x1.0p-10, Tolerance.lowPrecisionFloor(new double[] {0.2, 0.1, Double.NEGATIVE_INFINITY}, Precision.BF16));
        Tolerance rule = Tolerance.lowPrecision(0.01, new double[] {0.1}, Precision.BF16);
        assertEquals(0.02 + 0x1.0p-10, rule.atol());
        assertEquals(0.0, rule.rtol());
    }
}
