package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed002MultiHeadAttention;
import java.util.Arrays;
import java.util.List;

/**
 * Variant {@code mirror.seed002_mha}: seed 002's MultiHeadAttention, {@code output = module(X, attention_mask)} on
 * [B, T, M] with a keep-mask filled with −1e20 as published. The fixed snippet also takes a 2-D (batch, seq)
 * padding mask. FIXED cases with a 4-D mask are checked against GroupedQueryAttention with G = H. Rules shared by
 * every mirror variant: {@link MirrorVariants}.
 */
final class Seed002MhaVariant extends GoldenVariant<Seed002MhaVariant.Settings> {
    record Settings(int hiddenDim, int numsHead, Fidelity fidelity, int batch, int seqLen, int[] maskShape) {
        /** The fixed snippet also takes a 2-D (batch, seq) padding mask, which attention_mask then is. */
        boolean paddingMask() {
            return maskShape != null && maskShape.length == 2 && fidelity == Fidelity.FIXED;
        }

        boolean checked() {
            return fidelity == Fidelity.FIXED && maskShape != null && maskShape.length == 4;
        }
    }

    Seed002MhaVariant() {
        super("mirror.seed002_mha");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed002MultiHeadAttention.class, s.fidelity().name());
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return MirrorVariants.checkedAgainstGqa(s.checked());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("hidden_dim"), c.positive("nums_head"), MirrorVariants.fidelity(c),
                c.positive("batch"), c.positive("seq_len"), MirrorVariants.maskShape(c));
        int[] m = s.maskShape();
        if (!s.paddingMask()) {
            MirrorVariants.requireMask(m, s.batch(), s.numsHead(), s.seqLen(), s.seqLen());
        } else if (m[0] != s.batch() || m[1] != s.seqLen()) {
            throw new IllegalArgumentException("config.mask.shape " + Arrays.toString(m)
                    + ": a 2-D mask of the fixed snippet is (batch, seq) = [" + s.batch() + ", " + s.seqLen() + "]");
        }
        return s;
    }

    private static Seed002MultiHeadAttention module(Settings s) {
        Seed002MultiHeadAttention m = new Seed002MultiHeadAttention(s.hiddenDim(), s.numsHead(), s.fidelity(),
                new SeededRandom(0)).printTo(MirrorVariants.QUIET);
        m.eval();
        return m;
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> activations = s.paddingMask()
                ? List.of(MirrorVariants.activation("X", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenDim()),
                        MirrorVariants.givenMask("attention_mask", s.maskShape(), List.of("B", "S")))
                : MirrorVariants.selfAttentionInputs(MirrorVariants.SEED002_NAMES, s.batch(), s.seqLen(), s.hiddenDim(),
                        s.maskShape());
        return MirrorVariants.withState(activations, () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, mha -> new CaseOutputs().add("output",
                mha.forward(in.tensor("X"), in.tensorOrNull("attention_mask")), List.of("B", "T", "M")));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        if (s.checked()) {
            MirrorVariants.requireGroupedQueryAttention(id(), MirrorVariants.SEED002_NAMES, module(s), s.hiddenDim(),
                    s.numsHead(), s.numsHead(), in, expected);
        }
    }
}
