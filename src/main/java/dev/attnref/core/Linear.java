package dev.attnref.core;

import java.util.Arrays;

/**
 * {@code torch.nn.Linear}: {@code y = x·Wᵀ + b}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>weight W</td><td>[out, in]</td><td>PyTorch layout; finite; read only</td></tr>
 *   <tr><td>bias b</td><td>[out] or absent</td><td>finite; read only</td></tr>
 *   <tr><td>x</td><td>[…, in]</td><td>any leading axes</td></tr>
 *   <tr><td>y</td><td>[…, out]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>{@link #init} draws like PyTorch's default initialisation in distribution (not in stream):
 * {@code W, b ~ U(−1/√in, 1/√in)}, weight first, row-major, then bias. Checked by {@code LinearTest}.
 */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;

    /** A layer with the given weight {@code [out, in]} and optional bias {@code [out]} (null for none). */
    public Linear(Tensor weight, Tensor bias) {
        Checks.notNull("weight", weight);
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("Linear weight has shape " + Arrays.toString(weight.shape())
                    + "; expected [out, in]");
        }
        Checks.allFinite("Linear weight", weight.toArray());
        if (bias != null) {
            Checks.sameShape("Linear bias", bias.shape(), new int[] {weight.size(0)});
            Checks.allFinite("Linear bias", bias.toArray());
        }
        this.weight = weight;
        this.bias = bias;
    }

    /** Seeded initialisation {@code U(−1/√in, 1/√in)} for weight and (if {@code withBias}) bias. */
    public static Linear init(int in, int out, boolean withBias, SeededRandom random) {
        Checks.positive("in features", in);
        Checks.positive("out features", out);
        double bound = 1.0 / Math.sqrt(in);
        Tensor w = Tensor.uniform(random, -bound, bound, out, in);
        Tensor b = withBias ? Tensor.uniform(random, -bound, bound, out) : null;
        return new Linear(w, b);
    }

    public int inFeatures() {
        return weight.size(1);
    }

    public int outFeatures() {
        return weight.size(0);
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or {@code null} when the layer has none. */
    public Tensor bias() {
        return bias;
    }

    public boolean hasBias() {
        return bias != null;
    }

    /** {@code y = x·Wᵀ + b}: {@code [..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != inFeatures()) {
            throw new IllegalArgumentException("Linear(" + inFeatures() + " → " + outFeatures() + ") got input of shape "
                    + Arrays.toString(x.shape()) + "; expected last axis " + inFeatures());
        }
        Tensor y = x.matmul(weight.transpose(0, 1));   // [..., out]
        return bias == null ? y : y.add(bias);
    }
}
