package dev.attnref.golden.judge;

import dev.attnref.golden.LowPrecisionAttention;
import dev.attnref.golden.Precision;
import dev.attnref.golden.Tolerance;
import java.util.Arrays;

/**
 * A runtime's output [B, H, T, Dv] judged against the reference: in float32 element by element at the case's
 * tolerance ({@link Tolerance#allows}: non-finite values must match exactly); in bf16 by FlashAttention's rule,
 * the one {@code golden verify --precision bf16} judges a port by (non-finite values must match, and the largest
 * error must stay within {@link #lowPrecisionBound}).
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
            boolean ok = precision == Precision.FP32 ? float32.allows(reference[i], out[i])
                    : finite || Double.compare(reference[i], out[i]) == 0;
            if (!ok && first == null) {
                first = "output" + index(p, i) + " = " + out[i] + ", expected " + reference[i];
            }
        }
        if (precision == Precision.FP32) {
            return new Check(first == null, maxAbs, null, first);
        }
        double bound = lowPrecisionBound(p, precision, reference);
        if (first == null && maxAbs > bound) {
            first = "max |out − ref| = " + maxAbs + " exceeds the bf16 bound " + bound;
        }
        return new Check(first == null, maxAbs, bound, first);
    }

    /**
     * The bound max|out − ref| must meet, {@link Tolerance#lowPrecision}: k · (the error of the plain implementation
     * in {@code precision}, {@link LowPrecisionAttention}, on p, whose inputs are rounded already) + the floor.
     * The baseline counts the elements where both are finite; Check.of requires the others to match exactly.
     */
    private static double lowPrecisionBound(JudgeProblem p, Precision precision, double[] reference) {
        double[] plain = LowPrecisionAttention.attend(p.oracle().build(), precision).output();   // [B, H, T, Dv]
        double baseline = 0;
        for (int i = 0; i < reference.length; i++) {
            if (Double.isFinite(reference[i]) && Double.isFinite(plain[i])) {
                baseline = Math.max(baseline, Math.abs(plain[i] - reference[i]));
            }
        }
        return Tolerance.lowPrecision(baseline, reference, precision).atol();
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
