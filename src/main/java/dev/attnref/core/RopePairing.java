package dev.attnref.core;

/**
 * Which dimensions of a rotary block rotate together (docs/MATH.md, "Rotary position embedding").
 *
 * <ul>
 *   <li>{@link #INTERLEAVED}: pairs {@code (2i, 2i+1)}, as the RoFormer paper and DeepSeek's
 *       reference code.</li>
 *   <li>{@link #SPLIT_HALVES}: pairs {@code (i, i + P/2)}, "rotate_half" as HF Llama.</li>
 * </ul>
 * Both give the same logits after the fixed permutation {@link Rope#interleavedToSplitHalves(int)}.
 */
public enum RopePairing {
    INTERLEAVED,
    SPLIT_HALVES
}
