package dev.attnref.golden;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.Mfa;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaSettings;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.Tensor;
import dev.attnref.model.Activation;
import dev.attnref.model.AttentionLayer;
import dev.attnref.model.DecoderBlock;
import dev.attnref.model.FeedForward;
import dev.attnref.model.LatentAttentionLayer;
import dev.attnref.model.LayerNorm;
import dev.attnref.model.Mlp;
import dev.attnref.model.Norm;
import dev.attnref.model.NormPlacement;
import dev.attnref.model.RmsNorm;
import dev.attnref.model.ShapeTrace;
import dev.attnref.model.SwiGlu;
import dev.attnref.model.WalkthroughAttention;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.OracleMfa;
import dev.attnref.oracle.OracleMla;
import dev.attnref.oracle.QueryPositions;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder pieces the model variants share: how a norm, an FFN and a block's attention are
 * configured in a case ({@code {"kind", "eps", "affine"}}, {@code {"kind", "activation", "hidden_width",
 * "bias"}}, an attention part: {@code {"num_heads", "num_kv_heads", "head_dim", "rope"}} or, with
 * {@code "kind": "mla"} / {@code "mfa"}, the widths of variants {@code mla} / {@code mfa}), which tensors
 * they read under a name prefix, and the model classes built from them.
 */
final class ModelParts {
    private ModelParts() {
    }

    /** A part applied at each position on its own, {@code x [B, T, M] → y [B, T, M]}: a norm or an FFN. */
    interface PositionwisePart {
        /** The part's tensors under {@code prefix}, for model width M = {@code width}. */
        void specs(List<TensorSpec> out, String prefix, int width);

        /** {@code y = part(x)}, the part built from the tensors under {@code prefix}. */
        Tensor forward(CaseInputs in, String prefix, int width, Tensor x);

        /** The model class that computes it. */
        Class<?> modelClass();
    }

    /** A norm: RMSNorm or LayerNorm, ε, and whether it has γ (and, for LayerNorm, β). */
    record NormSettings(boolean layer, double eps, boolean affine) implements PositionwisePart {
        static NormSettings parse(CaseConfig c) {
            boolean layer = c.choice("kind", "rms", "layer").equals("layer");
            double eps = c.finite("eps");
            if (eps < 0) {
                throw new IllegalArgumentException(c.path() + ".eps (" + eps + ") must be ≥ 0");
            }
            return new NormSettings(layer, eps, c.bool("affine"));
        }

        @Override
        public void specs(List<TensorSpec> out, String prefix, int width) {
            if (affine) {
                out.add(TensorSpec.floats(prefix + ".weight", TensorSpec.Fill.GAIN, List.of("M"), width));
                if (layer) {
                    out.add(TensorSpec.floats(prefix + ".bias", TensorSpec.Fill.SMALL, List.of("M"), width));
                }
            }
        }

        Norm build(CaseInputs in, String prefix, int width) {
            return layer
                    ? new LayerNorm(width, eps, in.tensorOrNull(prefix + ".weight"), in.tensorOrNull(prefix + ".bias"))
                    : new RmsNorm(width, eps, in.tensorOrNull(prefix + ".weight"));
        }

        @Override
        public Tensor forward(CaseInputs in, String prefix, int width, Tensor x) {
            return build(in, prefix, width).forward(x);
        }

        @Override
        public Class<?> modelClass() {
            return layer ? LayerNorm.class : RmsNorm.class;
        }
    }

    /** An FFN: an MLP with one activation (optional biases) or SwiGLU (no biases), hidden width F. */
    record FfnSettings(Activation activation, int hiddenWidth, boolean bias) implements PositionwisePart {
        static FfnSettings parse(CaseConfig c) {
            boolean swiglu = c.choice("kind", "mlp", "swiglu").equals("swiglu");
            int hidden = c.positive("hidden_width");
            if (swiglu) {
                return new FfnSettings(null, hidden, false);
            }
            Activation activation = switch (c.choice("activation", "relu", "gelu", "gelu_tanh", "silu")) {
                case "relu" -> Activation.RELU;
                case "gelu" -> Activation.GELU;
                case "gelu_tanh" -> Activation.GELU_TANH;
                default -> Activation.SILU;
            };
            return new FfnSettings(activation, hidden, c.bool("bias"));
        }

        boolean swiglu() {
            return activation == null;
        }

