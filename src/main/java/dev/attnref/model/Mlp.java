package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * The two-layer FFN of seed 001: up-projection, activation, down-projection.
 *
 * <pre>
 *   FFN(x) = W_down · f(W_up · x + b_up) + b_down          f ∈ {ReLU, GELU, GELU-tanh, SiLU}
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M] (any leading axes)</td><td>read only</td></tr>
 *   <tr><td>W_up</td><td>[F, M] (Linear layout)</td><td>optional bias [F]</td></tr>
 *   <tr><td>W_down</td><td>[M, F]</td><td>optional bias [M]</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Source: seed 001 "Feed Forward Network"; F is "通常放大 4 倍". Checked by {@code FeedForwardTest}.
 */
public final class Mlp extends UpDownFeedForward {
    private final Activation activation;

    public Mlp(Linear up, Activation activation, Linear down) {
        super(up, down);
        Checks.notNull("up", up);
        Checks.notNull("down", down);
        this.activation = Checks.notNull("activation", activation);
        if (!downInvertsUpShape(up, down)) {
            throw new IllegalArgumentException("MLP up (" + up.inFeatures() + " → " + up.outFeatures() + ") and down ("
                    + down.inFeatures() + " → " + down.outFeatures() + ") must be M → F and F → M");
        }
    }

    /** PyTorch-default initialised layers without bias ({@link Linear#init}), up first then down. */
    public static Mlp random(int modelWidth, int hiddenWidth, Activation activation, SeededRandom random) {
        Linear up = Linear.init(modelWidth, hiddenWidth, false, random);
        Linear down = Linear.init(hiddenWidth, modelWidth, false, random);
        return new Mlp(up, activation, down);
    }

    public Activation activation() {
        return activation;
    }

    @Override
    public Tensor forward(Tensor x, ShapeTrace trace) {
        // u = W_up·x + b_up
        Tensor hidden = trace.record("up  W_up·x", "B, T, F", up().forward(x));                 // [B, T, F]
        // a = f(u)
        Tensor activated = trace.record(activation.name().toLowerCase() + "(·)", "B, T, F",
                activation.apply(hidden));                                                         // [B, T, F]
        // out = W_down·a + b_down
        return trace.record("down  W_down·a", "B, T, M", down().forward(activated));             // [B, T, M]
    }

    @Override
    public String describe() {
        return "MLP(" + activation.name().toLowerCase() + ", F=" + hiddenWidth() + ")";
    }
}
