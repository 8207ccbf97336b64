package dev.attnref.golden;

import dev.attnref.model.LayerNorm;
import dev.attnref.model.Mlp;
import dev.attnref.model.RmsNorm;
import dev.attnref.model.SwiGlu;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A variant that runs one position-wise decoder part on its own ({@link #norm()}, {@link #ffn()}):
 * {@code y = part(x)}. The config holds {@code batch}, {@code seq_len}, {@code model_width} and the part's
 * object under the variant's id; the tensors are {@code x [B, T, M]} and the part's own, named under the
 * same id; the output is {@code output [B, T, M]}. Reference: the part's model class.
 */
final class PartVariant extends GoldenVariant<PartVariant.Settings> {

    record Settings(int batch, int seqLen, int modelWidth, ModelParts.PositionwisePart part) {
    }

    private final Function<CaseConfig, ModelParts.PositionwisePart> parsePart;

    /** {@code id} is also the part's config key and tensor prefix; {@code parsePart} reads its object. */
    private PartVariant(String id, Function<CaseConfig, ModelParts.PositionwisePart> parsePart) {
        super(id);
        this.parsePart = parsePart;
    }

    /**
     * Variant {@code norm}: RMSNorm {@code y = x / √(mean(x²) + ε) ⊙ γ} or LayerNorm
     * {@code y = (x − μ) / √(σ² + ε) ⊙ γ + β} (biased variance) over the last axis, with or without the
     * affine part. Tensors: {@code x [B, T, M]}, {@code norm.weight [M]}, {@code norm.bias [M]} (LayerNorm) →
     * {@code output [B, T, M]}. Reference: {@link RmsNorm}, {@link LayerNorm}.
     */
    static PartVariant norm() {
        return new PartVariant("norm", ModelParts.NormSettings::parse);
    }

    /**
     * Variant {@code ffn}: the feed-forward network of a decoder block, an MLP
     * {@code y = W_down f(W_up x + b_up) + b_down} with f ∈ {ReLU, GELU (erf), GELU (tanh), SiLU}, or SwiGLU
     * {@code y = W_down (SiLU(W_gate x) ⊙ W_up x)}. Tensors: {@code x [B, T, M]}, {@code ffn.w_gate [F, M]}
     * (SwiGLU), {@code ffn.w_up [F, M]}, {@code ffn.b_up [F]}, {@code ffn.w_down [M, F]}, {@code ffn.b_down [M]}
     * (MLP with bias) → {@code output [B, T, M]}. Reference: {@link Mlp}, {@link SwiGlu}.
     */
    static PartVariant ffn() {
        return new PartVariant("ffn", ModelParts.FfnSettings::parse);
    }

    @Override
    public String reference(Settings s) {
        return s.part().modelClass().getName();
    }

    @Override
    protected Settings parse(CaseConfig c) {
        return new Settings(c.positive("batch"), c.positive("seq_len"), c.positive("model_width"),
                parsePart.apply(c.object(id())));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(),
                s.modelWidth()));
        s.part().specs(specs, id(), s.modelWidth());
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return new CaseOutputs().add("output", s.part().forward(in, id(), s.modelWidth(), in.tensor("x")),
                List.of("B", "T", "M"));
    }
}
