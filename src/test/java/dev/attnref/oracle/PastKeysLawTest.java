package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * A past is only the first P key positions given ahead of time: splitting the S keys and values of a
 * non-causal problem into a past {@code [B, G, P, ·]} and new ones {@code [B, G, S − P, ·]} changes
 * neither the output nor the present key/value, bit for bit (the oracle reads position s from the past
 * for s &lt; P and from the new inputs otherwise, in the same order). Shapes have B ≥ 2 and G ≥ 2 so
 * that every batch row and key/value head reads its own slice of the past.
 */
class PastKeysLawTest {

    @Test
    void splittingKeysIntoPastAndNewChangesNothing() {
        for (long seed = 1; seed <= 8; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int batch = 2 + random.nextInt(2);
            int numKvHeads = 2 + random.nextInt(2);
            int numHeads = numKvHeads * (1 + random.nextInt(2));
            int qLen = 1 + random.nextInt(3);
            int kvLen = 2 + random.nextInt(4);
            int pastLen = 1 + random.nextInt(kvLen - 1);
            int headDim = 1 + random.nextInt(3);
            int valueDim = 1 + random.nextInt(3);
            String shape = "seed " + seed + ": B=" + batch + " H=" + numHeads + " G=" + numKvHeads + " T=" + qLen
                    + " S=" + kvLen + " P=" + pastLen + " D=" + headDim + " Dv=" + valueDim;
            double[] q = random.gaussians(batch * numHeads * qLen * headDim, 1);   // [B, H, T, D]
            double[] k = random.gaussians(batch * numKvHeads * kvLen * headDim, 1);  // [B, G, S, D]
            double[] v = random.gaussians(batch * numKvHeads * kvLen * valueDim, 1); // [B, G, S, Dv]
            int rows = batch * numKvHeads;

            AttentionResult allNew = OracleAttention.attend(problem(batch, numHeads, numKvHeads, qLen, headDim, valueDim)
                    .newKvLen(kvLen).query(q).key(k).value(v).build());
            AttentionResult withPast = OracleAttention.attend(problem(batch, numHeads, numKvHeads, qLen, headDim, valueDim)
                    .newKvLen(kvLen - pastLen).query(q)
                    .key(positions(k, rows, kvLen, headDim, pastLen, kvLen))
                    .value(positions(v, rows, kvLen, valueDim, pastLen, kvLen))
                    .past(positions(k, rows, kvLen, headDim, 0, pastLen), positions(v, rows, kvLen, valueDim, 0, pastLen),
                            pastLen)
                    .build());
            assertArrayEquals(allNew.output(), withPast.output(), 0.0, shape);
            assertArrayEquals(k, withPast.presentKey(), 0.0, shape);
            assertArrayEquals(v, withPast.presentValue(), 0.0, shape);
        }
    }

    private static AttentionProblem.Builder problem(int batch, int numHeads, int numKvHeads, int qLen, int headDim,
            int valueDim) {
        return AttentionProblem.builder().batch(batch).numHeads(numHeads).numKvHeads(numKvHeads).qLen(qLen)
                .headDim(headDim).valueHeadDim(valueDim);
    }

    /** Positions [from, to) of each of the {@code rows} rows of a [rows, n, width] array. */
    private static double[] positions(double[] x, int rows, int n, int width, int from, int to) {
        double[] out = new double[rows * (to - from) * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, (r * n + from) * width, out, r * (to - from) * width, (to - from) * width);
        }
        return out;
    }
}
