package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;

import java.util.List;

/**
 * E06 — scaling and saturation: how peaked the softmax over S keys gets as the head width D grows,
 * with and without the 1/√D scale, and how small its Jacobian (the gradient through softmax) gets.
 *
 * <pre>
 *   q, k_s ~ N(0, I_D)           logit_s = c · q·k_s,  c = 1/√D (scaled) or 1 (unscaled)
 *   Var(q·k_s) = D               so unscaled logits spread as √D, scaled ones stay at 1
 *   p = softmax(logit)           entropy H(p) = −Σ p_s ln p_s  (ln S when uniform)
 *   J = diag(p) − p pᵀ           ‖J‖_F² = Σ p² − 2 Σ p³ + (Σ p²)²   → 0 as p becomes one-hot
 * </pre>
 *
 * Each figure is the mean over {@code samples} independent queries and key sets. The scale costs one
 * multiply per logit (or D per query when folded into q): the complexity of the two is the same.
 * Evidence for claim C-SCALE-GRAD.
 */
public final class ScalingExperiment implements Experiment {
    private static final long SEED = 0xE06L;

    @Override
    public String id() {
        return "E06";
    }

    @Override
    public String folder() {
        return "E06-scaling";
    }

    @Override
    public String title() {
        return "Softmax saturation vs head width, with and without 1/√D";
    }

    /** Mean entropy, mean max weight and mean ‖J‖_F over samples. */
    public record Saturation(double entropy, double maxWeight, double jacobianNorm) {
    }

    /** Softmax statistics of {@code samples} random (q, K) draws at width D over S keys. */
    public static Saturation measure(int headDim, int keys, int samples, boolean scaled, long seed) {
        SeededRandom random = new SeededRandom(seed);
        double scale = scaled ? 1 / Math.sqrt(headDim) : 1;
        double entropy = 0;
        double maxWeight = 0;
        double jacobian = 0;
        double[] logits = new double[keys];
        for (int n = 0; n < samples; n++) {
            double[] q = random.gaussians(headDim, 1);
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < keys; s++) {
                double dot = 0;
                for (int d = 0; d < headDim; d++) {
                    dot += q[d] * random.nextGaussian();
                }
                logits[s] = scale * dot;
                max = Math.max(max, logits[s]);
            }
            double sum = 0;
            for (int s = 0; s < keys; s++) {
                logits[s] = Math.exp(logits[s] - max);
                sum += logits[s];
            }
            double h = 0;
            double top = 0;
            double p2 = 0;
            double p3 = 0;
            for (int s = 0; s < keys; s++) {
                double p = logits[s] / sum;
                if (p > 0) {
                    h -= p * Math.log(p);
                }
                top = Math.max(top, p);
                p2 += p * p;
                p3 += p * p * p;
            }
            entropy += h;
            maxWeight += top;
            jacobian += Math.sqrt(Math.max(0, p2 - 2 * p3 + p2 * p2));
        }
        return new Saturation(entropy / samples, maxWeight / samples, jacobian / samples);
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        List<Integer> dims = spec.integers("headDims");
        int keys = spec.integer("keys");
        int samples = spec.integer("samples");
        Results table = Results.of("saturation", "head_dim:i", "scaled:s", "keys:i", "samples:i", "mean_entropy_nats:d",
                "uniform_entropy_nats:d", "mean_max_weight:d", "mean_jacobian_frobenius:d");
        for (int i = 0; i < dims.size(); i++) {
            for (int scaled = 0; scaled < 2; scaled++) {
                Saturation s = measure(dims.get(i), keys, samples, scaled == 1, SEED + dims.get(i));
                table.add(dims.get(i), scaled == 1 ? "1/sqrt(D)" : "none", keys, samples, s.entropy(), Math.log(keys),
                        s.maxWeight(), s.jacobianNorm());
                context.log("D=%d %s: max weight %.3f, ‖J‖ %.3g", dims.get(i), scaled == 1 ? "scaled" : "unscaled",
                        s.maxWeight(), s.jacobianNorm());
            }
        }
        context.write(table, "saturation");
        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        ScalingCharts.draw(charts);
    }
}
