package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;

/**
 * Layer normalisation (Ba, Kiros and Hinton 2016), as {@code torch.nn.LayerNorm} over the last axis.
 *
 * <pre>
 *   μ = (1/M) Σ_d x[…, d]        σ² = (1/M) Σ_d (x[…, d] − μ)²        (biased variance, as PyTorch)
 *   y[…, d] = (x[…, d] − μ) / √(σ² + ε) · γ[d] + β[d]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[…, M]</td><td>read only; any leading axes</td></tr>
 *   <tr><td>γ (weight)</td><td>[M] or absent</td><td>finite; absent means γ = 1</td></tr>
 *   <tr><td>β (bias)</td><td>[M] or absent</td><td>finite; absent means β = 0</td></tr>
 *   <tr><td>ε</td><td>scalar ≥ 0</td><td>finite; ε = 0 leaves a constant row as 0/0 = NaN</td></tr>
 *   <tr><td>y</td><td>[…, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Laws: shift invariance {@code LN(x + c·1) = LN(x)} for any real c; scale
 * {@code LN_ε(a·x) = LN_{ε/a²}(x)} for {@code a > 0} (scale invariant when {@code ε = 0}). Checked
 * by {@code NormTest}.
 */
public final class LayerNorm implements Norm {
    private final int width;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    /** LayerNorm over width {@code M} with optional {@code weight [M]} and {@code bias [M]} (null for none). */
    public LayerNorm(int width, double eps, Tensor weight, Tensor bias) {
        this.width = Checks.positive("LayerNorm width", width);
        this.eps = RmsNorm.checkEps(eps);
        if (weight != null) {
            Checks.sameShape("LayerNorm weight", weight.shape(), new int[] {width});
            Checks.allFinite("LayerNorm weight", weight.toArray());
        }
        if (bias != null) {
            Checks.sameShape("LayerNorm bias", bias.shape(), new int[] {width});
            Checks.allFinite("LayerNorm bias", bias.toArray());
        }
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public int width() {
        return width;
    }

    public double eps() {
        return eps;
    }

    /** The gain γ, or {@code null} for none. */
    public Tensor weight() {
        return weight;
    }

    /** The bias β, or {@code null} for none. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        RmsNorm.checkInput("LayerNorm", x, width);
        // μ = mean_d x
        Tensor mean = x.mean(-1, true);                            // [..., 1]
        Tensor centred = x.sub(mean);                              // [..., M]
        // σ² = mean_d (x − μ)²
        Tensor variance = centred.mul(centred).mean(-1, true);     // [..., 1]
        // y = (x − μ)/√(σ² + ε) · γ + β
        Tensor y = centred.div(variance.add(eps).sqrt());          // [..., M]
        if (weight != null) {
            y = y.mul(weight);
        }
        return bias == null ? y : y.add(bias);
    }

    @Override
    public String describe() {
        return "LayerNorm(ε=" + eps + (weight == null && bias == null ? ", no affine)" : ")");
    }
}
