package dev.attnref.golden.judge;

import dev.attnref.golden.Tolerance;
import java.util.Arrays;

/**
 * A runtime's output [B, H, T, Dv] judged against the reference: in float32 element by element at the case's
 * tolerance ({@link Tolerance#allows}: non-finite values must match exactly); in bf16 by
 * {@link LowPrecisionRule} (non-finite values must match, and the largest error must stay within its bound).
 *
 * @param bound        the bf16 rule's bound; null in float32 (the tolerance is per element)
 * @param firstFailure the first element outside the tolerance, or null
 */
record Check(boolean passed, double maxAbsError, Double bound, String firstFailure) {
    static Check of(JudgeProblem p, Precision precision, Tolerance float32, double[] reference, double[] out) {
        double maxAbs = 0;
        String first = null;
        for (int i = 0; i < reference.length; i++) {
            boolean finite = Double.isFinite(reference[i]) && Double.isFinite(out[i]);
            if (finite) {
                maxAbs = Math.max(maxAbs, Math.abs(out[i] - reference[i]));
            }
            boolean ok = precision == Precision.FLOAT32 ? float32.allows(reference[i], out[i])
                    : finite || Double.compare(reference[i], out[i]) == 0;
            if (!ok && first == null) {
                first = "output" + index(p, i) + " = " + out[i] + ", expected " + reference[i];
            }
        }
        if (precision == Precision.FLOAT32) {
            return new Check(first == null, maxAbs, null, first);
        }
        double bound = LowPrecisionRule.bound(p, reference);
        if (first == null && maxAbs > bound) {
            first = "max |out − ref| = " + maxAbs + " exceeds the bf16 bound " + bound;
        }
        return new Check(first == null, maxAbs, bound, first);
    }

    /** The multi-index [b, h, t, e] of flat position i of [B, H, T, Dv]. */
    private static String index(JudgeProblem p, int i) {
        int[] shape = {p.batch(), p.numHeads(), p.qLen(), p.valueHeadDim()};
        int[] at = new int[4];
        for (int a = 3; a >= 0; a--) {
            at[a] = i % shape[a];
            i /= shape[a];
        }
        return Arrays.toString(at);
    }
}
