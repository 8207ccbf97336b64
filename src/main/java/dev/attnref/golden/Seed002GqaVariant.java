package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed002GroupQueryAttention;
import java.util.List;

/**
 * Variant {@code mirror.seed002_gqa}: seed 002's GroupQueryAttention, {@code output = module(X, attention_mask)} on
 * [B, T, M]; as published the mask is ignored. FIXED cases whose head counts divide are checked against
 * GroupedQueryAttention. Rules shared by every mirror variant: {@link MirrorVariants}.
 */
final class Seed002GqaVariant extends GoldenVariant<Seed002GqaVariant.Settings> {
    record Settings(int hiddenDim, int numsHead, int numsKeyValueHead, Fidelity fidelity, int batch, int seqLen,
            int[] maskShape) {
        boolean checked() {
            return fidelity == Fidelity.FIXED && hiddenDim % numsHead == 0 && numsHead % numsKeyValueHead == 0;
        }
    }

    Seed002GqaVariant() {
        super("mirror.seed002_gqa");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed002GroupQueryAttention.class, s.fidelity().name());
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return MirrorVariants.checkedAgainstGqa(s.checked());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("hidden_dim"), c.positive("nums_head"), c.positive("nums_key_value_head"),
                MirrorVariants.fidelity(c), c.positive("batch"), c.positive("seq_len"), MirrorVariants.maskShape(c));
        MirrorVariants.requireMask(s.maskShape(), s.batch(), s.numsHead(), s.seqLen(), s.seqLen());
        return s;
    }

    private static Seed002GroupQueryAttention module(Settings s) {
        return new Seed002GroupQueryAttention(s.hiddenDim(), s.numsHead(), s.numsKeyValueHead(), s.fidelity(),
                new SeededRandom(0));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        return MirrorVariants.withState(MirrorVariants.selfAttentionInputs(MirrorVariants.SEED002_NAMES, s.batch(),
                s.seqLen(), s.hiddenDim(), s.maskShape()), () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, gqa -> new CaseOutputs().add("output",
                gqa.forward(in.tensor("X"), in.tensorOrNull("attention_mask")), List.of("B", "T", "M")));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        if (s.checked()) {
            MirrorVariants.requireGroupedQueryAttention(id(), MirrorVariants.SEED002_NAMES, module(s), s.hiddenDim(),
                    s.numsHead(), s.numsKeyValueHead(), in, expected);
        }
    }
}
