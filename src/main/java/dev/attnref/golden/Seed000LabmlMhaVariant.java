package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed000MultiHeadAttention;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Variant {@code mirror.seed000_labml_mha}: labml's MHA as seed 000 §1.1 quotes it, sequence-first, with a
 * keep-mask {@code mask[i, j, b]} of shape [T or 1, S, B or 1]; outputs {@code output [T, B, M]} and the
 * module's {@code attn [T, S, B, H]}. Rules shared by every mirror variant: {@link MirrorVariants}.
 */
final class Seed000LabmlMhaVariant extends GoldenVariant<Seed000LabmlMhaVariant.Settings> {
    record Settings(int heads, int dModel, boolean bias, Fidelity fidelity, int seqLen, int kvLen, int batch,
            int[] maskShape) {
    }

    Seed000LabmlMhaVariant() {
        super("mirror.seed000_labml_mha");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed000MultiHeadAttention.class, s.fidelity().name());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("heads"), c.positive("d_model"), c.bool("bias"), MirrorVariants.fidelity(c),
                c.positive("seq_len"), c.positive("kv_len"), c.positive("batch"), MirrorVariants.maskShape(c));
        int[] m = s.maskShape();
        if (m != null && (m.length != 3 || (m[0] != 1 && m[0] != s.seqLen()) || m[1] != s.kvLen()
                || (m[2] != 1 && m[2] != s.batch()))) {
            throw new IllegalArgumentException("config.mask.shape " + Arrays.toString(m) + " must be [T or 1, S, B or 1] = ["
                    + s.seqLen() + "|1, " + s.kvLen() + ", " + s.batch() + "|1]");
        }
        return s;
    }

    private static Seed000MultiHeadAttention module(Settings s) {
        Seed000MultiHeadAttention m = new Seed000MultiHeadAttention(s.heads(), s.dModel(), 0.1, s.bias(), s.fidelity(),
                new SeededRandom(0));
        m.eval();
        return m;
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(MirrorVariants.activation("query", List.of("T", "B", "M"), s.seqLen(), s.batch(), s.dModel()));
        specs.add(MirrorVariants.activation("key", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
        specs.add(MirrorVariants.activation("value", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
        if (s.maskShape() != null) {
            specs.add(MirrorVariants.givenMask("mask", s.maskShape(), List.of("T", "S", "B")));
        }
        return MirrorVariants.withState(specs, () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, mha -> {
            Tensor out = mha.forward(in.tensor("query"), in.tensor("key"), in.tensor("value"), in.tensorOrNull("mask"));
            return new CaseOutputs().add("output", out, List.of("T", "B", "M"))
                    .add("attn", mha.attn(), List.of("T", "S", "B", "H"));
        });
    }
}
