package dev.attnref.cli;

import dev.attnref.attention.AttentionVariant;
import dev.attnref.core.Checks;
import dev.attnref.model.DecoderConfig;
import dev.attnref.model.FfnKind;
import dev.attnref.model.NormKind;
import dev.attnref.model.NormPlacement;
import dev.attnref.model.PositionEncoding;
import picocli.CommandLine.Option;

/** The options that describe a tiny seeded decoder, shared by {@code trace} and {@code generate}. */
final class ModelOptions {
    @Option(names = "--variant", defaultValue = "GQA", description = "MHA, MQA or GQA (MLA and MFA are not in the decoder yet) (default: ${DEFAULT-VALUE})")
    AttentionVariant variant;

    @Option(names = "--vocab", defaultValue = "32", description = "vocabulary size V (default: ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--model-width", defaultValue = "16", description = "model width M (default: ${DEFAULT-VALUE})")
    int modelWidth;

    @Option(names = "--layers", defaultValue = "2", description = "number of blocks N (default: ${DEFAULT-VALUE})")
    int numLayers;

    @Option(names = "--heads", defaultValue = "4", description = "query heads H (default: ${DEFAULT-VALUE})")
    int numHeads;

    @Option(names = "--kv-heads", defaultValue = "0",
            description = "key/value heads G; 0 = the variant's default (MHA: H, MQA: 1, GQA: largest divisor of H below H)")
    int numKvHeads;

    @Option(names = "--head-dim", defaultValue = "0", description = "head width D; 0 = M / H")
    int headDim;

    @Option(names = "--ffn", defaultValue = "SWIGLU",
            description = "RELU, GELU, GELU_TANH, SILU or SWIGLU (default: ${DEFAULT-VALUE})")
    FfnKind ffn;

    @Option(names = "--ffn-width", defaultValue = "0", description = "FFN hidden width F; 0 = 3M (SwiGLU) or 4M")
    int ffnWidth;

    @Option(names = "--norm", defaultValue = "RMS", description = "RMS or LAYER (default: ${DEFAULT-VALUE})")
    NormKind norm;

    @Option(names = "--placement", defaultValue = "PRE", description = "PRE or POST norm (default: ${DEFAULT-VALUE})")
    NormPlacement placement;

    @Option(names = "--position", defaultValue = "ROPE", description = "ROPE or LEARNED (default: ${DEFAULT-VALUE})")
    PositionEncoding position;

    @Option(names = "--untied", description = "give the LM head its own matrix instead of the embedding's")
    boolean untied;

    @Option(names = "--model-seed", defaultValue = "1", description = "seed of the model weights (default: ${DEFAULT-VALUE})")
    long modelSeed;

    DecoderConfig config() {
        int kvHeads = DecoderConfig.numKvHeads(variant, numHeads, numKvHeads);
        if (headDim == 0) {
            Checks.divides("--heads", numHeads, "--model-width", modelWidth);
        }
        int width = headDim > 0 ? headDim : modelWidth / numHeads;
        int hidden = ffnWidth > 0 ? ffnWidth : (ffn == FfnKind.SWIGLU ? 3 : 4) * modelWidth;
        return DecoderConfig.builder().vocabSize(vocabSize).modelWidth(modelWidth).numLayers(numLayers)
                .numHeads(numHeads).numKvHeads(kvHeads).headDim(width).ffnWidth(hidden).ffn(ffn).norm(norm)
                .placement(placement).position(position).tiedHead(!untied).build();
    }
}
