package dev.attnref.golden;

import dev.attnref.model.Mlp;
import dev.attnref.model.SwiGlu;

/**
 * Variant {@code ffn}: the feed-forward network of a decoder block, an MLP
 * {@code y = W_down f(W_up x + b_up) + b_down} with f ∈ {ReLU, GELU (erf), GELU (tanh), SiLU}, or SwiGLU
 * {@code y = W_down (SiLU(W_gate x) ⊙ W_up x)}. Tensors: {@code x [B, T, M]}, {@code ffn.w_gate [F, M]}
 * (SwiGLU), {@code ffn.w_up [F, M]}, {@code ffn.b_up [F]}, {@code ffn.w_down [M, F]}, {@code ffn.b_down [M]}
 * (MLP with bias) → {@code output [B, T, M]}. Reference: {@link Mlp}, {@link SwiGlu}.
 */
final class FfnVariant extends PartVariant {
    FfnVariant() {
        super("ffn", ModelParts.FfnSettings::parse);
    }
}
