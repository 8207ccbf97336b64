package dev.attnref.model;

import dev.attnref.attention.AttentionVariant;
import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;

/**
 * Every hyper-parameter of a {@link DecoderModel} in one place (the DeepSeek {@code ModelArgs}
 * habit). Build with {@link #builder()}; defaults describe a tiny LLaMA-style GQA model.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>letter</th><th>default</th><th>contract</th></tr>
 *   <tr><td>vocabSize</td><td>V</td><td>32</td><td>≥ 1</td></tr>
 *   <tr><td>modelWidth</td><td>M</td><td>16</td><td>≥ 1</td></tr>
 *   <tr><td>numLayers</td><td>N</td><td>2</td><td>≥ 1</td></tr>
 *   <tr><td>numHeads</td><td>H</td><td>4</td><td>≥ 1</td></tr>
 *   <tr><td>numKvHeads</td><td>G</td><td>2</td><td>divides H (G = H: MHA, G = 1: MQA)</td></tr>
 *   <tr><td>headDim</td><td>D</td><td>4</td><td>≥ 1; even with RoPE (dimensions rotate in pairs)</td></tr>
 *   <tr><td>ffnWidth</td><td>F</td><td>48</td><td>≥ 1</td></tr>
 *   <tr><td>ffn</td><td></td><td>SWIGLU</td><td></td></tr>
 *   <tr><td>norm, normEps</td><td></td><td>RMS, 1e-5</td><td>ε finite, ≥ 0</td></tr>
 *   <tr><td>normAffine</td><td></td><td>true</td><td>norms carry γ (and β for LayerNorm), initialised 1 and 0</td></tr>
 *   <tr><td>placement</td><td></td><td>PRE</td><td></td></tr>
 *   <tr><td>finalNorm</td><td></td><td>true</td><td>a norm after the last block (seed 001 "Final Norm")</td></tr>
 *   <tr><td>position</td><td></td><td>ROPE</td><td></td></tr>
 *   <tr><td>maxPositions</td><td></td><td>64</td><td>rows of the learned table; ≥ 1</td></tr>
 *   <tr><td>ropeTheta, ropePairing</td><td></td><td>10000, SPLIT_HALVES</td><td>θ finite, &gt; 0</td></tr>
 *   <tr><td>tiedHead</td><td></td><td>true</td><td>LM head uses the embedding table</td></tr>
 *   <tr><td>latent</td><td></td><td>null</td><td>null: MHA/MQA/GQA from H, G, D; else MLA or MFA/MFA-KR with the
 *       widths of {@link LatentAttention} (then G and D are neither used nor checked, and position must be ROPE: these
 *       modules rotate inside attention with ropeTheta and ropePairing)</td></tr>
 * </table>
 * {@code H·D} need not equal {@code M} (W_Q and W_O bridge them); seed 001 takes {@code D = M/H}.
 */
