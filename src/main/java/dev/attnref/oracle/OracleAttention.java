package dev.attnref.oracle;

/**
 * Scaled dot-product attention for the GQA family (MHA: G = H, MQA: G = 1), in float64 plain loops
 * over flat row-major arrays: the {@code attention_ref} of this project. No tensor library, no
 * fusion, no reordering for speed; every step is the equation above it.
 *
 * <h2>Equation (docs/MATH.md, "Scaled dot-product attention")</h2>
 * <pre>
 *   k, v           = concat_s(past, new)                          [B, G, S, D], [B, G, S, Dv]
 *   g(h)           = ⌊h / R⌋,  R = H / G                           contiguous groups, not tiling
 *   score[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,g(h),s,d]        scale = 1/√D unless overridden
 *   capped         = c · tanh(score / c)   if c &gt; 0, else score   before any mask
 *   logit          = capped + bias[b,h,t,s]   if visible(b,h,t,s)
 *                  = fill                     otherwise            fill = −∞ unless overridden
 *   visible        = boolean mask keeps s  ∧  s ≤ first(b) + t (causal)  ∧  s &lt; len[b] (padding)
 *   p[b,h,t,·]     = softmax_s(logit[b,h,t,·])                     all −∞ → zeros (or NaN on request)
 *   out[b,h,t,·]   = Σ_s p[b,h,t,s] · v[b,g(h),s,·]
 * </pre>
 *
 * <h2>Shapes</h2>
 * Inputs and their contracts: {@link AttentionProblem}. Outputs, stage by stage:
 * {@link AttentionResult} (scaled scores, capped scores, logits, probabilities {@code [B, H, T, S]};
 * output {@code [B, H, T, Dv]}; present key/value {@code [B, G, S, D]} / {@code [B, G, S, Dv]}).
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Positions are absolute: cached keys take 0 … P−1, new keys P … S−1. Causal masking numbers
 *       the queries as {@link QueryPositions} says; the problem never picks an alignment itself.</li>
 *   <li>Boolean masks are read in the {@link dev.attnref.core.MaskConvention} the caller names.
 *       Additive masks are added as they are (−∞ allowed). Both broadcast NumPy-style from the right.</li>
 *   <li>A boolean, causal or padding mask replaces the logit by the fill (as {@code masked_fill} does);
 *       an additive mask adds to it. With a finite fill, a row hidden only by those masks becomes
 *       uniform, as published code with −1e9 or −1e20 does; with −∞ it is a fully masked row.</li>
 *   <li>Softmax subtracts the row maximum first: p_s = exp(l_s − m) / Σ_s' exp(l_s' − m).</li>
 * </ul>
 *
 * <h2>Source</h2>
 * Vaswani et al., "Attention Is All You Need" (2017), §3.2.1, equation 1; GQA grouping: Ainslie
 * et al., "GQA" (2023), §2.2; softcap and mask order, causal offset with a cache, key padding and the
 * fully-masked-row guard: ONNX Attention-23/24 (reference-data/onnx-attention/README.md).
 *
 * <p>Checked by {@code OracleAttentionTest} (hand-computed cases, every option, bad input) and
 * {@code OnnxConformanceTest} (76 ONNX node-test goldens).
 */
public final class OracleAttention {
    private OracleAttention() {
    }