        @Override
        public void specs(List<TensorSpec> out, String prefix, int width) {
            if (swiglu()) {
                out.add(TensorSpec.weight(prefix + ".w_gate", "F", "M", hiddenWidth, width));
            }
            out.add(TensorSpec.weight(prefix + ".w_up", "F", "M", hiddenWidth, width));
            if (bias) {
                out.add(TensorSpec.bias(prefix + ".b_up", "F", hiddenWidth, width));
            }
            out.add(TensorSpec.weight(prefix + ".w_down", "M", "F", width, hiddenWidth));
            if (bias) {
                out.add(TensorSpec.bias(prefix + ".b_down", "M", width, hiddenWidth));
            }
        }

        FeedForward build(CaseInputs in, String prefix) {
            Linear up = new Linear(in.tensor(prefix + ".w_up"), in.tensorOrNull(prefix + ".b_up"));
            Linear down = new Linear(in.tensor(prefix + ".w_down"), in.tensorOrNull(prefix + ".b_down"));
            return swiglu() ? new SwiGlu(new Linear(in.tensor(prefix + ".w_gate"), null), up, down)
                    : new Mlp(up, activation, down);
        }

        @Override
        public Tensor forward(CaseInputs in, String prefix, int width, Tensor x) {
            return build(in, prefix).forward(x, ShapeTrace.off());
        }

        @Override
        public Class<?> modelClass() {
            return swiglu() ? SwiGlu.class : Mlp.class;
        }
    }

    /**
     * A block's causal self-attention, one of three kinds told apart by the optional {@code kind}
     * key (absent: the GQA family of v1's first cases): the tensors it reads under a prefix, the
     * model layer built from them, and an independent computation through the loop oracles for the
     * generator's cross-check. Every kind runs at positions 0 … T−1 of a fresh cache.
     */
    sealed interface AttentionSettings permits GqaPart, MlaPart, MfaPart {
        /** Reads the part; its {@code rope_scaling} may be one of {@code ropeTypes} that the kind defines. */
        static AttentionSettings parse(CaseConfig c, List<String> ropeTypes) {
            String kind = c.optionalChoice("kind", "gqa", "mla", "mfa");
            if ("mla".equals(kind)) {
                return MlaPart.parse(c, ropeTypes);
            }
            if ("mfa".equals(kind)) {
                return MfaPart.parse(c);
            }
            return GqaPart.parse(c, ropeTypes);
        }

        /** H: query heads, which size the scores [B, H, T, T]. */
        int numHeads();

        void specs(List<TensorSpec> out, String prefix, int width);

        AttentionLayer<?> build(CaseInputs in, String prefix);

        /** {@code x [B, T, M] → [B, T, M]}: the same attention from the oracle package. */
        Tensor oracle(CaseInputs in, String prefix, Tensor x);

        /** The oracle class of {@link #oracle}, for provenance. */
        String oracleName();
    }

    /**
     * MHA/MQA/GQA: H, G, D and optional RoPE (any scaling rule but YaRN, whose softmax multiplier this part has no
     * scale to carry); projections without bias, Dv = D.
     */
    record GqaPart(int numHeads, int numKvHeads, int headDim, Rope rope) implements AttentionSettings {
        static GqaPart parse(CaseConfig c, List<String> ropeTypes) {
            int numHeads = c.positive("num_heads");
            int numKvHeads = AttentionKeys.numKvHeads(c, numHeads);
            int headDim = c.positive("head_dim");
            return new GqaPart(numHeads, numKvHeads, headDim,
                    AttentionKeys.ropeOrNull(c, headDim, AttentionKeys.without(ropeTypes, "yarn")));
        }

