package dev.attnref.oracle;

/**
 * What a query row with no visible key yields when hidden logits are −∞ (every logit of the row is
 * −∞, so softmax would be 0/0). docs/MATH.md ("Numerics") make zeros the reference;
 * ONNX Attention-23/24 agrees (its fully-masked-row guard). With a finite mask fill no row is all
 * −∞ unless an additive mask makes it so, and a row hidden only by boolean, causal or padding
 * masks becomes uniform, as published code with {@code masked_fill(…, −1e9)} does.
 */
public enum FullyMaskedRows {
    /** Probabilities 0 for every key, so the output row is exactly 0 (the default). */
    ZEROS,
    /** Probabilities and output NaN, as a plain softmax over −∞ gives (PyTorch eager, old runtimes). */
    NAN
}