    /** Runs attention on a validated problem; see the class card for each step. */
    public static AttentionResult attend(AttentionProblem problem) {
        final int batch = problem.batch();
        final int numHeads = problem.numHeads();
        final int numKvHeads = problem.numKvHeads();
        final int qLen = problem.qLen();
        final int kvLen = problem.kvLen();
        final int headDim = problem.headDim();
        final int valueHeadDim = problem.valueHeadDim();

        // Step 1 — present k, v = concat_s(past, new): positions 0 … P−1 from the cache, P … S−1 new.
        double[] presentKey = new double[batch * numKvHeads * kvLen * headDim];            // [B, G, S, D]
        double[] presentValue = new double[batch * numKvHeads * kvLen * valueHeadDim];     // [B, G, S, Dv]
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < numKvHeads; g++) {
                for (int s = 0; s < kvLen; s++) {
                    for (int d = 0; d < headDim; d++) {
                        presentKey[((b * numKvHeads + g) * kvLen + s) * headDim + d] = problem.key(b, g, s, d);
                    }
                    for (int d = 0; d < valueHeadDim; d++) {
                        presentValue[((b * numKvHeads + g) * kvLen + s) * valueHeadDim + d] = problem.value(b, g, s, d);
                    }
                }
            }
        }

        // Step 2 — score[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,g(h),s,d],  g(h) = ⌊h / R⌋.
        // einsum: bhtd,bgsd->bhts (g = g(h))
        final double scale = problem.scale();
        double[] scaledScores = new double[batch * numHeads * qLen * kvLen];               // [B, H, T, S]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                int g = problem.kvHeadOf(h);
                for (int t = 0; t < qLen; t++) {
                    for (int s = 0; s < kvLen; s++) {
                        double dot = 0.0;
                        for (int d = 0; d < headDim; d++) {
                            dot += problem.query(b, h, t, d) * presentKey[((b * numKvHeads + g) * kvLen + s) * headDim + d];
                        }
                        double score = scale * dot;
                        if (!Double.isFinite(score)) {
                            throw new IllegalArgumentException("scaled score at [b, h, t, s] = [" + b + ", " + h + ", "
                                    + t + ", " + s + "] is " + score + "; q and k must be small enough that scale·q·k is finite");
                        }
                        scaledScores[((b * numHeads + h) * qLen + t) * kvLen + s] = score;
                    }
                }
            }
        }

        // Step 3 — capped = c · tanh(score / c) when c > 0: bounds |logit| < c before any mask.
        final double softcap = problem.softcap();
        double[] cappedScores = new double[scaledScores.length];                           // [B, H, T, S]
        for (int i = 0; i < scaledScores.length; i++) {
            cappedScores[i] = softcap > 0 ? softcap * Math.tanh(scaledScores[i] / softcap) : scaledScores[i];
        }

        // Step 4 — logit = capped + bias where visible, fill where a boolean/causal/padding mask hides s.
        final double fill = problem.maskFill();
        double[] logits = new double[scaledScores.length];                                 // [B, H, T, S]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < qLen; t++) {
                    for (int s = 0; s < kvLen; s++) {
                        int i = ((b * numHeads + h) * qLen + t) * kvLen + s;
                        double logit = problem.visible(b, h, t, s)
                                ? cappedScores[i] + problem.additiveBias(b, h, t, s)
                                : fill;
                        if (Double.isNaN(logit) || logit == Double.POSITIVE_INFINITY) {
                            throw new IllegalArgumentException("logit at [b, h, t, s] = [" + b + ", " + h + ", " + t
                                    + ", " + s + "] is " + logit + " (capped score " + cappedScores[i] + " + additive mask "
                                    + problem.additiveBias(b, h, t, s) + "); expected a finite value or -Infinity");
                        }
                        logits[i] = logit;
                    }
                }
            }
        }

        // Step 5 — p = softmax_s(logit) = exp(logit − m) / Σ_s exp(logit − m),  m = max_s logit.
        //          m = −∞ means no visible key: the row follows the fully-masked-row policy.
        double[] probabilities = new double[scaledScores.length];                          // [B, H, T, S]
        for (int row = 0; row < batch * numHeads * qLen; row++) {                         // row = (b·H + h)·T + t
            int base = row * kvLen;
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < kvLen; s++) {
                max = Math.max(max, logits[base + s]);
            }
            if (max == Double.NEGATIVE_INFINITY) {
                double rowValue = problem.fullyMaskedRows() == FullyMaskedRows.ZEROS ? 0.0 : Double.NaN;
                for (int s = 0; s < kvLen; s++) {
                    probabilities[base + s] = rowValue;
                }
                continue;
            }
            double sum = 0.0;
            for (int s = 0; s < kvLen; s++) {
                double e = Math.exp(logits[base + s] - max);                               // exp(−∞) = 0
                probabilities[base + s] = e;
                sum += e;
            }
            for (int s = 0; s < kvLen; s++) {
                probabilities[base + s] /= sum;
            }
        }

        // Step 6 — out[b,h,t,d] = Σ_s p[b,h,t,s] · v[b,g(h),s,d],  d over Dv.
        // einsum: bhts,bgsd->bhtd (g = g(h))
        double[] output = new double[batch * numHeads * qLen * valueHeadDim];              // [B, H, T, Dv]
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
                        output[((b * numHeads + h) * qLen + t) * valueHeadDim + d] = acc;
                    }
                }
            }
        }
        return new AttentionResult(output, scaledScores, cappedScores, logits, probabilities, presentKey, presentValue);
    }
}
