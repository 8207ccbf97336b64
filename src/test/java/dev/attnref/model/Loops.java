package dev.attnref.model;

import dev.attnref.core.Tensor;
import java.util.function.UnaryOperator;

/**
 * Row-by-row loop versions of the norms and feed-forward networks, written from their equations,
 * so that tests can compose a block or a model independently of the classes under test.
 */
final class Loops {
    private Loops() {
    }

    /** {@code y[o] = Σ_i W[o, i]·x[i]}. */
    static double[] matVec(Tensor weight, double[] x) {
        double[] y = new double[weight.size(0)];
        for (int o = 0; o < y.length; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += weight.get(o, i) * x[i];
            }
        }
        return y;
    }

    /** {@code y = x / √(mean x² + ε) · γ}; γ null means 1. */
    static double[] rmsNorm(double[] x, Tensor gain, double eps) {
        double square = 0;
        for (double v : x) {
            square += v * v;
        }
        double rms = Math.sqrt(square / x.length + eps);
        double[] y = new double[x.length];
        for (int d = 0; d < x.length; d++) {
            y[d] = x[d] / rms * (gain == null ? 1 : gain.get(d));
        }
        return y;
    }

    /** {@code y = (x − μ)/√(σ² + ε) · γ + β}; γ, β null mean 1, 0. */
    static double[] layerNorm(double[] x, Tensor gain, Tensor bias, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double variance = 0;
        for (double v : x) {
            variance += (v - mean) * (v - mean);
        }
        variance /= x.length;
        double[] y = new double[x.length];
        for (int d = 0; d < x.length; d++) {
            y[d] = (x[d] - mean) / Math.sqrt(variance + eps) * (gain == null ? 1 : gain.get(d))
                    + (bias == null ? 0 : bias.get(d));
        }
        return y;
    }

    /** One row of a {@link Mlp} ({@code W_down·f(W_up·x)}) or {@link SwiGlu} ({@code W_down·(SiLU(W_gate·x) ⊙ W_up·x)}). */
    static double[] feedForward(FeedForward ffn, double[] x) {
        if (ffn instanceof Mlp mlp) {
            double[] hidden = matVec(mlp.up().weight(), x);
            for (int j = 0; j < hidden.length; j++) {
                hidden[j] = mlp.activation().apply(hidden[j]);
            }
            return matVec(mlp.down().weight(), hidden);
        }
        SwiGlu swiGlu = (SwiGlu) ffn;
        double[] gate = matVec(swiGlu.gate().weight(), x);
        double[] up = matVec(swiGlu.up().weight(), x);
        double[] product = new double[gate.length];
        for (int j = 0; j < gate.length; j++) {
            product[j] = gate[j] / (1 + Math.exp(-gate[j])) * up[j];
        }
        return matVec(swiGlu.down().weight(), product);
    }

    /** Applies a row function {@code [W] → [W']} to every row of the last axis: {@code [..., W] → [..., W']}. */
    static Tensor rows(Tensor x, UnaryOperator<double[]> f) {
        int width = x.size(-1);
        double[] flat = x.contiguous().toArray();
        int numRows = flat.length / width;
        double[][] results = new double[numRows][];
        for (int r = 0; r < numRows; r++) {
            double[] row = new double[width];
            System.arraycopy(flat, r * width, row, 0, width);
            results[r] = f.apply(row);
        }
        int outWidth = results[0].length;
        double[] out = new double[numRows * outWidth];
        for (int r = 0; r < numRows; r++) {
            System.arraycopy(results[r], 0, out, r * outWidth, outWidth);
        }
        int[] shape = x.shape();
        shape[shape.length - 1] = outWidth;
        return Tensor.of(out, shape);
    }

    /** The loop version of a {@link RmsNorm} or {@link LayerNorm} over the last axis. */
    static Tensor norm(Norm norm, Tensor x) {
        if (norm instanceof RmsNorm rms) {
            return rows(x, row -> rmsNorm(row, rms.weight(), rms.eps()));
        }
        LayerNorm layer = (LayerNorm) norm;
        return rows(x, row -> layerNorm(row, layer.weight(), layer.bias(), layer.eps()));
    }
}
