package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A test double for {@link AttentionLayer}, written here from the equations with plain loops over
 * arrays (no tensor operations): causal self-attention with H query heads, G key/value heads
 * (query head h reads kv head ⌊h/R⌋), optional RoPE at absolute positions, and a cache that
 * appends per position. With H = G = 1 it is the plain single-head causal attention.
 *
 * <pre>
 *   q_h = W_Q[hD:(h+1)D]·x,  k_g = W_K[gD:(g+1)D]·x,  v_g = W_V[…]·x,   q, k rotated at their positions
 *   a[s] = q_h·k_{g(h), s} / √D  for s ≤ pos(t);   p = exp(a − max a) / Σ exp(a − max a)
 *   o_h = Σ_s p[s]·v_{g(h), s};   out = W_O·[o_0; …; o_{H−1}]
 * </pre>
 */
final class LoopAttention implements AttentionLayer<LoopAttention.Cache> {
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final int modelWidth;
    private final double[][] wq;
    private final double[][] wk;
    private final double[][] wv;
    private final double[][] wo;
    private final RopePairing pairing;
    private final double theta;

    static final class Cache {
        // keys.get(s)[b][g][d], values likewise: one entry per cached position.
        final List<double[][][]> keys = new ArrayList<>();
        final List<double[][][]> values = new ArrayList<>();

        int length() {
            return keys.size();
        }
    }

    /** From weights in Linear layout ([out, in]); {@code pairing} null for no RoPE. */
    LoopAttention(int numHeads, int numKvHeads, int headDim, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
            RopePairing pairing, double theta) {
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.modelWidth = wq.size(1);
        this.wq = rows(wq);
        this.wk = rows(wk);
        this.wv = rows(wv);
        this.wo = rows(wo);
        this.pairing = pairing;
        this.theta = theta;
    }

    static LoopAttention random(int modelWidth, int numHeads, int numKvHeads, int headDim, RopePairing pairing,
            SeededRandom random) {
        Tensor wq = Linear.init(modelWidth, numHeads * headDim, false, random).weight();
        Tensor wk = Linear.init(modelWidth, numKvHeads * headDim, false, random).weight();
        Tensor wv = Linear.init(modelWidth, numKvHeads * headDim, false, random).weight();
        Tensor wo = Linear.init(numHeads * headDim, modelWidth, false, random).weight();
        return new LoopAttention(numHeads, numKvHeads, headDim, wq, wk, wv, wo, pairing, 10000.0);
    }

    /** The same weights as a {@link WalkthroughAttention} (and its RoPE pairing and θ). */
    static LoopAttention sameWeightsAs(WalkthroughAttention a) {
        return new LoopAttention(a.numHeads(), a.numKvHeads(), a.headDim(), a.queryProj().weight(), a.keyProj().weight(),
                a.valueProj().weight(), a.outputProj().weight(), a.rope() == null ? null : a.rope().pairing(),
                a.rope() == null ? 0 : a.rope().theta());
    }

    private static double[][] rows(Tensor w) {
        double[][] out = new double[w.size(0)][w.size(1)];
        for (int o = 0; o < out.length; o++) {
            for (int i = 0; i < out[o].length; i++) {
                out[o][i] = w.get(o, i);
            }
        }
        return out;
    }

    @Override
    public int modelWidth() {
        return modelWidth;
    }

    @Override
    public Cache newCache(int batchSize) {
        return new Cache();
    }

    // Rows [first, first + D) of W times x.
    private double[] project(double[][] w, int first, double[] x) {
        double[] y = new double[headDim];
        for (int d = 0; d < headDim; d++) {
            for (int m = 0; m < x.length; m++) {
                y[d] += w[first + d][m] * x[m];
            }
        }
        return y;
    }

    // Rotates pair i by pos·θ^(−2i/D): pairs (2i, 2i+1) interleaved, (i, i + D/2) split halves.
    private void rotate(double[] vector, int position) {
        if (pairing == null) {
            return;
        }
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = position * Math.pow(theta, -2.0 * i / headDim);
            int a = pairing == RopePairing.INTERLEAVED ? 2 * i : i;
            int b = pairing == RopePairing.INTERLEAVED ? 2 * i + 1 : i + half;
            double xa = vector[a];
            double xb = vector[b];
            vector[a] = xa * Math.cos(angle) - xb * Math.sin(angle);
            vector[b] = xb * Math.cos(angle) + xa * Math.sin(angle);
        }
    }

    @Override
    public Tensor forward(Tensor input, Cache own, ShapeTrace trace) {
        int batch = input.size(0);
        int length = input.size(1);
        int start = own.length();
        int groupSize = numHeads / numKvHeads;
        double[][][] x = new double[batch][length][modelWidth];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                for (int m = 0; m < modelWidth; m++) {
                    x[b][t][m] = input.get(b, t, m);
                }
            }
        }
        // Append the new keys and values first: query t sees positions ≤ start + t, itself included.
        for (int t = 0; t < length; t++) {
            double[][][] k = new double[batch][numKvHeads][];
            double[][][] v = new double[batch][numKvHeads][];
            for (int b = 0; b < batch; b++) {
                for (int g = 0; g < numKvHeads; g++) {
                    k[b][g] = project(wk, g * headDim, x[b][t]);
                    rotate(k[b][g], start + t);
                    v[b][g] = project(wv, g * headDim, x[b][t]);
                }
            }
            own.keys.add(k);
            own.values.add(v);
        }
        double[] out = new double[batch * length * modelWidth];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int position = start + t;
                double[] concatenated = new double[numHeads * headDim];
                for (int h = 0; h < numHeads; h++) {
                    int g = h / groupSize;
                    double[] q = project(wq, h * headDim, x[b][t]);
                    rotate(q, position);
                    double[] logits = new double[position + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= position; s++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[d] * own.keys.get(s)[b][g][d];
                        }
                        logits[s] = dot / Math.sqrt(headDim);
                        max = Math.max(max, logits[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= position; s++) {
                        logits[s] = Math.exp(logits[s] - max);
                        sum += logits[s];
                    }
                    for (int s = 0; s <= position; s++) {
                        for (int d = 0; d < headDim; d++) {
                            concatenated[h * headDim + d] += logits[s] / sum * own.values.get(s)[b][g][d];
                        }
                    }
                }
                for (int m = 0; m < modelWidth; m++) {
                    double acc = 0;
                    for (int j = 0; j < concatenated.length; j++) {
                        acc += wo[m][j] * concatenated[j];
                    }
                    out[(b * length + t) * modelWidth + m] = acc;
                }
            }
        }
        return Tensor.of(out, batch, length, modelWidth);
    }

    @Override
    public String describe() {
        return "loop attention (H=" + numHeads + ", G=" + numKvHeads + ", D=" + headDim + ")";
    }
}
