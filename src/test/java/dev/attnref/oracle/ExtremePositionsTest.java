package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Masks;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Positions at the ends of the int range: the causal rule {@code s ≤ first(b) + t} and RoPE's angle
 * {@code φ = pos·θ^(−2i/P)}, each checked against the same rule computed independently in
 * {@link BigInteger} / {@link BigDecimal}, so a sum that wraps past 2³¹ − 1 cannot agree with it.
 * (A query start of 2³¹ − 1 with T = 2 once wrapped to −2³¹ and hid every key from the second query.)
 */
class ExtremePositionsTest {
    /** Where first positions are drawn: 0 next to 2³¹ − 1, 1 next to −2³¹, 2 among the keys. */
    private static final int NEAR_MAX = 0;
    private static final int NEAR_MIN = 1;

    @Test
    void causalVisibilityFollowsUnboundedPositionArithmetic() {
        Property.of("causalVisibilityFollowsUnboundedPositionArithmetic", Dims.spec()
                        .size("B", 1, 3).size("T", 1, 5).size("S", 1, 6).size("near", 0, 2).flag("perBatch"))
                .tries(120)
                .classify("near 2³¹ − 1", d -> d.get("near") == NEAR_MAX).require("near 2³¹ − 1")
                .check(ExtremePositionsTest::causalLaw);
    }

    private static void causalLaw(Dims d, SeededRandom r) {
        int batch = d.get("B");
        int qLen = d.get("T");
        int kvLen = d.get("S");
        int[] first = new int[d.flag("perBatch") ? batch : 1];
        for (int b = 0; b < first.length; b++) {
            first[b] = switch (d.get("near")) {
                case NEAR_MAX -> Integer.MAX_VALUE - r.intBetween(0, qLen);
                case NEAR_MIN -> Integer.MIN_VALUE + r.intBetween(0, 8);
                default -> r.intBetween(-qLen, kvLen);
            };
        }
        AttentionResult result = OracleAttention.attend(AttentionProblem.builder()
                .batch(batch).numHeads(1).numKvHeads(1).qLen(qLen).newKvLen(kvLen).headDim(2).valueHeadDim(1)
                .query(r.gaussians(batch * qLen * 2, 1)).key(r.gaussians(batch * kvLen * 2, 1))
                .value(r.gaussians(batch * kvLen, 1))
                .causal(d.flag("perBatch") ? QueryPositions.startingAtPerBatch(first) : QueryPositions.startingAt(first[0]))
                .build());
        for (int b = 0; b < batch; b++) {
            BigInteger start = BigInteger.valueOf(first[d.flag("perBatch") ? b : 0]);
            for (int t = 0; t < qLen; t++) {
                for (int s = 0; s < kvLen; s++) {
                    boolean visible = BigInteger.valueOf(s).compareTo(start.add(BigInteger.valueOf(t))) <= 0;
                    double logit = result.logits()[(b * qLen + t) * kvLen + s];
                    assertEquals(visible, logit != Double.NEGATIVE_INFINITY,
                            "b " + b + ", first " + start + ", t " + t + ", s " + s + ": logit " + logit);
                }
            }
        }
    }

    @Test
    void causalMaskFollowsUnboundedPositionArithmetic() {
        Property.of("causalMaskFollowsUnboundedPositionArithmetic", Dims.spec().size("T", 1, 5).size("S", 1, 6)
                        .size("gap", 0, 5))
                .tries(40)
                .check((d, r) -> {
                    int queryStart = Integer.MAX_VALUE - d.get("gap");
                    double[] keep = Masks.causal(d.get("T"), d.get("S"), queryStart).toArray();
                    for (int t = 0; t < d.get("T"); t++) {
                        for (int s = 0; s < d.get("S"); s++) {
                            boolean visible = BigInteger.valueOf(s)
                                    .compareTo(BigInteger.valueOf(queryStart).add(BigInteger.valueOf(t))) <= 0;
                            assertEquals(visible ? 1.0 : 0.0, keep[t * d.get("S") + s], "t " + t + ", s " + s);
                        }
                    }
                });
    }

    @Test
    void ropeAtFarPositionsTurnsByTheExactlyFormedAngle() {
        Property.of("ropeAtFarPositionsTurnsByTheExactlyFormedAngle", Dims.spec().size("T", 1, 5).size("pairs", 1, 4)
                        .size("extra", 0, 3).flag("interleaved").flag("explicitPositions"))
                .tries(80)
                .check(ExtremePositionsTest::ropeLaw);
    }

    private static void ropeLaw(Dims d, SeededRandom r) {
        int rows = d.get("T");
        int rotaryDim = 2 * d.get("pairs");
        int width = rotaryDim + d.get("extra");
        Rope rope = new Rope(rotaryDim, r.uniform(2, 1e6), d.flag("interleaved") ? RopePairing.INTERLEAVED
                : RopePairing.SPLIT_HALVES);
        double[] x = r.gaussians(rows * width, 1);
        // The last row sits at most at 2³¹ − 1; explicit positions are any ints in the top 2¹⁶.
        int start = Integer.MAX_VALUE - (rows - 1) - r.intBetween(0, 3);
        long[] position = new long[rows];
        int[] explicit = new int[rows];
        for (int t = 0; t < rows; t++) {
            explicit[t] = Integer.MAX_VALUE - r.intBetween(0, 1 << 16);
            position[t] = d.flag("explicitPositions") ? explicit[t] : BigInteger.valueOf(start).add(BigInteger.valueOf(t))
                    .longValueExact();
        }
        Tensor in = Tensor.of(x, rows, width);
        double[] out = (d.flag("explicitPositions") ? rope.apply(in, explicit) : rope.apply(in, start)).toArray();
        for (int t = 0; t < rows; t++) {
            for (int i = 0; i < rotaryDim / 2; i++) {
                // φ = pos·θ^(−2i/P): the product formed exactly, then rounded once to a double.
                double frequency = Math.pow(rope.theta(), -2.0 * i / rotaryDim);
                double phi = new BigDecimal(position[t]).multiply(new BigDecimal(frequency)).doubleValue();
                int a = t * width + (d.flag("interleaved") ? 2 * i : i);
                int b = t * width + (d.flag("interleaved") ? 2 * i + 1 : i + rotaryDim / 2);
                String where = "row " + t + " at position " + position[t] + ", pair " + i;
                assertEquals(x[a] * Math.cos(phi) - x[b] * Math.sin(phi), out[a], 0.0, where);
                assertEquals(x[b] * Math.cos(phi) + x[a] * Math.sin(phi), out[b], 0.0, where);
            }
            for (int j = rotaryDim; j < width; j++) {
                assertEquals(x[t * width + j], out[t * width + j], 0.0, "row " + t + ", pass-through dim " + j);
            }
        }
    }

    @Test
    void ropeRefusesRowsPastTheLastIntPosition() {
        Tensor twoRows = Tensor.of(new double[4], 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rope.standard(2, RopePairing.INTERLEAVED).apply(twoRows, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("start position (2147483647) + 2 rows"), e.getMessage());
    }
}
