package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed000MultiHeadLatentAttention;
import java.util.List;

/**
 * Variant {@code mirror.seed000_mla}: seed 000 §4.1's simplified MLA (no RoPE), {@code output = module(x)} on
 * [B, T, M]; the FIXED form adds the {@code causal} and naive ({@code absorbed = false}) options. Rules shared by
 * every mirror variant: {@link MirrorVariants}.
 */
final class Seed000MlaVariant extends GoldenVariant<Seed000MlaVariant.Settings> {
    record Settings(int dModel, int numHeads, int qLatentDim, int kvLatentDim, Fidelity fidelity, boolean causal,
            boolean absorbed, int batch, int seqLen) {
    }

    Seed000MlaVariant() {
        super("mirror.seed000_mla");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed000MultiHeadLatentAttention.class, s.fidelity().name());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        return new Settings(c.positive("d_model"), c.positive("num_heads"), c.positive("q_latent_dim"),
                c.positive("kv_latent_dim"), MirrorVariants.fidelity(c), c.bool("causal"), c.bool("absorbed"),
                c.positive("batch"), c.positive("seq_len"));
    }

    private static Seed000MultiHeadLatentAttention module(Settings s) {
        return new Seed000MultiHeadLatentAttention(s.dModel(), s.numHeads(), s.qLatentDim(), s.kvLatentDim(),
                s.fidelity(), new SeededRandom(0));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        return MirrorVariants.withState(List.of(MirrorVariants.activation("x", List.of("B", "T", "M"), s.batch(),
                s.seqLen(), s.dModel())), () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, mla -> new CaseOutputs().add("output",
                mla.forward(in.tensor("x"), s.causal(), s.absorbed()), List.of("B", "T", "M")));
    }
}
