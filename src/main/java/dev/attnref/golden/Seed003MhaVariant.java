package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed003MultiHeadAttention;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code mirror.seed003_mha}: seed 003 §3's MultiHeadAttention on Q [B, T, M], K and V [B, S, M] with a
 * keep-mask filled with −1e9 as published; outputs {@code output [B, T, M]} and {@code attention_weights
 * [B, H, T, S]}. Rules shared by every mirror variant: {@link MirrorVariants}.
 */
final class Seed003MhaVariant extends GoldenVariant<Seed003MhaVariant.Settings> {
    record Settings(int dModel, int numHeads, Fidelity fidelity, int batch, int qLen, int kvLen, int[] maskShape) {
    }

    Seed003MhaVariant() {
        super("mirror.seed003_mha");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed003MultiHeadAttention.class, s.fidelity().name());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("d_model"), c.positive("num_heads"), MirrorVariants.fidelity(c),
                c.positive("batch"), c.positive("q_len"), c.positive("kv_len"), MirrorVariants.maskShape(c));
        MirrorVariants.requireMask(s.maskShape(), s.batch(), s.numHeads(), s.qLen(), s.kvLen());
        return s;
    }

    private static Seed003MultiHeadAttention module(Settings s) {
        return new Seed003MultiHeadAttention(s.dModel(), s.numHeads(), s.fidelity(), new SeededRandom(0));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(MirrorVariants.activation("Q", List.of("B", "T", "M"), s.batch(), s.qLen(), s.dModel()));
        specs.add(MirrorVariants.activation("K", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
        specs.add(MirrorVariants.activation("V", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
        MirrorVariants.addMask(specs, "mask", s.maskShape());
        return MirrorVariants.withState(specs, () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, mha -> {
            Seed003MultiHeadAttention.Result r = mha.forward(in.tensor("Q"), in.tensor("K"), in.tensor("V"),
                    in.tensorOrNull("mask"));
            return new CaseOutputs().add("output", r.output(), List.of("B", "T", "M"))
                    .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
        });
    }
}
