package dev.attnref.golden;

import dev.attnref.core.Rope;
import java.util.List;

/**
 * Variant {@code rope}: rotary position embedding of head-split rows at given absolute positions
 * (docs/MATH.md, "Rotary position embedding"), either pairing, partial rotary ({@code P < D}: the last
 * {@code D − P} dims pass through).
 *
 * <pre>
 *   pair i at position pos turns by φ = pos·ω'_i:  x'_a = x_a cos φ − x_b sin φ,  x'_b = x_b cos φ + x_a sin φ
 *   (a, b) = (2i, 2i+1) interleaved,  (i, i + P/2) split halves
 *   ω'_i = θ^(−2i/P), or the rule of rope.rope_scaling for L = max(positions) + 1 (core.RopeScaling)
 * </pre>
 * Tensors: {@code x [B, H, T, D]}, {@code positions [T]} int64 ≥ 0 → {@code output [B, H, T, D]}. A YaRN
 * rule's softmax multiplier is not part of the rotation: the attention variants apply it.
 */
final class RopeVariant extends GoldenVariant<RopeVariant.Settings> {

    record Settings(int batch, int numHeads, int seqLen, int headDim, Rope rope) {
    }

    RopeVariant() {
        super("rope");
    }

    @Override
    public String reference(Settings settings) {
        return Rope.class.getName();
    }

    @Override
    protected Settings parse(CaseConfig c) {
        int batch = c.positive("batch");
        int numHeads = c.positive("num_heads");
        int seqLen = c.positive("seq_len");
        int headDim = c.positive("head_dim");
        return new Settings(batch, numHeads, seqLen, headDim, AttentionKeys.rope(c, headDim));
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        return List.of(
                TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "H", "T", "D"),
                        s.batch(), s.numHeads(), s.seqLen(), s.headDim()),
                TensorSpec.integers("positions", List.of("T"), s.seqLen()));
    }

    @Override
    protected void checkValues(Settings s, CaseInputs in) {
        in.requireWithin("positions", 0, Integer.MAX_VALUE, "[0, 2³¹ − 1]");
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        return new CaseOutputs().add("output", s.rope().apply(in.tensor("x"), in.ints("positions")),
                List.of("B", "H", "T", "D"));
    }
}