public record DecoderConfig(int vocabSize, int modelWidth, int numLayers, int numHeads, int numKvHeads, int headDim,
        int ffnWidth, FfnKind ffn, NormKind norm, double normEps, boolean normAffine, NormPlacement placement,
        boolean finalNorm, PositionEncoding position, int maxPositions, double ropeTheta, RopePairing ropePairing,
        boolean tiedHead, LatentAttention latent) {

    public DecoderConfig {
        Checks.positive("vocabSize", vocabSize);
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numLayers", numLayers);
        Checks.positive("numHeads", numHeads);
        if (latent == null) {
            Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
            Checks.positive("headDim", headDim);
        }
        Checks.positive("ffnWidth", ffnWidth);
        Checks.notNull("ffn", ffn);
        Checks.notNull("norm", norm);
        RmsNorm.checkEps(normEps);
        Checks.notNull("placement", placement);
        Checks.notNull("position", position);
        Checks.positive("maxPositions", maxPositions);
        Checks.positiveFinite("ropeTheta", ropeTheta);
        Checks.notNull("ropePairing", ropePairing);
        if (latent == null && position == PositionEncoding.ROPE && headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim (" + headDim + ") must be even with RoPE: dimensions rotate in pairs");
        }
        if (latent != null && position != PositionEncoding.ROPE) {
            throw new IllegalArgumentException("position (" + position + ") must be ROPE with " + latent.variant().label()
                    + " attention: it applies RoPE inside attention and takes no added position table");
        }
    }

    /** The attention variant of every block: the latent one, else MHA (G = H), MQA (G = 1) or GQA. */
    public AttentionVariant attentionVariant() {
        if (latent != null) {
            return latent.variant();
        }
        return numKvHeads == numHeads ? AttentionVariant.MHA : numKvHeads == 1 ? AttentionVariant.MQA : AttentionVariant.GQA;
    }

    /**
     * G for a variant of seed 001's family ("MHA 和 MQA 都是 GQA 的特殊表达形式"): MHA has G = H, MQA
     * G = 1, GQA the requested G (must divide H) or, when {@code requestedKvHeads} is 0, the largest
     * divisor of H strictly between 1 and H. MLA and MFA do not share key/value heads this way and
     * are rejected: the decoder runs them only through an {@link AttentionLayer} of their own.
     */
    public static int numKvHeads(AttentionVariant variant, int numHeads, int requestedKvHeads) {
        Checks.notNull("variant", variant);
        Checks.positive("numHeads", numHeads);
        Checks.nonNegative("numKvHeads (0 = variant default)", requestedKvHeads);
        int fixed = switch (variant) {
            case MHA -> numHeads;
            case MQA -> 1;
            case GQA -> requestedKvHeads;
            default -> throw new IllegalArgumentException("variant " + variant.label()
                    + " is not a key/value-head-sharing variant; expected MHA, MQA or GQA (give MLA and MFA as a LatentAttention)");
        };
        if (variant != AttentionVariant.GQA) {
            if (requestedKvHeads != 0 && requestedKvHeads != fixed) {
                throw new IllegalArgumentException(variant.label() + " has numKvHeads = " + fixed + " for numHeads ("
                        + numHeads + "); got numKvHeads (" + requestedKvHeads + ")");
            }
            return fixed;
        }
        if (requestedKvHeads != 0) {
            Checks.divides("numKvHeads", requestedKvHeads, "numHeads", numHeads);
            return requestedKvHeads;
        }
        for (int g = numHeads - 1; g > 1; g--) {
            if (numHeads % g == 0) {
                return g;
            }
        }
        throw new IllegalArgumentException("GQA needs a key/value head count strictly between 1 and numHeads ("
                + numHeads + "), and " + numHeads + " has no such divisor; give numKvHeads or use MHA/MQA");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder().vocabSize(vocabSize).modelWidth(modelWidth).numLayers(numLayers).numHeads(numHeads)
                .numKvHeads(numKvHeads).headDim(headDim).ffnWidth(ffnWidth).ffn(ffn).norm(norm).normEps(normEps)
                .normAffine(normAffine).placement(placement).finalNorm(finalNorm).position(position)
                .maxPositions(maxPositions).ropeTheta(ropeTheta).ropePairing(ropePairing).tiedHead(tiedHead).latent(latent);
    }

    /** Mutable builder with the defaults of the class table. */
    public static final class Builder {
        private int vocabSize = 32;
        private int modelWidth = 16;
        private int numLayers = 2;
        private int numHeads = 4;
        private int numKvHeads = 2;
        private int headDim = 4;
        private int ffnWidth = 48;
        private FfnKind ffn = FfnKind.SWIGLU;
        private NormKind norm = NormKind.RMS;
        private double normEps = 1e-5;
        private boolean normAffine = true;
        private NormPlacement placement = NormPlacement.PRE;
        private boolean finalNorm = true;
        private PositionEncoding position = PositionEncoding.ROPE;
        private int maxPositions = 64;
        private double ropeTheta = 10000.0;
        private RopePairing ropePairing = RopePairing.SPLIT_HALVES;
        private boolean tiedHead = true;
        private LatentAttention latent;

        private Builder() {
        }

        public Builder vocabSize(int value) {
            vocabSize = value;
            return this;
        }

        public Builder modelWidth(int value) {
            modelWidth = value;
            return this;
        }

        public Builder numLayers(int value) {
            numLayers = value;
            return this;
        }

        public Builder numHeads(int value) {
            numHeads = value;
            return this;
        }

        public Builder numKvHeads(int value) {
            numKvHeads = value;
            return this;
        }

        public Builder headDim(int value) {
            headDim = value;
            return this;
        }

        public Builder ffnWidth(int value) {
            ffnWidth = value;
            return this;
        }

        public Builder ffn(FfnKind value) {
            ffn = value;
            return this;
        }

        public Builder norm(NormKind value) {
            norm = value;
            return this;
        }

        public Builder normEps(double value) {
            normEps = value;
            return this;
        }

        public Builder normAffine(boolean value) {
            normAffine = value;
            return this;
        }

        public Builder placement(NormPlacement value) {
            placement = value;
            return this;
        }

        public Builder finalNorm(boolean value) {
            finalNorm = value;
            return this;
        }

        public Builder position(PositionEncoding value) {
            position = value;
            return this;
        }

        public Builder maxPositions(int value) {
            maxPositions = value;
            return this;
        }

        public Builder ropeTheta(double value) {
            ropeTheta = value;
            return this;
        }

        public Builder ropePairing(RopePairing value) {
            ropePairing = value;
            return this;
        }

        public Builder tiedHead(boolean value) {
            tiedHead = value;
            return this;
        }

        /** MLA or MFA/MFA-KR attention in every block; null (the default) for MHA/MQA/GQA. */
        public Builder latent(LatentAttention value) {
            latent = value;
            return this;
        }

        public DecoderConfig build() {
            return new DecoderConfig(vocabSize, modelWidth, numLayers, numHeads, numKvHeads, headDim, ffnWidth, ffn, norm,
                    normEps, normAffine, placement, finalNorm, position, maxPositions, ropeTheta, ropePairing, tiedHead,
                    latent);
        }
    }
}
