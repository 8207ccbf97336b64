package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Root-mean-square normalisation (Zhang and Sennrich 2019, eq. 4; LLaMA's {@code RMSNorm}).
 *
 * <pre>
 *   y[…, d] = x[…, d] / √( (1/M) Σ_e x[…, e]² + ε ) · γ[d]
 * </pre>
 * No mean is subtracted and there is no bias.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[…, M]</td><td>read only; any leading axes</td></tr>
 *   <tr><td>γ (weight)</td><td>[M] or absent</td><td>finite; absent means γ = 1 (no affine)</td></tr>
 *   <tr><td>ε</td><td>scalar ≥ 0</td><td>finite; ε = 0 leaves a zero row as 0/0 = NaN</td></tr>
 *   <tr><td>y</td><td>[…, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Law: for {@code c > 0}, {@code RMSNorm_ε(c·x) = RMSNorm_{ε/c²}(x)}; in particular with
 * {@code ε = 0} it is scale invariant. Checked by {@code NormTest}.
 */
public final class RmsNorm implements Norm {
    private final int width;
    private final double eps;
    private final Tensor weight;

    /** RMSNorm over width {@code M} with optional gain {@code weight [M]} (null for none). */
    public RmsNorm(int width, double eps, Tensor weight) {
        this.width = Checks.positive("RMSNorm width", width);
        this.eps = checkEps(eps);
        if (weight != null) {
            Checks.sameShape("RMSNorm weight", weight.shape(), new int[] {width});
            Checks.allFinite("RMSNorm weight", weight.toArray());
        }
        this.weight = weight;
    }

    static double checkEps(double eps) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("norm eps (" + eps + ") must be finite and ≥ 0");
        }
        return eps;
    }

    static void checkInput(String norm, Tensor x, int width) {
        if (x.dim() == 0 || x.size(-1) != width) {
            throw new IllegalArgumentException(norm + " over width " + width + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected last axis " + width);
        }
    }

    @Override
    public int width() {
        return width;
    }

    public double eps() {
        return eps;
    }

    /** The gain γ, or {@code null} when the norm has no affine part. */
    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput("RMSNorm", x, width);
        // r = √(mean_d x² + ε)
        Tensor rms = x.mul(x).mean(-1, true).add(eps).sqrt();   // [..., 1]
        // y = x / r · γ
        Tensor y = x.div(rms);                                    // [..., M]
        return weight == null ? y : y.mul(weight);
    }

    @Override
    public String describe() {
        return "RMSNorm(ε=" + eps + (weight == null ? ", no affine)" : ")");
    }
}
