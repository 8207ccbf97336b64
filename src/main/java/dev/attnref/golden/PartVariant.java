package dev.attnref.golden;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A variant that runs one position-wise decoder part on its own ({@code norm}, {@code ffn}):
 * {@code y = part(x)}. The config holds {@code batch}, {@code seq_len}, {@code model_width} and the part's
 * object under the variant's id; the tensors are {@code x [B, T, M]} and the part's own, named under the
 * same id; the output is {@code output [B, T, M]}. Reference: the part's model class.
 */
abstract class PartVariant extends GoldenVariant<PartVariant.Settings> {

    record Settings(int batch, int seqLen, int modelWidth, ModelParts.PositionwisePart part) {
    }

    private final Function<CaseConfig, ModelParts.PositionwisePart> parsePart;

    /** {@code id} is also the part's config key and tensor prefix; {@code parsePart} reads its object. */
    PartVariant(String id, Function<CaseConfig, ModelParts.PositionwisePart> parsePart) {
        super(id);
        this.parsePart = parsePart;
    }

    @Override
    public final String reference(Settings s) {
        return s.part().modelClass().getName();
    }

    @Override
    protected final Settings parse(CaseConfig c) {
        return new Settings(c.positive("batch"), c.positive("seq_len"), c.positive("model_width"),
                parsePart.apply(c.object(id())));
    }

    @Override
    protected final List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(),
                s.modelWidth()));
        s.part().specs(specs, id(), s.modelWidth());
        return specs;
    }

    @Override
    protected final CaseOutputs compute(Settings s, CaseInputs in) {
        return new CaseOutputs().add("output", s.part().forward(in, id(), s.modelWidth(), in.tensor("x")),
                List.of("B", "T", "M"));
    }
}
