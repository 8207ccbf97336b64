package dev.attnref.golden;

import dev.attnref.core.Tensor;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.Seed003ScaledDotProductAttentionOptimized;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code mirror.seed003_sdpa_bmm}: seed 003 §7's {@code torch.bmm} attention on head-split inputs
 * Q [B, H, T, d_k], K and V [B, H, S, d_k] (no weights). With {@code input_layout = "split_heads"} the inputs are
 * laid out as §3's {@code split_heads} hands them over (a contiguous [B, L, H, d_k] transposed to [B, H, L, d_k]),
 * on which the published {@code view} raises. Rules shared by every mirror variant: {@link MirrorVariants}.
 */
final class Seed003BmmVariant extends GoldenVariant<Seed003BmmVariant.Settings> {
    record Settings(int batch, int numHeads, int qLen, int kvLen, int dK, Fidelity fidelity, boolean splitHeads,
            int[] maskShape) {
    }

    Seed003BmmVariant() {
        super("mirror.seed003_sdpa_bmm");
    }

    @Override
    public String reference(Settings s) {
        return MirrorVariants.reference(Seed003ScaledDotProductAttentionOptimized.class, s.fidelity().name());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        Settings s = new Settings(c.positive("batch"), c.positive("num_heads"), c.positive("q_len"), c.positive("kv_len"),
                c.positive("d_k"), MirrorVariants.fidelity(c),
                c.choice("input_layout", "contiguous", "split_heads").equals("split_heads"), MirrorVariants.maskShape(c));
        MirrorVariants.requireMask(s.maskShape(), s.batch(), s.numHeads(), s.qLen(), s.kvLen());
        return s;
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(MirrorVariants.activation("Q", List.of("B", "H", "T", "d_k"), s.batch(), s.numHeads(), s.qLen(), s.dK()));
        specs.add(MirrorVariants.activation("K", List.of("B", "H", "S", "d_k"), s.batch(), s.numHeads(), s.kvLen(), s.dK()));
        specs.add(MirrorVariants.activation("V", List.of("B", "H", "S", "d_k"), s.batch(), s.numHeads(), s.kvLen(), s.dK()));
        MirrorVariants.addMask(specs, "mask", s.maskShape());
        return specs;
    }

    /** The [B, H, L, d] values laid out as split_heads leaves them: contiguous [B, L, H, d], transposed (1, 2). */
    private static Tensor layout(Settings s, Tensor headsFirst) {
        return s.splitHeads() ? headsFirst.transpose(1, 2).contiguous().transpose(1, 2) : headsFirst;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return MirrorVariants.forwardOrError(() -> {
            Seed003ScaledDotProductAttentionOptimized.Result r = Seed003ScaledDotProductAttentionOptimized.apply(
                    layout(s, in.tensor("Q")), layout(s, in.tensor("K")), layout(s, in.tensor("V")),
                    in.tensorOrNull("mask"), s.fidelity());
            return new CaseOutputs().add("output", r.output(), List.of("B", "H", "T", "d_k"))
                    .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
        });
    }
}
