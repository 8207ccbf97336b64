package dev.attnref.model;

import dev.attnref.core.Tensor;

/**
 * The position-wise feed-forward network of a block ("FFN 负责知识处理", seed 001):
 * {@code [B, T, M] → [B, T, F] → [B, T, M]}, each position on its own. Implemented by
 * {@link Mlp} (up, activation, down) and {@link SwiGlu} (gated).
 */
public interface FeedForward {
    /** The model width {@code M} (input and output). */
    int modelWidth();

    /** The hidden width {@code F}. */
    int hiddenWidth();

    /** {@code [..., M] → [..., M]}, recording the hidden shapes to {@code trace}. */
    Tensor forward(Tensor x, ShapeTrace trace);

    /** A short description for traces, e.g. {@code SwiGLU(F=48)}. */
    String describe();
}
