package dev.attnref.golden;

import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.FullyMaskedRows;

/**
 * The baseline of the low-precision golden cases: scaled dot-product attention as a plain implementation
 * computes it in bf16 or fp16. Every tensor an operation produces is rounded to the precision p (fl below);
 * the operation itself is computed in float64 and rounded once, as PyTorch's eager operations on bf16 and
 * fp16 tensors compute in float32 and round their result, and a matmul accumulates in float32 and rounds
 * once per element. The steps are those of FlashAttention's {@code attention_ref(upcast=False,
 * reorder_ops=True)}, the "PyTorch implementation" its tests measure kernels against
 * (Dao-AILab/flash-attention, tests/test_flash_attn.py at 765fbd9; reference-data/README.md, "Precision").
 *
 * <pre>
 *   k̃[b,g,s,d]    = fl(k · scale)                                       [B, G, S, D]   scale folded into k (reorder_ops)
 *   score[b,h,t,s] = fl(Σ_d q[b,h,t,d] · k̃[b,g(h),s,d])                 [B, H, T, S]   g(h) = ⌊h / R⌋
 *   capped         = fl(c · fl(tanh(fl(score / c))))   if c &gt; 0           three eager ops, three roundings
 *   logit          = fl(capped + bias)  if visible,  fl(fill) otherwise   the fill cast to p, as masked_fill does
 *   p[b,h,t,·]     = fl(softmax_s(logit))                                 from the rounded logits; all −∞ → the row policy
 *   out[b,h,t,·]   = fl(Σ_s p[b,h,t,s] · v[b,g(h),s,·])                   [B, H, T, Dv]
 * </pre>
 *
 * <p>Inputs (the additive bias included) are taken as they are: a low-precision case stores them in p already. Visibility, the additive
 * bias, the fill and the fully-masked-row policy are the problem's, so this differs from
 * {@link dev.attnref.oracle.OracleAttention} only by the roundings. Note what {@code fl(fill)} does in fp16:
 * a finite fill beyond ±65504 (−1e9, −1e20) becomes −∞.
 *
 * <p>Used for the baseline error of the low-precision cases ({@code SdpaVariant}) and for the bf16 bound of
 * {@code golden judge} ({@code judge.Check}). Checked by {@code LowPrecisionAttentionTest} (in float64 it is the
 * oracle; PyTorch 2.10's bf16 and fp16 SDPA err by the same order against the float64 reference).
 */
public final class LowPrecisionAttention {
    private LowPrecisionAttention() {
    }

    /** Output {@code [B, H, T, Dv]}, logits and probabilities {@code [B, H, T, S]}, present key and value. */
    public record Result(double[] output, double[] logits, double[] probabilities, double[] presentKey, double[] presentValue) {
    }

    public static Result attend(AttentionProblem problem, Precision p) {
        int batch = problem.batch();
        int numHeads = problem.numHeads();
        int numKvHeads = problem.numKvHeads();
        int qLen = problem.qLen();
        int kvLen = problem.kvLen();
        int headDim = problem.headDim();
        int valueHeadDim = problem.valueHeadDim();

        // Step 1 — present k, v = concat_s(past, new) (exact copies); k̃ = fl(k · scale).
        double[] presentKey = new double[batch * numKvHeads * kvLen * headDim];             // [B, G, S, D]
        double[] presentValue = new double[batch * numKvHeads * kvLen * valueHeadDim];      // [B, G, S, Dv]
        double[] scaledKey = new double[presentKey.length];                                 // [B, G, S, D]
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < numKvHeads; g++) {
                for (int s = 0; s < kvLen; s++) {
                    int row = (b * numKvHeads + g) * kvLen + s;
                    for (int d = 0; d < headDim; d++) {
                        presentKey[row * headDim + d] = problem.key(b, g, s, d);
                        scaledKey[row * headDim + d] = p.round(problem.key(b, g, s, d) * problem.scale());
                    }
                    for (int d = 0; d < valueHeadDim; d++) {
                        presentValue[row * valueHeadDim + d] = problem.value(b, g, s, d);
                    }
                }
            }
        }

        // Step 2 — logit = fl(capped + bias) where visible, fl(fill) where hidden; capped from score = fl(q·k̃).
        // einsum: bhtd,bgsd->bhts (g = g(h))
        double fill = p.round(problem.maskFill());
        double[] logits = new double[batch * numHeads * qLen * kvLen];                      // [B, H, T, S]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                int g = problem.kvHeadOf(h);
                for (int t = 0; t < qLen; t++) {
                    for (int s = 0; s < kvLen; s++) {
                        int i = ((b * numHeads + h) * qLen + t) * kvLen + s;
                        if (!problem.visible(b, h, t, s)) {
                            logits[i] = fill;
                            continue;
                        }
                        double dot = 0.0;
                        for (int d = 0; d < headDim; d++) {
                            dot += problem.query(b, h, t, d) * scaledKey[((b * numKvHeads + g) * kvLen + s) * headDim + d];
                        }
                        double capped = capped(p.round(dot), problem.softcap(), p);
                        logits[i] = p.round(capped + problem.additiveBias(b, h, t, s));
                    }
                }
            }
        }

        // Step 3 — p = fl(softmax_s(logit)), from the rounded logits.
        double[] probabilities = softmax(logits, kvLen, problem.fullyMaskedRows(), p);     // [B, H, T, S]

        // Step 4 — out = fl(Σ_s p · v).  einsum: bhts,bgsd->bhtd (g = g(h))
        double[] output = new double[batch * numHeads * qLen * valueHeadDim];               // [B, H, T, Dv]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                int g = problem.kvHeadOf(h);
                for (int t = 0; t < qLen; t++) {
                    for (int d = 0; d < valueHeadDim; d++) {
                        double acc = 0.0;
                        for (int s = 0; s < kvLen; s++) {
                            acc += probabilities[((b * numHeads + h) * qLen + t) * kvLen + s]
                                    * presentValue[((b * numKvHeads + g) * kvLen + s) * valueHeadDim + d];
                        }
                        output[((b * numHeads + h) * qLen + t) * valueHeadDim + d] = p.round(acc);
                    }
                }
            }
        }
        return new Result(output, logits, probabilities, presentKey, presentValue);
    }

    /** c · tanh(score / c) as three rounded operations, or the score itself when c = 0. */
    private static double capped(double score, double softcap, Precision p) {
        if (softcap == 0) {
            return score;
        }
        return p.round(softcap * p.round(Math.tanh(p.round(score / softcap))));
    }

    /** Row-wise fl(softmax) over the last axis (rows of {@code width}); a row of only −∞ follows {@code policy}. */
    private static double[] softmax(double[] logits, int width, FullyMaskedRows policy, Precision p) {
        double[] out = new double[logits.length];
        for (int base = 0; base < logits.length; base += width) {
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < width; s++) {
                max = Math.max(max, logits[base + s]);
            }
            if (max == Double.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(out, base, base + width, policy == FullyMaskedRows.ZEROS ? 0.0 : Double.NaN);
                continue;
            }
            double sum = 0.0;
            for (int s = 0; s < width; s++) {
                out[base + s] = Math.exp(logits[base + s] - max);
                sum += out[base + s];
            }
            for (int s = 0; s < width; s++) {
                out[base + s] = p.round(out[base + s] / sum);
            }
        }
        return out;
    }
}