        @Override
        public void specs(List<TensorSpec> out, String prefix, int width) {
            out.add(TensorSpec.weight(prefix + ".w_q", "H·D", "M", numHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_k", "G·D", "M", numKvHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_v", "G·D", "M", numKvHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_o", "M", "H·D", width, numHeads * headDim));
        }

        @Override
        public WalkthroughAttention build(CaseInputs in, String prefix) {
            return new WalkthroughAttention(numHeads, numKvHeads, headDim, new Linear(in.tensor(prefix + ".w_q"), null),
                    new Linear(in.tensor(prefix + ".w_k"), null), new Linear(in.tensor(prefix + ".w_v"), null),
                    new Linear(in.tensor(prefix + ".w_o"), null), rope);
        }

        /** Projections, RoPE at 0 … T−1, {@link OracleAttention} causal top-left, merge, W_O. */
        @Override
        public Tensor oracle(CaseInputs in, String prefix, Tensor x) {
            int batch = x.size(0);
            int len = x.size(1);
            Tensor q = heads(new Linear(in.tensor(prefix + ".w_q"), null).forward(x), numHeads, headDim);
            Tensor k = heads(new Linear(in.tensor(prefix + ".w_k"), null).forward(x), numKvHeads, headDim);
            Tensor v = heads(new Linear(in.tensor(prefix + ".w_v"), null).forward(x), numKvHeads, headDim);
            if (rope != null) {
                q = rope.apply(q, 0);
                k = rope.apply(k, 0);
            }
            double[] o = OracleAttention.attend(AttentionProblem.builder().batch(batch).numHeads(numHeads)
                    .numKvHeads(numKvHeads).qLen(len).newKvLen(len).headDim(headDim).valueHeadDim(headDim)
                    .query(q.toArray()).key(k.toArray()).value(v.toArray())
                    .causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT)).build()).output();   // [B, H, T, D]
            Tensor merged = Tensor.of(o, batch, numHeads, len, headDim).transpose(1, 2)
                    .reshape(batch, len, numHeads * headDim);                                   // [B, T, H·D]
            return new Linear(in.tensor(prefix + ".w_o"), null).forward(merged);               // [B, T, M]
        }

        private static Tensor heads(Tensor projected, int n, int width) {
            return projected.view(projected.size(0), projected.size(1), n, width).transpose(1, 2).contiguous();
        }

        @Override
        public String oracleName() {
            return OracleAttention.class.getName();
        }
    }

    /**
     * DeepSeek MLA as variant {@code mla} computes it, without {@code yarn_mscale} and {@code yarn_factor}
     * (scale 1/√(D_nope + P), times m² under an active {@code yarn} rule of the optional {@code rope_scaling});
     * {@code form} picks the module the model runs ({@code naive}: {@link NaiveMla}, {@code absorbed}:
     * {@link AbsorbedMla} with run-time reassociation). Tensor names as in variant {@code mla}.
     */
    record MlaPart(int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim,
            double ropeTheta, RopePairing pairing, double rmsEps, boolean absorbed, RopeScaling scaling)
            implements AttentionSettings {
        static MlaPart parse(CaseConfig c, List<String> ropeTypes) {
            int numHeads = c.positive("num_heads");
            int qRank = c.nonNegative("q_lora_rank");
            int kvRank = c.positive("kv_lora_rank");
            int nope = c.positive("qk_nope_head_dim");
            int ropeDim = c.positive("qk_rope_head_dim");
            if (ropeDim % 2 != 0) {
                throw new IllegalArgumentException(c.path() + ".qk_rope_head_dim (" + ropeDim + ") must be even");
            }
            int valueDim = c.positive("v_head_dim");
            double theta = c.positiveFinite("rope_theta");
            RopePairing pairing = AttentionKeys.ropePairing(c);
            RopeScaling scaling = AttentionKeys.ropeScaling(c, ropeDim, theta, ropeTypes);
            double eps = c.positiveFinite("rms_eps");
            boolean absorbed = c.choice("form", "naive", "absorbed").equals("absorbed");
            return new MlaPart(numHeads, qRank, kvRank, nope, ropeDim, valueDim, theta, pairing, eps, absorbed, scaling);
        }

        /** The oracle's configuration at model width M (the block's). */
        private OracleMla.Config config(int width) {
            return new OracleMla.Config(width, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim);
        }

        @Override
        public void specs(List<TensorSpec> out, String prefix, int width) {
            OracleMla.Config c = config(width);
            int h = c.numHeads();
            if (c.qLoraRank() > 0) {
                out.add(TensorSpec.weight(prefix + ".w_dq", "C_q", "M", c.qLoraRank(), width));
                out.add(TensorSpec.floats(prefix + ".q_norm", TensorSpec.Fill.GAIN, List.of("C_q"), c.qLoraRank()));
                out.add(TensorSpec.weight(prefix + ".w_uq", "H·(D_nope+P)", "C_q", h * c.qkHeadDim(), c.qLoraRank()));
            } else {
                out.add(TensorSpec.weight(prefix + ".w_q", "H·(D_nope+P)", "M", h * c.qkHeadDim(), width));
            }
            out.add(TensorSpec.weight(prefix + ".w_dkv", "C+P", "M", c.kvLoraRank() + c.qkRopeHeadDim(), width));
            out.add(TensorSpec.floats(prefix + ".kv_norm", TensorSpec.Fill.GAIN, List.of("C"), c.kvLoraRank()));
            out.add(TensorSpec.weight(prefix + ".w_ukv", "H·(D_nope+Dv)", "C", h * (c.qkNopeHeadDim() + c.vHeadDim()),
                    c.kvLoraRank()));
            out.add(TensorSpec.weight(prefix + ".w_o", "M", "H·Dv", width, h * c.vHeadDim()));
        }

        @Override
        public AttentionLayer<?> build(CaseInputs in, String prefix) {
            int width = in.tensor(prefix + ".w_o").size(0);
            OracleMla.Config c = config(width);
            MlaWeights weights = MlaWeights.of(new MlaShape(width, c.numHeads(), c.qLoraRank(), c.kvLoraRank(),
                            c.qkNopeHeadDim(), c.qkRopeHeadDim(), c.vHeadDim()),
                    new MlaWeights.Settings(ropeTheta, pairing, rmsEps, 1.0, 1.0, scaling),
                    in.tensorOrNull(prefix + ".w_dq"), in.tensorOrNull(prefix + ".q_norm"), in.tensorOrNull(prefix + ".w_uq"),
                    in.tensorOrNull(prefix + ".w_q"), in.tensor(prefix + ".w_dkv"), in.tensor(prefix + ".kv_norm"),
                    in.tensor(prefix + ".w_ukv"), in.tensor(prefix + ".w_o"));
            return absorbed ? LatentAttentionLayer.absorbedMla(new AbsorbedMla(weights))
                    : LatentAttentionLayer.naiveMla(new NaiveMla(weights));
        }

        @Override
        public Tensor oracle(CaseInputs in, String prefix, Tensor x) {
            int batch = x.size(0);
            int len = x.size(1);
            OracleMla.Config c = config(x.size(2));
            OracleMla.Weights weights = new OracleMla.Weights(in.valuesOrNull(prefix + ".w_dq"),
                    in.valuesOrNull(prefix + ".q_norm"), in.valuesOrNull(prefix + ".w_uq"), in.valuesOrNull(prefix + ".w_q"),
                    in.values(prefix + ".w_dkv"), in.values(prefix + ".kv_norm"), in.values(prefix + ".w_ukv"),
                    in.values(prefix + ".w_o"));
            OracleMla.Result r = OracleMla.forward(c, new OracleMla.Options(ropeTheta, pairing, 0, rmsEps, 1.0, 1.0, scaling), weights,
                    x.contiguous().toArray(), batch, len);
            return Tensor.of(r.output(), batch, len, c.modelWidth());                            // [B, T, M]
        }

        @Override
        public String oracleName() {
            return OracleMla.class.getName();
        }
    }

