package dev.attnref.attention;

import dev.attnref.core.Linear;
import dev.attnref.core.Tensor;

/** Small explicit weights and inputs for the hand-computed cases. */
final class Hand {
    private Hand() {
    }

    /** A bias-free projection {@code [out, in]} with the given row-major weights. */
    static Linear linear(int out, int in, double... weight) {
        return new Linear(Tensor.of(weight, out, in), null);
    }

    /** The identity projection {@code [n, n]}. */
    static Linear identity(int n) {
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) {
            w[i * n + i] = 1.0;
        }
        return linear(n, n, w);
    }

    /** Identity W_Q, W_K, W_V, W_O for a block with M = H·D = G·D = G·Dv = H·Dv = n. */
    static AttentionWeights identities(int n) {
        return new AttentionWeights(identity(n), identity(n), identity(n), identity(n));
    }

    /** {@code [1, T, M]} from rows of width M. */
    static Tensor sequence(double[]... rows) {
        int width = rows[0].length;
        double[] flat = new double[rows.length * width];
        for (int t = 0; t < rows.length; t++) {
            System.arraycopy(rows[t], 0, flat, t * width, width);
        }
        return Tensor.of(flat, 1, rows.length, width);
    }

    /** softmax of a short row, written out: exp(z_i) / Σ exp(z_j). */
    static double[] softmax(double... logits) {
        double sum = 0;
        for (double z : logits) {
            sum += Math.exp(z);
        }
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i]) / sum;
        }
        return p;
    }
}
