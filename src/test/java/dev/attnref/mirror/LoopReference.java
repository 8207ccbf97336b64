package dev.attnref.mirror;

import dev.attnref.core.Tensor;

/**
 * An independent, loop-only implementation of projected attention for the mirror tests: no tensor
 * operations, only index arithmetic over flat row-major arrays read with {@link Tensor#get}/
 * {@link Tensor#toArray}. Every mirror's FIXED path (and the published path, where its bug can be
 * stated as a different rule) is compared against it.
 *
 * <p>Layouts: activations {@code x [B, T, M]}; weights PyTorch {@code [out, in]}; heads split from the
 * projection's output axis as {@code out = head·D + d}; query head {@code h} reads kv head
 * {@code ⌊h / (H/G)⌋}; merged heads {@code [B, T, H·D]} before {@code W_o}.
 */
final class LoopReference {
    private LoopReference() {
    }

    /** Which (query, key) pairs are visible; {@code true} = the key may be attended. */
    interface Keep {
        boolean keep(int b, int h, int t, int s);

        Keep ALL = (b, h, t, s) -> true;
    }

    /** A value added to the logit of (query, key), as an additive mask does. */
    interface LogitBias {
        double bias(int b, int h, int t, int s);

        LogitBias NONE = (b, h, t, s) -> 0.0;
    }

    /** How hidden logits are treated. */
    enum Fill {
        /** Hidden keys get weight 0; a row with no visible key gives zeros (the project's policy). */
        MINUS_INFINITY_ZERO_ROWS,
        /** Hidden logits become −∞ and PyTorch's softmax gives NaN for a row with no visible key. */
        MINUS_INFINITY_NAN_ROWS,
    }