    /**
     * MFA or MFA-KR as variant {@code mfa} computes it; the model runs {@link Mfa} or
     * {@link MfaKeyReuse}. Tensor names as in variant {@code mfa}.
     */
    record MfaPart(int numHeads, int queryRank, int headDim, boolean keyReuse, double ropeTheta, RopePairing pairing,
            double rmsEps) implements AttentionSettings {
        static MfaPart parse(CaseConfig c) {
            int numHeads = c.positive("num_heads");
            int queryRank = c.positive("query_rank");
            int headDim = c.positive("head_dim");
            if (headDim % 2 != 0) {
                throw new IllegalArgumentException(c.path() + ".head_dim (" + headDim + ") must be even: RoPE rotates "
                        + "every pair of the shared head");
            }
            boolean keyReuse = c.bool("key_reuse");
            double theta = c.positiveFinite("rope_theta");
            RopePairing pairing = AttentionKeys.ropePairing(c);
            return new MfaPart(numHeads, queryRank, headDim, keyReuse, theta, pairing, c.positiveFinite("rms_eps"));
        }

        @Override
        public void specs(List<TensorSpec> out, String prefix, int width) {
            out.add(TensorSpec.weight(prefix + ".s_q", "C_q", "M", queryRank, width));
            out.add(TensorSpec.floats(prefix + ".q_norm", TensorSpec.Fill.GAIN, List.of("C_q"), queryRank));
            out.add(TensorSpec.weight(prefix + ".q_c", "H·C", "C_q", numHeads * headDim, queryRank));
            out.add(TensorSpec.weight(prefix + ".s_k", "C", "M", headDim, width));
            if (keyReuse) {
                out.add(TensorSpec.floats(prefix + ".alpha", TensorSpec.Fill.SMALL, List.of("C"), headDim));
                out.add(TensorSpec.weight(prefix + ".n", "C", "C", headDim, headDim));
            } else {
                out.add(TensorSpec.weight(prefix + ".s_v", "C", "M", headDim, width));
            }
            out.add(TensorSpec.weight(prefix + ".w_o", "M", "H·C", width, numHeads * headDim));
        }

        @Override
        public AttentionLayer<?> build(CaseInputs in, String prefix) {
            int width = in.tensor(prefix + ".w_o").size(0);
            MfaShape shape = new MfaShape(width, numHeads, queryRank, headDim, keyReuse);
            MfaSettings settings = new MfaSettings(ropeTheta, pairing, rmsEps);
            Tensor sQ = in.tensor(prefix + ".s_q");
            Tensor qNorm = in.tensor(prefix + ".q_norm");
            Tensor qC = in.tensor(prefix + ".q_c");
            Tensor sK = in.tensor(prefix + ".s_k");
            Tensor wO = in.tensor(prefix + ".w_o");
            return keyReuse
                    ? LatentAttentionLayer.mfaKeyReuse(MfaKeyReuse.of(shape, settings, sQ, qNorm, qC, sK,
                            in.tensor(prefix + ".alpha"), in.tensor(prefix + ".n"), wO))
                    : LatentAttentionLayer.mfa(Mfa.of(shape, settings, sQ, qNorm, qC, sK, in.tensor(prefix + ".s_v"), wO));
        }

        @Override
        public Tensor oracle(CaseInputs in, String prefix, Tensor x) {
            int batch = x.size(0);
            int len = x.size(1);
            OracleMfa.ValuePath value = keyReuse
                    ? new OracleMfa.KeyReuse(in.values(prefix + ".alpha"), in.values(prefix + ".n"))
                    : new OracleMfa.SeparateValue(in.values(prefix + ".s_v"));
            OracleMfa.Weights weights = new OracleMfa.Weights(in.values(prefix + ".s_q"), in.values(prefix + ".q_norm"),
                    in.values(prefix + ".q_c"), in.values(prefix + ".s_k"), value, in.values(prefix + ".w_o"));
            OracleMfa.Result r = OracleMfa.forward(new OracleMfa.Config(x.size(2), numHeads, queryRank, headDim),
                    new OracleMfa.Options(ropeTheta, pairing, 0, rmsEps), weights, x.contiguous().toArray(), batch, len);
            return Tensor.of(r.output(), batch, len, x.size(2));                                 // [B, T, M]
        }

        @Override
        public String oracleName() {
            return OracleMfa.class.getName();
        }
    }

