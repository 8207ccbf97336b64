package dev.attnref.golden;

import dev.attnref.model.Mlp;
import dev.attnref.model.ShapeTrace;
import dev.attnref.model.SwiGlu;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code ffn}: the feed-forward network of a decoder block, an MLP
 * {@code y = W_down f(W_up x + b_up) + b_down} with f ∈ {ReLU, GELU (erf), GELU (tanh), SiLU}, or SwiGLU
 * {@code y = W_down (SiLU(W_gate x) ⊙ W_up x)}. Tensors: {@code x [B, T, M]}, {@code ffn.w_gate [F, M]}
 * (SwiGLU), {@code ffn.w_up [F, M]}, {@code ffn.b_up [F]}, {@code ffn.w_down [M, F]}, {@code ffn.b_down [M]}
 * (MLP with bias) → {@code output [B, T, M]}. Reference: {@link Mlp}, {@link SwiGlu}.
 */
final class FfnVariant extends GoldenVariant<FfnVariant.Settings> {

    record Settings(int batch, int seqLen, int modelWidth, ModelParts.FfnSettings ffn) {
    }

    @Override
    public String id() {
        return "ffn";
    }

    @Override
    public String reference(Settings s) {
        return (s.ffn().swiglu() ? SwiGlu.class : Mlp.class).getName();
    }

    @Override
    protected Settings parse(CaseConfig c) {
        return new Settings(c.positive("batch"), c.positive("seq_len"), c.positive("model_width"),
                ModelParts.FfnSettings.parse(c.object("ffn")));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(),
                s.modelWidth()));
        s.ffn().specs(specs, "ffn", s.modelWidth());
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return new CaseOutputs().add("output", s.ffn().build(in, "ffn").forward(in.tensor("x"), ShapeTrace.off()),
                List.of("B", "T", "M"));
    }
}
