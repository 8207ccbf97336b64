package dev.attnref.model;

import dev.attnref.core.Tensor;

/**
 * A normalisation over the last axis ("对最后一个维度 D 进行归一化", seed 001):
 * {@code [..., M] → [..., M]}, each row on its own. Implemented by {@link RmsNorm} and
 * {@link LayerNorm}.
 */
public interface Norm {
    /** The width {@code M} of the normalised axis. */
    int width();

    /** Normalises each row of the last axis; the shape is unchanged. */
    Tensor forward(Tensor x);

    /** A short description for traces, e.g. {@code RMSNorm(ε=1e-05)}. */
    String describe();
}