    /** A finite number &gt; 0. */
    /**
     * One decoder block: norm placement (pre or post), its attention, the norm both of its norms are, and
     * its FFN; tensors {@code attn.*}, {@code norm1.*}, {@code norm2.*}, {@code ffn.*} under a prefix.
     */
    record BlockSettings(NormPlacement placement, AttentionSettings attention, NormSettings norm, FfnSettings ffn) {
        /** Reads {@code placement}, {@code attention} (rope_scaling one of {@code ropeTypes}), {@code norm} and {@code ffn} of {@code c}. */
        static BlockSettings parse(CaseConfig c, List<String> ropeTypes) {
            NormPlacement placement = c.choice("placement", "pre", "post").equals("pre") ? NormPlacement.PRE : NormPlacement.POST;
            return new BlockSettings(placement, AttentionSettings.parse(c.object("attention"), ropeTypes),
                    NormSettings.parse(c.object("norm")), FfnSettings.parse(c.object("ffn")));
        }

        /** The input specs of one block: attention, two norms, FFN, under {@code prefix}. */
        List<TensorSpec> specs(String prefix, int width) {
            List<TensorSpec> specs = new ArrayList<>();
            attention.specs(specs, prefix + "attn", width);
            norm.specs(specs, prefix + "norm1", width);
            norm.specs(specs, prefix + "norm2", width);
            ffn.specs(specs, prefix + "ffn", width);
            return specs;
        }

        /** The block built from the tensors under {@code prefix}, at model width M = {@code width}. */
        DecoderBlock<?> build(CaseInputs in, String prefix, int width) {
            return new DecoderBlock<>(placement, norm.build(in, prefix + "norm1", width), attention.build(in, prefix + "attn"),
                    norm.build(in, prefix + "norm2", width), ffn.build(in, prefix + "ffn"));
        }
    }
}
