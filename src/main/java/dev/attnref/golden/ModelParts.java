package dev.attnref.golden;

import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.model.Activation;
import dev.attnref.model.FeedForward;
import dev.attnref.model.LayerNorm;
import dev.attnref.model.Mlp;
import dev.attnref.model.Norm;
import dev.attnref.model.RmsNorm;
import dev.attnref.model.SwiGlu;
import dev.attnref.model.WalkthroughAttention;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder pieces the model variants share: how a norm, an FFN and a block's attention are
 * configured in a case ({@code {"kind", "eps", "affine"}}, {@code {"kind", "activation", "hidden_width",
 * "bias"}}, {@code {"num_heads", "num_kv_heads", "head_dim", "rope"}}), which tensors they read under a
 * name prefix, and the model classes built from them.
 */
final class ModelParts {
    private ModelParts() {
    }

    /** A norm: RMSNorm or LayerNorm, ε, and whether it has γ (and, for LayerNorm, β). */
    record NormSettings(boolean layer, double eps, boolean affine) {
        static NormSettings parse(CaseConfig c) {
            boolean layer = c.choice("kind", "rms", "layer").equals("layer");
            double eps = c.finite("eps");
            if (eps < 0) {
                throw new IllegalArgumentException(c.path() + ".eps (" + eps + ") must be ≥ 0");
            }
            return new NormSettings(layer, eps, c.bool("affine"));
        }

        void specs(List<TensorSpec> out, String prefix, int width) {
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
    }

    /** An FFN: an MLP with one activation (optional biases) or SwiGLU (no biases), hidden width F. */
    record FfnSettings(Activation activation, int hiddenWidth, boolean bias) {
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

        void specs(List<TensorSpec> out, String prefix, int width) {
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
    }

    /** A block's causal self-attention: H, G, D and optional RoPE; projections without bias, Dv = D. */
    record AttentionSettings(int numHeads, int numKvHeads, int headDim, Rope rope) {
        static AttentionSettings parse(CaseConfig c) {
            int numHeads = c.positive("num_heads");
            int numKvHeads = c.positive("num_kv_heads");
            if (numHeads % numKvHeads != 0) {
                throw new IllegalArgumentException(c.path() + ".num_kv_heads (" + numKvHeads + ") must divide "
                        + c.path() + ".num_heads (" + numHeads + ")");
            }
            int headDim = c.positive("head_dim");
            Rope rope = GqaVariant.rope(c.objectOrNull("rope"));
            if (rope != null && rope.rotaryDim() > headDim) {
                throw new IllegalArgumentException(c.path() + ".rope.rotary_dim (" + rope.rotaryDim()
                        + ") must not exceed " + c.path() + ".head_dim (" + headDim + ")");
            }
            return new AttentionSettings(numHeads, numKvHeads, headDim, rope);
        }

        void specs(List<TensorSpec> out, String prefix, int width) {
            out.add(TensorSpec.weight(prefix + ".w_q", "H·D", "M", numHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_k", "G·D", "M", numKvHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_v", "G·D", "M", numKvHeads * headDim, width));
            out.add(TensorSpec.weight(prefix + ".w_o", "M", "H·D", width, numHeads * headDim));
        }

        WalkthroughAttention build(CaseInputs in, String prefix) {
            return new WalkthroughAttention(numHeads, numKvHeads, headDim, new Linear(in.tensor(prefix + ".w_q"), null),
                    new Linear(in.tensor(prefix + ".w_k"), null), new Linear(in.tensor(prefix + ".w_v"), null),
                    new Linear(in.tensor(prefix + ".w_o"), null), rope);
        }
    }

    /** The input specs of one block: attention, two norms, FFN, under {@code prefix}. */
    static List<TensorSpec> blockSpecs(String prefix, int width, AttentionSettings attention, NormSettings norm,
            FfnSettings ffn) {
        List<TensorSpec> specs = new ArrayList<>();
        attention.specs(specs, prefix + "attn", width);
        norm.specs(specs, prefix + "norm1", width);
        norm.specs(specs, prefix + "norm2", width);
        ffn.specs(specs, prefix + "ffn", width);
        return specs;
    }
}
