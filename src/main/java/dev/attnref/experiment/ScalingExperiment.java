package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import org.knowm.xchart.XYChart;

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
        double[] xs = dims.stream().mapToDouble(Integer::doubleValue).toArray();
        double[][] entropy = new double[2][dims.size()];
        double[][] top = new double[2][dims.size()];
        double[][] jac = new double[2][dims.size()];
        for (int i = 0; i < dims.size(); i++) {
            for (int scaled = 0; scaled < 2; scaled++) {
                Saturation s = measure(dims.get(i), keys, samples, scaled == 1, SEED + dims.get(i));
                table.add(dims.get(i), scaled == 1 ? "1/sqrt(D)" : "none", keys, samples, s.entropy(), Math.log(keys),
                        s.maxWeight(), s.jacobianNorm());
                entropy[scaled][i] = s.entropy();
                top[scaled][i] = s.maxWeight();
                jac[scaled][i] = s.jacobianNorm();
            }
            context.log("D=%d: max weight %.3f unscaled vs %.3f scaled; ‖J‖ %.3g vs %.3g", dims.get(i), top[0][i], top[1][i],
                    jac[0][i], jac[1][i]);
        }
        context.write(table, "saturation");
        XYChart e = Charts.lines("Softmax entropy over " + keys + " keys vs head width", "head width D", "mean entropy (nats)",
                true, false);
        Charts.series(e, "scaled by 1/√D", xs, entropy[1]);
        Charts.series(e, "unscaled", xs, entropy[0]);
        Charts.modelled(e, "uniform (ln S)", new double[] {xs[0], xs[xs.length - 1]},
                new double[] {Math.log(keys), Math.log(keys)});
        context.chart(e, "entropy_vs_head_dim");
        XYChart m = Charts.lines("Largest attention weight vs head width", "head width D", "mean max weight", true, false);
        Charts.series(m, "scaled by 1/√D", xs, top[1]);
        Charts.series(m, "unscaled", xs, top[0]);
        context.chart(m, "max_weight_vs_head_dim");
        XYChart j = Charts.lines("Softmax Jacobian norm ‖diag(p) − ppᵀ‖_F vs head width", "head width D",
                "mean Frobenius norm (log)", true, true);
        Charts.series(j, "scaled by 1/√D", xs, jac[1]);
        Charts.series(j, "unscaled", xs, clampPositive(jac[0]));
        context.chart(j, "jacobian_vs_head_dim");
    }

    /** Log axes cannot show 0: a saturated softmax's Jacobian underflows to 0, drawn at 1e-300. */
    private static double[] clampPositive(double[] values) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(out[i], 1e-300);
        }
        return out;
    }
}
