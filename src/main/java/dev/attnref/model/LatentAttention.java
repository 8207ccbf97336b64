package dev.attnref.model;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.AttentionVariant;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaSettings;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * The attention of a {@link DecoderModel} when it is not a key/value-head-sharing one (MHA, MQA,
 * GQA): DeepSeek's MLA or StepFun's MFA / MFA-KR, with every width given explicitly. The model
 * width M and head count H come from {@link DecoderConfig}; so do the RoPE base θ and pairing,
 * which these modules apply inside attention (MLA to its P decoupled dims, MFA to all C dims).
 *
 * <table>
 *   <caption>MLA fields ({@link Mla}; docs/MATH.md "MLA", {@link MlaShape})</caption>
 *   <tr><th>field</th><th>letter</th><th>contract</th></tr>
 *   <tr><td>qLoraRank</td><td>C_q</td><td>≥ 0; 0 = no query compression (q = W_Q x)</td></tr>
 *   <tr><td>kvLoraRank</td><td>C</td><td>≥ 1; the cached latent width</td></tr>
 *   <tr><td>qkNopeHeadDim</td><td>D_nope</td><td>≥ 1</td></tr>
 *   <tr><td>qkRopeHeadDim</td><td>P</td><td>≥ 2, even</td></tr>
 *   <tr><td>vHeadDim</td><td>Dv</td><td>≥ 1</td></tr>
 *   <tr><td>form</td><td></td><td>{@link MlaForm#NAIVE} (per-head keys and values cached) or
 *       {@link MlaForm#ABSORBED} (c_kv and k_R cached; run-time reassociation, DeepSeek-V3 "absorb")</td></tr>
 *   <tr><td>rmsEps</td><td>ε</td><td>&gt; 0, finite; the latent RMSNorms (not the block norms)</td></tr>
 * </table>
 * <table>
 *   <caption>MFA fields ({@link Mfa}; docs/MATH.md "MFA and MFA-KR", {@link MfaShape})</caption>
 *   <tr><th>field</th><th>letter</th><th>contract</th></tr>
 *   <tr><td>queryRank</td><td>C_q</td><td>≥ 1</td></tr>
 *   <tr><td>headDim</td><td>C</td><td>≥ 2, even (every pair rotates); the shared key/value head width</td></tr>
 *   <tr><td>keyReuse</td><td></td><td>false: MFA (S_V); true: MFA-KR (v = (I + diag(α) N) k̄, only k̄ cached)</td></tr>
 *   <tr><td>rmsEps</td><td>ε</td><td>&gt; 0, finite; the query-path RMSNorm</td></tr>
 * </table>
 *
 * <p>No YaRN: the MLA softmax scale is {@code 1/√(D_nope + P)}. Checked by {@code LatentDecoderTest}.
 */
public sealed interface LatentAttention permits LatentAttention.Mla, LatentAttention.Mfa {

    /** MLA (naive) or MLA (absorbed). */
    enum MlaForm {
        NAIVE,
        ABSORBED
    }

    /** The variant id: MLA, MFA or MFA-KR. */
    AttentionVariant variant();

    /** A seeded attention layer of model width {@code modelWidth} with {@code numHeads} query heads. */
    AttentionLayer<?> random(int modelWidth, int numHeads, double ropeTheta, RopePairing pairing, SeededRandom random);

    /** DeepSeek multi-head latent attention. */
    record Mla(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim, MlaForm form,
            double rmsEps) implements LatentAttention {
        public Mla {
            MlaShape.checkWidths(qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim);
            Checks.notNull("form", form);
            Checks.positiveFinite("rmsEps", rmsEps);
        }

        @Override
        public AttentionVariant variant() {
            return AttentionVariant.MLA;
        }

        /** The same configuration in the other form (the weights a model draws do not depend on it). */
        public Mla withForm(MlaForm other) {
            return new Mla(qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim, other, rmsEps);
        }

        /** The attention package's shape for model width M and H heads. */
        public MlaShape shape(int modelWidth, int numHeads) {
            return new MlaShape(modelWidth, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim);
        }

        /** Weights drawn by {@link MlaWeights#random} (its documented order and distributions). */
        @Override
        public AttentionLayer<?> random(int modelWidth, int numHeads, double ropeTheta, RopePairing pairing,
                SeededRandom random) {
            MlaWeights weights = MlaWeights.random(shape(modelWidth, numHeads),
                    new MlaWeights.Settings(ropeTheta, pairing, rmsEps, 1.0, 1.0), random);
            return layer(weights);
        }

        /** This form over given weights. */
        public AttentionLayer<?> layer(MlaWeights weights) {
            return form == MlaForm.NAIVE ? LatentAttentionLayer.naiveMla(new NaiveMla(weights))
                    : LatentAttentionLayer.absorbedMla(new AbsorbedMla(weights));
        }
    }

    /** Multi-matrix factorization attention, with or without key reuse. */
    record Mfa(int queryRank, int headDim, boolean keyReuse, double rmsEps) implements LatentAttention {
        public Mfa {
            Checks.positive("queryRank", queryRank);
            Checks.positive("headDim", headDim);
            if (headDim % 2 != 0) {
                throw new IllegalArgumentException("MFA headDim (" + headDim
                        + ") must be even: RoPE rotates every pair of the shared head");
            }
            Checks.positiveFinite("rmsEps", rmsEps);
        }

        @Override
        public AttentionVariant variant() {
            return keyReuse ? AttentionVariant.MFA_KR : AttentionVariant.MFA;
        }

        public MfaShape shape(int modelWidth, int numHeads) {
            return new MfaShape(modelWidth, numHeads, queryRank, headDim, keyReuse);
        }

        /**
         * Weights drawn by {@link dev.attnref.attention.Mfa#random} or {@link MfaKeyReuse#random}; for
         * MFA-KR then α from {@code U(−0.5, 0.5)} (C draws): the module initialises α = 0, which makes
         * v = k̄ and leaves N unused, so a random test model would never exercise the value path.
         */
        @Override
        public AttentionLayer<?> random(int modelWidth, int numHeads, double ropeTheta, RopePairing pairing,
                SeededRandom random) {
            MfaShape shape = shape(modelWidth, numHeads);
            MfaSettings settings = new MfaSettings(ropeTheta, pairing, rmsEps);
            if (!keyReuse) {
                return LatentAttentionLayer.mfa(dev.attnref.attention.Mfa.random(shape, settings, random));
            }
            MfaKeyReuse module = MfaKeyReuse.random(shape, settings, random);
            return LatentAttentionLayer.mfaKeyReuse(module.withAlpha(Tensor.uniform(random, -0.5, 0.5, headDim)));
        }
    }
}
