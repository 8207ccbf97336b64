package dev.attnref.golden.judge;

/**
 * How a bf16 run is judged: FlashAttention's rule. The runtime's error against the float64 reference (computed
 * on the same bf16-rounded inputs) may be k = 2 times the error of a plain bf16 implementation on those inputs,
 * plus a floor:
 *
 * <pre>
 *   pass  ⇔  non-finite outputs match exactly  ∧  max|out − ref| ≤ k · max|plain − ref| + floor
 *   floor = 2 · max |fl(fl(ê + 0.3) − 0.3) − ê|,  ê = fl(ref)      ("any arithmetic on out_ref", fwd_atol)
 * </pre>
 *
 * The plain implementation is FlashAttention's {@code attention_ref(upcast=False, reorder_ops=True)}: every
 * eager operation computes exactly (here in float64) and rounds its result to bf16 (fl):
 *
 * <pre>
 *   k̃ = fl(k · scale);  score = fl(Σ_d q·k̃)  (g(h) = ⌊h/R⌋);  capped = fl(c·fl(tanh(fl(score/c))))  if c &gt; 0
 *   logit = fl(capped + bias) where visible, fl(fill) where hidden;  p = fl(softmax_s(logit));  out = fl(Σ_s p·v)
 * </pre>
 *
 * Source: Dao-AILab/flash-attention, tests/test_flash_attn.py ({@code attention_ref}; "FlashAttention's
 * numerical error is at most twice the numerical error of a Pytorch implementation") and
 * hopper/test_flash_attn.py ({@code fwd_atol = 2 * (out_ref + 0.3 - 0.3 - out_ref).abs().max()}). The same k,
 * floor and plain steps as the rule of {@code golden verify --precision} (issue 14, low precision).
 */
final class LowPrecisionRule {
    static final double K = 2;

    private LowPrecisionRule() {
    }

    /** The bound max|out − ref| must meet: k · (plain bf16 error) + floor. */
    static double bound(JudgeProblem p, double[] reference) {
        double[] plain = plain(p);
        double baseline = 0;
        double worst = 0;
        for (int i = 0; i < reference.length; i++) {
            double ref = reference[i];
            if (Double.isFinite(ref) && Double.isFinite(plain[i])) {
                baseline = Math.max(baseline, Math.abs(plain[i] - ref));
            }
            if (Double.isFinite(ref)) {
                double stored = Precision.bf16(ref);
                worst = Math.max(worst, Math.abs(Precision.bf16(Precision.bf16(stored + 0.3) - 0.3) - stored));
            }
        }
        return K * baseline + 2 * worst;
    }

    /** The plain bf16 implementation's output [B, H, T, Dv] on p (whose inputs are bf16 already). */
    static double[] plain(JudgeProblem p) {
        int h0 = p.numHeads();
        int t0 = p.qLen();
        int s0 = p.kvLen();
        int d0 = p.headDim();
        int dv = p.valueHeadDim();
        double scale = p.scale() != null ? p.scale() : 1 / Math.sqrt(d0);
        double[] out = new double[p.batch() * h0 * t0 * dv];                          // [B, H, T, Dv]
        double[] logit = new double[s0];
        for (int b = 0; b < p.batch(); b++) {
            for (int h = 0; h < h0; h++) {
                int g = h / p.groupSize();
                for (int t = 0; t < t0; t++) {
                    // logit_s = fl(capped + bias) where visible, else fl(fill);  bhtd,bgsd->bhts
                    for (int s = 0; s < s0; s++) {
                        if (!p.visible(b, h, t, s)) {
                            logit[s] = Precision.bf16(p.fill());
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < d0; d++) {
                            double keyScaled = Precision.bf16(p.key()[((b * p.numKvHeads() + g) * s0 + s) * d0 + d] * scale);
                            dot += p.query()[((b * h0 + h) * t0 + t) * d0 + d] * keyScaled;
                        }
                        double score = Precision.bf16(dot);
                        double c = p.softcap();
                        double capped = c > 0 ? Precision.bf16(c * Precision.bf16(Math.tanh(Precision.bf16(score / c)))) : score;
                        logit[s] = Precision.bf16(capped + p.additiveAt(b, h, t, s));
                    }
                    // p = fl(softmax_s(logit)), all −∞ → zeros or NaN;  out = fl(Σ_s p·v)  bhts,bgsv->bhtv
                    double[] prob = softmax(logit, p.nanRows());
                    for (int e = 0; e < dv; e++) {
                        double sum = 0;
                        for (int s = 0; s < s0; s++) {
                            sum += prob[s] * p.value()[((b * p.numKvHeads() + g) * s0 + s) * dv + e];
                        }
                        out[((b * h0 + h) * t0 + t) * dv + e] = Precision.bf16(sum);
                    }
                }
            }
        }
        return out;
    }

    private static double[] softmax(double[] logit, boolean nanRows) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logit) {
            max = Math.max(max, l);
        }
        double[] prob = new double[logit.length];
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(prob, nanRows ? Double.NaN : 0);
            return prob;
        }
        double sum = 0;
        for (int s = 0; s < logit.length; s++) {
            prob[s] = Math.exp(logit[s] - max);
            sum += prob[s];
        }
        for (int s = 0; s < logit.length; s++) {
            prob[s] = Precision.bf16(prob[s] / sum);
        }
        return prob;
    }
}
