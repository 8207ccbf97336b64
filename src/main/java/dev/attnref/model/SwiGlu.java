package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * The gated FFN of LLaMA (Shazeer 2020, "GLU Variants Improve Transformer", FFN_SwiGLU with β = 1).
 *
 * <pre>
 *   SwiGLU(x) = W_down · ( SiLU(W_gate·x) ⊙ (W_up·x) )          SiLU(z) = z·σ(z)
 * </pre>
 * Three matrices, no biases (as LLaMA's {@code FeedForward}: {@code w2(silu(w1(x)) * w3(x))},
 * with {@code w1 = W_gate}, {@code w3 = W_up}, {@code w2 = W_down}).
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M] (any leading axes)</td><td>read only</td></tr>
 *   <tr><td>W_gate, W_up</td><td>[F, M] each</td><td>Linear layout</td></tr>
 *   <tr><td>W_down</td><td>[M, F]</td><td></td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Source: seed 001 "维度通常放大 4 倍(或者 LLaMA 的 SwiGLU 结构)"; LLaMA uses F ≈ (2/3)·4M to keep
 * the parameter count of a 4M MLP. Checked by {@code FeedForwardTest} (against the definition,
 * element by element).
 */
public final class SwiGlu extends UpDownFeedForward {
    private final Linear gate;

    public SwiGlu(Linear gate, Linear up, Linear down) {
        super(up, down);
        Checks.notNull("gate", gate);
        Checks.notNull("up", up);
        Checks.notNull("down", down);
        if (gate.inFeatures() != up.inFeatures() || gate.outFeatures() != up.outFeatures()
                || !downInvertsUpShape(up, down)) {
            throw new IllegalArgumentException("SwiGLU gate (" + gate.inFeatures() + " → " + gate.outFeatures() + "), up ("
                    + up.inFeatures() + " → " + up.outFeatures() + ") and down (" + down.inFeatures() + " → "
                    + down.outFeatures() + ") must be M → F, M → F and F → M");
        }
        this.gate = gate;
    }

    /** PyTorch-default initialised layers without bias, drawn gate, up, down. */
    public static SwiGlu random(int modelWidth, int hiddenWidth, SeededRandom random) {
        Linear gate = Linear.init(modelWidth, hiddenWidth, false, random);
        Linear up = Linear.init(modelWidth, hiddenWidth, false, random);
        Linear down = Linear.init(hiddenWidth, modelWidth, false, random);
        return new SwiGlu(gate, up, down);
    }

    public Linear gate() {
        return gate;
    }

    @Override
    public Tensor forward(Tensor x, ShapeTrace trace) {
        // g = SiLU(W_gate·x)
        Tensor gated = trace.record("gate  SiLU(W_gate·x)", "B, T, F",
                Activation.SILU.apply(gate.forward(x)));                                      // [B, T, F]
        // u = W_up·x
        Tensor lifted = trace.record("up  W_up·x", "B, T, F", up().forward(x));              // [B, T, F]
        // h = g ⊙ u
        Tensor product = trace.record("g ⊙ u", "B, T, F", gated.mul(lifted));                // [B, T, F]
        // out = W_down·h
        return trace.record("down  W_down·h", "B, T, M", down().forward(product));           // [B, T, M]
    }

    @Override
    public String describe() {
        return "SwiGLU(F=" + hiddenWidth() + ")";
    }
}
