package dev.attnref.mirror;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code nn.Linear(in_features, out_features, bias=…)} as a {@link MirrorModule}: {@code y = x·Wᵀ + b}
 * with {@code W} of shape {@code [out, in]} (state-dict names {@code weight}, {@code bias}).
 * Initialised by {@link Linear#init} ({@code U(−1/√in, 1/√in)}, weight then bias, PyTorch's default
 * in distribution); replaced wholesale by {@link #loadStateDict}. Checked by {@code MirrorModuleTest}.
 */
public final class NnLinear extends MirrorModule {
    private Linear linear;

    /** {@code nn.Linear(in, out, bias=bias)} with weights drawn from {@code random}. */
    public NnLinear(int in, int out, boolean bias, SeededRandom random) {
        this.linear = Linear.init(in, out, bias, random);
    }

    /** {@code self.linear(x)}: {@code [..., in] → [..., out]}. */
    public Tensor forward(Tensor x) {
        return linear.forward(x);
    }

    /** The current layer (weight {@code [out, in]}, bias {@code [out]} or none). */
    public Linear linear() {
        return linear;
    }

    @Override
    protected Map<String, Tensor> ownParameters() {
        Map<String, Tensor> own = new LinkedHashMap<>();
        own.put("weight", linear.weight());
        if (linear.hasBias()) {
            own.put("bias", linear.bias());
        }
        return own;
    }

    @Override
    protected void loadOwnParameters(Map<String, Tensor> values) {
        linear = new Linear(values.get("weight"), values.get("bias"));
    }
}
