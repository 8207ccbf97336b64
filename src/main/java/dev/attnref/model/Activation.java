package dev.attnref.model;

import dev.attnref.core.Tensor;

/**
 * The elementwise activations of seed 001's FFN ("Activation: ReLU / GELU / SiLU，形状不变").
 *
 * <table>
 *   <caption>Definitions</caption>
 *   <tr><th>constant</th><th>f(x)</th><th>as</th></tr>
 *   <tr><td>{@link #RELU}</td><td>max(0, x)</td><td>{@code torch.relu}</td></tr>
 *   <tr><td>{@link #GELU}</td><td>x·Φ(x) = ½·x·erfc(−x/√2)</td><td>{@code F.gelu(x)} (exact, erf form; Hendrycks and Gimpel 2016, eq. 1)</td></tr>
 *   <tr><td>{@link #GELU_TANH}</td><td>½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</td><td>{@code F.gelu(x, approximate="tanh")} (GPT-2)</td></tr>
 *   <tr><td>{@link #SILU}</td><td>x·σ(x) = x / (1 + e^(−x))</td><td>{@code F.silu} (swish with β = 1)</td></tr>
 * </table>
 *
 * <p>Conventions: {@code ½·x·erfc(−x/√2)} equals PyTorch's {@code ½·x·(1 + erf(x/√2))} in real
 * arithmetic and avoids the cancellation of {@code 1 + erf} for negative x. Shapes are unchanged.
 * Checked by {@code ActivationTest} (hand-computed values).
 */
public enum Activation {
    RELU {
        @Override
        public double apply(double x) {
            return Math.max(0.0, x);
        }
    },
    GELU {
        @Override
        public double apply(double x) {
            // x·Φ(x), Φ(x) = ½·erfc(−x/√2)
            return 0.5 * x * Erf.erfc(-x / SQRT_TWO);
        }
    },
    GELU_TANH {
        @Override
        public double apply(double x) {
            // ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            return 0.5 * x * (1.0 + Math.tanh(SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)));
        }
    },
    SILU {
        @Override
        public double apply(double x) {
            // x·σ(x) = x / (1 + e^(−x))
            return x / (1.0 + Math.exp(-x));
        }
    };

    private static final double SQRT_TWO = Math.sqrt(2.0);
    private static final double SQRT_TWO_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /** f(x) for one value. */
    public abstract double apply(double x);

    /** f applied elementwise; the shape is unchanged. */
    public Tensor apply(Tensor x) {
        return x.map(this::apply);
    }
}
