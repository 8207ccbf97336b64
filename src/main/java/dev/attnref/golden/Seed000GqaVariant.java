package dev.attnref.golden;

import dev.attnref.core.SeededRandom;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed000GroupQueryAttention;
import dev.attnref.mirror.TorchDefaultDtype;
import java.util.List;

/**
 * Variant {@code mirror.seed000_gqa}: seed 000 §3.1's GroupQueryAttention, {@code output = module(hidden_state,
 * attention_mask)} on [B, T, M]. Fidelity {@code as_published} raises TypeError at construction;
 * {@code as_published_super_fixed} is the published code with only its {@code super} call fixed (FIX-11), which
 * runs and carries the MQA bugs; {@code fixed} is checked against GroupedQueryAttention. Rules shared by every
 * mirror variant: {@link MirrorVariants}.
 */
final class Seed000GqaVariant extends GoldenVariant<Seed000GqaVariant.Settings> {
    record Settings(int hiddenSize, int numHeads, int groupNum, String fidelity, TorchDefaultDtype dtype, int batch,
            int seqLen, int[] maskShape) {
        boolean checked() {
            return fidelity.equals("fixed");
        }
    }

    Seed000GqaVariant() {
        super("mirror.seed000_gqa");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed000GroupQueryAttention.class, s.fidelity());
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return MirrorVariants.checkedAgainstGqa(s.checked());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("hidden_size"), c.positive("num_heads"), c.positive("group_num"),
                c.choice("fidelity", "as_published", "as_published_super_fixed", "fixed"), MirrorVariants.dtype(c),
                c.positive("batch"), c.positive("seq_len"), MirrorVariants.maskShape(c));
        MirrorVariants.requireMask(s.maskShape(), s.batch(), s.numHeads(), s.seqLen(), s.seqLen());
        return s;
    }

    private static Seed000GroupQueryAttention module(Settings s) {
        SeededRandom random = new SeededRandom(0);
        Seed000GroupQueryAttention m = switch (s.fidelity()) {
            case "as_published_super_fixed" -> Seed000GroupQueryAttention.withOnlySuperCallFixed(s.hiddenSize(),
                    s.numHeads(), s.groupNum(), random);
            case "fixed" -> new Seed000GroupQueryAttention(s.hiddenSize(), s.numHeads(), s.groupNum(), Fidelity.FIXED,
                    random);
            default -> new Seed000GroupQueryAttention(s.hiddenSize(), s.numHeads(), s.groupNum(), Fidelity.AS_PUBLISHED,
                    random);
        };
        return m.torchDefaultDtype(s.dtype());
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        return MirrorVariants.withState(MirrorVariants.selfAttentionInputs(MirrorVariants.SEED000_NAMES, s.batch(),
                s.seqLen(), s.hiddenSize(), s.maskShape()), () -> module(s));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.run(() -> module(s), in, gqa -> new CaseOutputs().add("output",
                gqa.forward(in.tensor("hidden_state"), in.tensorOrNull("attention_mask")), List.of("B", "T", "M")));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        if (s.checked()) {
            MirrorVariants.requireGroupedQueryAttention(id(), MirrorVariants.SEED000_NAMES, module(s), s.hiddenSize(),
                    s.numHeads(), s.groupNum(), in, expected);
        }
    }
}
