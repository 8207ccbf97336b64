package dev.attnref.golden;

import dev.attnref.model.LayerNorm;
import dev.attnref.model.RmsNorm;

/**
 * Variant {@code norm}: RMSNorm {@code y = x / √(mean(x²) + ε) ⊙ γ} or LayerNorm
 * {@code y = (x − μ) / √(σ² + ε) ⊙ γ + β} (biased variance) over the last axis, with or without the
 * affine part. Tensors: {@code x [B, T, M]}, {@code norm.weight [M]}, {@code norm.bias [M]} (LayerNorm) →
 * {@code output [B, T, M]}. Reference: {@link RmsNorm}, {@link LayerNorm}.
 */
final class NormVariant extends PartVariant {
    NormVariant() {
        super("norm", ModelParts.NormSettings::parse);
    }
}
