package dev.attnref.golden.judge;

import dev.attnref.golden.Precision;

/**
 * One attention operator of a runtime, as the judge asks it a golden {@code attention} case: through its
 * own arguments only (its causal switch, its masks, its cache), so that where its convention differs from
 * the case's the judge sees it. Implemented by {@link TorchSdpa}, {@link OrtAttention23},
 * {@link OrtGroupQueryAttention} and {@link OrtMultiHeadAttention}.
 */
interface AttentionOp {
    /** The operator's name in the matrix, e.g. {@code "Attention-23"}. */
    String id();

    /** Why the operator has no argument for something {@code p} needs, or null when it can be asked. */
    String whyNot(JudgeProblem p);

    /**
     * How the case was laid out for the operator where that is more than a copy (keys repeated to every
     * head, a cache split off), or null.
     */
    String layout(JudgeProblem p);

    /**
     * Runs the operator on {@code p}, whose floating inputs are exact in {@code precision}, in that precision:
     * {@code out [B, H, T, Dv]}, widened to double.
     *
     * @throws RuntimeException when the runtime refuses the model or the inputs (its message says why)
     */
    double[] run(JudgeProblem p, Precision precision);
}
