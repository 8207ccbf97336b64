package dev.attnref.golden;

import dev.attnref.model.LayerNorm;
import dev.attnref.model.RmsNorm;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code norm}: RMSNorm {@code y = x / √(mean(x²) + ε) ⊙ γ} or LayerNorm
 * {@code y = (x − μ) / √(σ² + ε) ⊙ γ + β} (biased variance) over the last axis, with or without the
 * affine part. Tensors: {@code x [B, T, M]}, {@code weight [M]}, {@code bias [M]} (LayerNorm) →
 * {@code output [B, T, M]}. Reference: {@link RmsNorm}, {@link LayerNorm}.
 */
final class NormVariant extends GoldenVariant<NormVariant.Settings> {

    record Settings(int batch, int seqLen, int modelWidth, ModelParts.NormSettings norm) {
    }

    @Override
    public String id() {
        return "norm";
    }

    @Override
    public String reference(Settings s) {
        return (s.norm().layer() ? LayerNorm.class : RmsNorm.class).getName();
    }

    @Override
    protected Settings parse(CaseConfig c) {
        return new Settings(c.positive("batch"), c.positive("seq_len"), c.positive("model_width"),
                ModelParts.NormSettings.parse(c.object("norm")));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(),
                s.modelWidth()));
        s.norm().specs(specs, "norm", s.modelWidth());
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return new CaseOutputs().add("output", s.norm().build(in, "norm", s.modelWidth()).forward(in.tensor("x")),
                List.of("B", "T", "M"));
    }
}
