package dev.attnref.golden;

import dev.attnref.core.Tensor;
import dev.attnref.model.DecoderBlock;
import dev.attnref.model.FeedForward;
import dev.attnref.model.Norm;
import dev.attnref.model.NormPlacement;
import dev.attnref.model.ShapeTrace;
import dev.attnref.model.LatentAttentionLayer;
import dev.attnref.model.WalkthroughAttention;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.OracleMfa;
import dev.attnref.oracle.OracleMla;
import java.util.List;

/**
 * Variant {@code decoder_block}: one transformer block of seed 001 over T tokens at positions
 * {@code 0 … T−1}, causal self-attention — MHA/MQA/GQA (bias-free projections, Dv = D, optional
 * RoPE), MLA (naive or absorbed) or MFA/MFA-KR ({@code attention.kind}) — two norms and an FFN, pre-
 * or post-norm:
 * <pre>
 *   pre:   h = x + Attn(Norm₁(x)),  y = h + FFN(Norm₂(h))
 *   post:  h = Norm₁(x + Attn(x)),  y = Norm₂(h + FFN(h))
 * </pre>
 * Tensors: {@code x [B, T, M]}, {@code attn.*} (GQA: {@code w_q/w_k/w_v/w_o}; MLA and MFA: the weights
 * of variants {@code mla} and {@code mfa}), {@code norm1.*}, {@code norm2.*}, {@code ffn.*} (as variants
 * {@code norm} and {@code ffn}) → {@code output [B, T, M]}. Reference: {@link DecoderBlock} with
 * {@link WalkthroughAttention} or a {@link LatentAttentionLayer}; checked against the same block
 * equations with the attention computed by {@link OracleAttention}, {@link OracleMla} or {@link OracleMfa}.
 */
final class BlockVariant extends GoldenVariant<BlockVariant.Settings> {

    record Settings(int batch, int seqLen, int modelWidth, ModelParts.BlockSettings block) {
    }

    BlockVariant() {
        super("decoder_block");
    }

    @Override
    public String reference(Settings settings) {
        return DecoderBlock.class.getName();
    }

    @Override
    public List<String> checkedAgainst(Settings settings) {
        return List.of(settings.block().attention().oracleName());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        return new Settings(c.positive("batch"), c.positive("seq_len"), c.positive("model_width"),
                ModelParts.BlockSettings.parse(c, AttentionKeys.ROPE_TYPES));
    }

    @Override
    protected long scoreElements(Settings s) {
        return (long) s.batch() * s.block().attention().numHeads() * s.seqLen() * s.seqLen();
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new java.util.ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(),
                s.modelWidth()));
        specs.addAll(s.block().specs("", s.modelWidth()));
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        Tensor y = s.block().build(in, "", s.modelWidth()).forward(in.tensor("x"));
        return new CaseOutputs().add("output", y, List.of("B", "T", "M"));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        ModelParts.BlockSettings b = s.block();
        Norm norm1 = b.norm().build(in, "norm1", s.modelWidth());
        Norm norm2 = b.norm().build(in, "norm2", s.modelWidth());
        FeedForward ffn = b.ffn().build(in, "ffn");
        Tensor x = in.tensor("x");
        Tensor y;
        if (b.placement() == NormPlacement.PRE) {
            Tensor h = x.add(b.attention().oracle(in, "attn", norm1.forward(x)));
            y = h.add(ffn.forward(norm2.forward(h), ShapeTrace.off()));
        } else {
            Tensor h = norm1.forward(x.add(b.attention().oracle(in, "attn", x)));
            y = norm2.forward(h.add(ffn.forward(h, ShapeTrace.off())));
        }
        Tolerance.FLOAT64.require("block with " + b.attention().oracleName(), expected.get("output").values(), y.contiguous().toArray());
    }
}