    /** {@code y[n, o] = Σ_i x[n, i]·W[o, i] + b[o]} over the last axis of {@code x}; {@code bias} may be null. */
    static double[] linear(double[] x, int rows, Tensor weight, Tensor bias) {
        int out = weight.size(0);
        int in = weight.size(1);
        double[] w = weight.toArray();
        double[] b = bias == null ? new double[out] : bias.toArray();
        double[] y = new double[rows * out];
        for (int n = 0; n < rows; n++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += x[n * in + i] * w[o * in + i];
                }
                y[n * out + o] = acc;
            }
        }
        return y;
    }

    /**
     * Projected grouped attention: {@code q = x·W_qᵀ + b_q} split into {@code H} heads, {@code k, v}
     * into {@code G} heads, {@code logit = scale·q·k}, softmax over visible keys, heads merged, {@code W_o}.
     *
     * @param x     [B, T, M] (keys and values come from the same x)
     * @return [B, T, out_o] flat
     */
    static double[] groupedAttention(Tensor x, int numHeads, int numKvHeads, int headDim, double scale,
            Tensor wq, Tensor bq, Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo,
            Keep keep, Fill fill) {
        return groupedAttention(x, numHeads, numKvHeads, headDim, scale, wq, bq, wk, bk, wv, bv, wo, bo, keep,
                LogitBias.NONE, fill, false);
    }

    /**
     * As above, with an additive logit bias and a choice of head merge: {@code scrambledMerge} lays the
     * per-head outputs out as seed 000's {@code output.transpose(-1, -2).contiguous().view(B, -1, H·D)}
     * does (see {@link #scrambledMerge}).
     */
    static double[] groupedAttention(Tensor x, int numHeads, int numKvHeads, int headDim, double scale,
            Tensor wq, Tensor bq, Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo,
            Keep keep, LogitBias bias, Fill fill, boolean scrambledMerge) {
        int batch = x.size(0);
        int len = x.size(1);
        double[] xs = x.toArray();
        double[] q = linear(xs, batch * len, wq, bq);          // [B, T, H·D]
        double[] k = linear(xs, batch * len, wk, bk);          // [B, T, G·D]
        double[] v = linear(xs, batch * len, wv, bv);          // [B, T, G·D]
        double[] merged = attend(q, k, v, batch, len, len, numHeads, numKvHeads, headDim, scale, keep, bias, fill);
        if (scrambledMerge) {
            merged = scrambledMerge(merged, batch, len, numHeads, headDim);
        }
        return linear(merged, batch * len, wo, bo);
    }

    /**
     * Attention over projected rows: {@code q [B, T, H·D]}, {@code k, v [B, S, G·D]} → merged heads
     * {@code [B, T, H·D]}.
     */
    static double[] attend(double[] q, double[] k, double[] v, int batch, int qLen, int kvLen, int numHeads,
            int numKvHeads, int headDim, double scale, Keep keep, LogitBias bias, Fill fill) {
        int r = numHeads / numKvHeads;
        double[] out = new double[batch * qLen * numHeads * headDim];
        double[] p = new double[kvLen];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                int g = h / r;
                for (int t = 0; t < qLen; t++) {
                    // logit[s] = scale · Σ_d q[b,t,h,d]·k[b,s,g,d], over visible s only
                    double max = Double.NEGATIVE_INFINITY;
                    boolean any = false;
                    for (int s = 0; s < kvLen; s++) {
                        if (!keep.keep(b, h, t, s)) {
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[((b * qLen + t) * numHeads + h) * headDim + d]
                                    * k[((b * kvLen + s) * numKvHeads + g) * headDim + d];
                        }
                        p[s] = scale * dot + bias.bias(b, h, t, s);
                        max = Math.max(max, p[s]);
                        any = true;
                    }
                    int row = ((b * qLen + t) * numHeads + h) * headDim;
                    if (!any) {
                        double value = fill == Fill.MINUS_INFINITY_ZERO_ROWS ? 0.0 : Double.NaN;
                        for (int d = 0; d < headDim; d++) {
                            out[row + d] = value;
                        }
                        continue;
                    }
                    // p[s] = exp(logit[s] − max) / Σ exp(logit − max)
                    double sum = 0;
                    for (int s = 0; s < kvLen; s++) {
                        if (keep.keep(b, h, t, s)) {
                            p[s] = Math.exp(p[s] - max);
                            sum += p[s];
                        }
                    }
                    // out[b,t,h,d] = Σ_s p[s]·v[b,s,g,d]
                    for (int s = 0; s < kvLen; s++) {
                        if (!keep.keep(b, h, t, s)) {
                            continue;
                        }
                        for (int d = 0; d < headDim; d++) {
                            out[row + d] += p[s] / sum * v[((b * kvLen + s) * numKvHeads + g) * headDim + d];
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The head merge of seed 000's MQA/GQA as published: per batch row, the outputs {@code o[t, h, d]}
     * are written in the order {@code (h, d, t)} (position fastest), and that sequence is read back as
     * rows of {@code H·D}. So element {@code o[t, h, d]} lands at flat offset
     * {@code f = (h·D + d)·T + t}, i.e. at row {@code ⌊f / (H·D)⌋}, column {@code f mod (H·D)}.
     */
    static double[] scrambledMerge(double[] merged, int batch, int len, int numHeads, int headDim) {
        int width = numHeads * headDim;
        double[] out = new double[merged.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                for (int h = 0; h < numHeads; h++) {
                    for (int d = 0; d < headDim; d++) {
                        int f = (h * headDim + d) * len + t;
                        out[b * len * width + f] = merged[(b * len + t) * width + h * headDim + d];
                    }
                }
            }
        }
        return out;
    }

    /** Largest |a − b| relative to max(1, |b|), NaN-aware (NaN only matches NaN). */
    static double maxRelativeDiff(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Double.isNaN(actual[i]) || Double.isNaN(expected[i])) {
                if (Double.isNaN(actual[i]) != Double.isNaN(expected[i])) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i])));
        }
        return worst;
    }
}
