package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed000MutiQueryAttention;
import dev.attnref.mirror.TorchDefaultDtype;
import java.util.List;

/**
 * Variant {@code mirror.seed000_mqa}: seed 000 §2.1's MutiQueryAttention, {@code output = module(hidden_state,
 * attention_mask)} on [B, T, M] with a hide-mask added as mask·(−1e-9) as published, under PyTorch's float32 or
 * float64 default dtype. FIXED cases are checked against GroupedQueryAttention with G = 1. Rules shared by every
 * mirror variant: {@link MirrorVariants}.
 */
final class Seed000MqaVariant extends GoldenVariant<Seed000MqaVariant.Settings> {
    record Settings(int hiddenSize, int numHeads, Fidelity fidelity, TorchDefaultDtype dtype, int batch, int seqLen,
            int[] maskShape) {
        boolean checked() {
            return fidelity == Fidelity.FIXED;
        }
    }

    Seed000MqaVariant() {
        super("mirror.seed000_mqa");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed000MutiQueryAttention.class, s.fidelity().name());
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return MirrorVariants.checkedAgainstGqa(s.checked());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("hidden_size"), c.positive("num_heads"), MirrorVariants.fidelity(c),
                MirrorVariants.dtype(c), c.positive("batch"), c.positive("seq_len"), MirrorVariants.maskShape(c));
        MirrorVariants.requireMask(s.maskShape(), s.batch(), s.numHeads(), s.seqLen(), s.seqLen());
        return s;
    }

    private static Seed000MutiQueryAttention module(Settings s) {
        return new Seed000MutiQueryAttention(s.hiddenSize(), s.numHeads(), s.fidelity(), new SeededRandom(0))
                .torchDefaultDtype(s.dtype());
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        return MirrorVariants.withState(MirrorVariants.selfAttentionInputs(MirrorVariants.SEED000_NAMES, s.batch(),
                s.seqLen(), s.hiddenSize(), s.maskShape()), () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, mqa -> new CaseOutputs().add("output",
                mqa.forward(in.tensor("hidden_state"), in.tensorOrNull("attention_mask")), List.of("B", "T", "M")));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        if (s.checked()) {
            MirrorVariants.requireGroupedQueryAttention(id(), MirrorVariants.SEED000_NAMES, module(s), s.hiddenSize(),
                    s.numHeads(), 1, in, expected);
        }
    }
}
