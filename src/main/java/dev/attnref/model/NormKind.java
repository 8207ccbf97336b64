package dev.attnref.model;

/** Which normalisation a {@link DecoderConfig} uses: {@link RmsNorm} (LLaMA) or {@link LayerNorm} (GPT-2). */
public enum NormKind {
    RMS,
    LAYER
}
