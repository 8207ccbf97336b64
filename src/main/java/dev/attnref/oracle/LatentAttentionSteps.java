package dev.attnref.oracle;

import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;

/**
 * The loop-level steps {@link OracleMla} and {@link OracleMfa} share: a bias-free linear map, a
 * column slice, RMSNorm, rotary embedding and the causal softmax. Plain loops over flat row-major
 * {@code double[]}; every method allocates its result and leaves its inputs untouched unless it says
 * "in place". Callers validate shapes; these methods trust them.
 */
final class LatentAttentionSteps {
    private LatentAttentionSteps() {
    }

    /**
     * {@code y = x·Wᵀ} with {@code W [outWidth, inWidth]} (PyTorch {@code Linear} layout).
     * einsum {@code ri,oi->ro}: {@code x [rows, inWidth] → y [rows, outWidth]}.
     */
    static double[] project(double[] x, int rows, int inWidth, double[] weight, int outWidth) {
        double[] y = new double[rows * outWidth];   // [rows, outWidth]
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outWidth; o++) {
                double sum = 0.0;
                for (int i = 0; i < inWidth; i++) {
                    sum += weight[o * inWidth + i] * x[r * inWidth + i];
                }
                y[r * outWidth + o] = sum;
            }
        }
        return y;
    }

    /** Columns {@code [from, from + width)} of each row: {@code [rows, rowWidth] → [rows, width]}. */
    static double[] columns(double[] x, int rows, int rowWidth, int from, int width) {
        double[] y = new double[rows * width];   // [rows, width]
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * rowWidth + from, y, r * width, width);
        }
        return y;
    }

    /** RMSNorm of each row: {@code y = x / √(mean(x²) + ε) ⊙ w}, {@code [rows, width] → [rows, width]}. */
    static double[] rmsNorm(double[] x, int rows, int width, double[] weight, double eps) {
        double[] y = new double[rows * width];   // [rows, width]
        for (int r = 0; r < rows; r++) {
            // ms = (1/width) Σ_d x_d²
            double sumOfSquares = 0.0;
            for (int d = 0; d < width; d++) {
                double value = x[r * width + d];
                sumOfSquares += value * value;
            }
            double inverseRms = 1.0 / Math.sqrt(sumOfSquares / width + eps);
            // y_d = x_d · (ms + ε)^(−1/2) · w_d
            for (int d = 0; d < width; d++) {
                y[r * width + d] = x[r * width + d] * inverseRms * weight[d];
            }
        }
        return y;
    }

    /** {@link #rotate(double[], int, int, int, int, int, int, double[], RopePairing)} at the unscaled {@code θ^(−2i/P)}. */
    static void rotate(double[] x, int rows, int rowWidth, int from, int rotaryDim, int seqLen, int start,
            double theta, RopePairing pairing) {
        rotate(x, rows, rowWidth, from, rotaryDim, seqLen, start, RopeScaling.unscaled(rotaryDim, theta), pairing);
    }

    /**
     * In place: rotates columns {@code [from, from + rotaryDim)} of every row of {@code x [B·T, rowWidth]};
     * row {@code r} holds token {@code t = r mod seqLen} at absolute position {@code start + t}.
     * Pair {@code i} = columns {@code (a, b)}, {@code (2i, 2i+1)} interleaved or {@code (i, i + P/2)}
     * split halves, turns by {@code φ = pos · ω_i} ({@code ω_i = θ^(−2i/P)}, or a scaling rule's {@code ω'_i}):
     * {@code a' = a·cos φ − b·sin φ}, {@code b' = b·cos φ + a·sin φ}.
     */
    static void rotate(double[] x, int rows, int rowWidth, int from, int rotaryDim, int seqLen, int start,
            double[] inverseFrequencies, RopePairing pairing) {
        int half = rotaryDim / 2;
        for (int r = 0; r < rows; r++) {
            long position = start + (long) (r % seqLen);
            for (int i = 0; i < half; i++) {
                double phi = position * inverseFrequencies[i];
                double cos = Math.cos(phi);
                double sin = Math.sin(phi);
                int a = r * rowWidth + from + (pairing == RopePairing.INTERLEAVED ? 2 * i : i);
                int b = r * rowWidth + from + (pairing == RopePairing.INTERLEAVED ? 2 * i + 1 : i + half);
                double xa = x[a];
                double xb = x[b];
                x[a] = xa * cos - xb * sin;
                x[b] = xb * cos + xa * sin;
            }
        }
    }

    /**
     * Causal softmax over {@code blocks} square blocks {@code [seqLen, seqLen]} of logits (one per
     * batch row and head). Sets {@code logit[t, s] = −∞} for {@code s > t} in place and returns
     * {@code p[t, ·] = softmax_s(logit[t, ·])}, computed as {@code exp(l − max) / Σ exp(l − max)}.
     * Causal rows always see key {@code s = t}, so no row is empty.
     */
    static double[] causalSoftmax(double[] logits, int blocks, int seqLen) {
        double[] probabilities = new double[logits.length];   // [blocks, T, S]
        for (int k = 0; k < blocks; k++) {
            for (int t = 0; t < seqLen; t++) {
                int row = (k * seqLen + t) * seqLen;
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < seqLen; s++) {
                    if (s > t) {
                        logits[row + s] = Double.NEGATIVE_INFINITY;
                    }
                    max = Math.max(max, logits[row + s]);
                }
                double sum = 0.0;
                for (int s = 0; s <= t; s++) {
                    probabilities[row + s] = Math.exp(logits[row + s] - max);
                    sum += probabilities[row + s];
                }
                for (int s = 0; s <= t; s++) {
                    probabilities[row + s] /= sum;
                }
            }
        }
        return probabilities;
    }

    /** A weight {@code [rows, cols]}: present, of the right size, finite. */
    static double[] weight(String name, double[] values, int rows, int cols) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is missing; expected [" + rows + ", " + cols + "]");
        }
        long expected = (long) rows * cols;
        if (values.length != expected) {
            throw new IllegalArgumentException(name + " has " + values.length + " values; expected [" + rows + ", "
                    + cols + "] = " + expected);
        }
        return Checks.allFinite(name, values);
    }

    /** A vector {@code [width]}: present, of the right size, finite. */
    static double[] vector(String name, double[] values, int width) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is missing; expected [" + width + "]");
        }
        if (values.length != width) {
            throw new IllegalArgumentException(name + " has " + values.length + " values; expected [" + width + "]");
        }
        return Checks.allFinite(name, values);
    }

    /** Input activations {@code x [B, T, M]}: B and T positive, of the right size, finite. */
    static double[] activations(double[] x, int batch, int seqLen, int modelWidth) {
        Checks.positive("batch", batch);
        Checks.positive("seqLen", seqLen);
        if (x == null) {
            throw new IllegalArgumentException("input x is missing; expected [" + batch + ", " + seqLen + ", " + modelWidth + "]");
        }
        long expected = (long) batch * seqLen * modelWidth;
        if (x.length != expected) {
            throw new IllegalArgumentException("input x has " + x.length + " values; expected [B, T, M] = [" + batch + ", "
                    + seqLen + ", " + modelWidth + "] = " + expected);
        }
        return Checks.allFinite("input x", x);
    }
}
