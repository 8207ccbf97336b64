package dev.attnref.golden;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.FullyMaskedRows;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Variant {@code attention}: scaled dot-product attention of the GQA family on given q, k, v (and an
 * optional past), with every option of {@link OracleAttention} — the kernel-level case.
 *
 * <pre>
 *   k, v = concat_s(past, new);  logit = scale·q·k (g(h) = ⌊h/R⌋);  c·tanh(·/c);  + additive;  fill where hidden
 *   p = softmax_s(logit) (all −∞ → zeros or NaN);  out = p·v
 * </pre>
 *
 * <table>
 *   <caption>Tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>when</th></tr>
 *   <tr><td>query</td><td>[B, H, T, D]</td><td>always</td></tr>
 *   <tr><td>key, value</td><td>[B, G, S_new, D], [B, G, S_new, Dv]</td><td>always</td></tr>
 *   <tr><td>past_key, past_value</td><td>[B, G, P, D], [B, G, P, Dv]</td><td>past_len P &gt; 0</td></tr>
 *   <tr><td>bool_mask</td><td>config shape, broadcasting to [B, H, T, S]</td><td>config bool_mask</td></tr>
 *   <tr><td>additive_mask</td><td>config shape, broadcasting to [B, H, T, S]</td><td>config additive_mask</td></tr>
 *   <tr><td>key_lengths</td><td>[B] int64</td><td>config key_lengths</td></tr>
 *   <tr><td>output → output</td><td>[B, H, T, Dv]</td><td></td></tr>
 *   <tr><td>output → logits, probabilities</td><td>[B, H, T, S]</td><td></td></tr>
 *   <tr><td>output → present_key, present_value</td><td>[B, G, S, D], [B, G, S, Dv]</td><td>P &gt; 0</td></tr>
 * </table>
 */
final class SdpaVariant extends GoldenVariant<SdpaVariant.Settings> {
    static final List<String> SCORE_AXES = List.of("B", "H", "T", "S");

    record Settings(int batch, int numHeads, int numKvHeads, int qLen, int newKvLen, int pastLen, int headDim,
            int valueHeadDim, Double scale, double softcap, KernelMasks masks, QueryPositions causal, double maskFill,
            FullyMaskedRows fullyMaskedRows) {
        int kvLen() {
            return pastLen + newKvLen;
        }
    }

    /**
     * The optional mask inputs of one attention call: {@code bool_mask} (hiding or keeping where true) and
     * {@code additive_mask}, each of a configured shape broadcasting to [B, H, T, S], and {@code key_lengths
     * [B]} (keys at s ≥ key_lengths[b] hidden). Null shapes and false mean absent.
     */
    record KernelMasks(MaskConvention boolConvention, int[] boolMaskShape, int[] additiveMaskShape, boolean keyLengths) {

        /** Their input specs, for scores of shape {@code target} = [B, H, T, S]. */
        void addSpecs(List<TensorSpec> specs, int[] target) {
            if (boolMaskShape != null) {
                specs.add(maskSpec("bool_mask", TensorSpec.Kind.BOOL, boolMaskShape, target));
            }
            if (additiveMaskShape != null) {
                specs.add(maskSpec("additive_mask", TensorSpec.Kind.FLOAT, additiveMaskShape, target));
            }
            if (keyLengths) {
                specs.add(TensorSpec.integers("key_lengths", List.of("B"), target[0]));
            }
        }

        /** Gives the case's masks and key lengths to the oracle's problem. */
        void applyTo(AttentionProblem.Builder problem, CaseInputs in) {
            if (boolMaskShape != null) {
                problem.booleanMask(in.booleans("bool_mask"), boolConvention, boolMaskShape);
            }
            if (additiveMaskShape != null) {
                problem.additiveMask(in.values("additive_mask"), additiveMaskShape);
            }
            if (keyLengths) {
                problem.keyLengths(in.ints("key_lengths"));
            }
        }
    }

    SdpaVariant() {
        super("attention");
    }

    @Override
    public String reference(Settings settings) {
        return OracleAttention.class.getName();
    }

    @Override
    protected Settings parse(CaseConfig c) {
        int batch = c.positive("batch");
        int numHeads = c.positive("num_heads");
        int numKvHeads = AttentionKeys.numKvHeads(c, numHeads);
        int qLen = c.positive("q_len");
        int newKvLen = c.positive("new_kv_len");
        int pastLen = c.nonNegative("past_len");
        if ((long) pastLen + newKvLen > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config.past_len (" + pastLen + ") + config.new_kv_len (" + newKvLen
                    + ") = S must be ≤ 2³¹ − 1");
        }
        int headDim = c.positive("head_dim");
        int valueHeadDim = c.positive("value_head_dim");
        Double scale = AttentionKeys.scale(c);
        double softcap = AttentionKeys.softcap(c);
        CaseConfig bool = c.objectOrNull("bool_mask");
        MaskConvention convention = bool == null ? null : convention(bool.choice("convention", "keep_where_true", "hide_where_true"));
        int[] boolShape = bool == null ? null : bool.integers("shape");
        CaseConfig additive = c.objectOrNull("additive_mask");
        int[] additiveShape = additive == null ? null : additive.integers("shape");
        boolean keyLengths = c.bool("key_lengths");
        QueryPositions causal = causal(c.objectOrNull("causal"), batch);
        double fill = c.number("mask_fill");
        if (Double.isNaN(fill) || fill == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("config.mask_fill (" + fill + ") must be \"-inf\" or a finite number");
        }
        FullyMaskedRows policy = c.choice("fully_masked_rows", "zeros", "nan").equals("zeros")
                ? FullyMaskedRows.ZEROS : FullyMaskedRows.NAN;
        return new Settings(batch, numHeads, numKvHeads, qLen, newKvLen, pastLen, headDim, valueHeadDim, scale, softcap,
                new KernelMasks(convention, boolShape, additiveShape, keyLengths), causal, fill, policy);
    }

    static MaskConvention convention(String name) {
        return name.equals("keep_where_true") ? MaskConvention.KEEP_WHERE_TRUE : MaskConvention.HIDE_WHERE_TRUE;
    }

    /** {"alignment": "top_left"|"bottom_right"}, {"query_start": p} or {"query_start_per_batch": [p₀, …]}. */
    static QueryPositions causal(CaseConfig c, int batch) {
        if (c == null) {
            return null;
        }
        boolean aligned = c.has("alignment");
        boolean start = c.has("query_start");
        boolean perBatch = c.has("query_start_per_batch");
        if ((aligned ? 1 : 0) + (start ? 1 : 0) + (perBatch ? 1 : 0) != 1) {
            throw new IllegalArgumentException(c.path() + " must hold exactly one of alignment, query_start, "
                    + "query_start_per_batch");
        }
        if (aligned) {
            return QueryPositions.aligned(c.choice("alignment", "top_left", "bottom_right").equals("top_left")
                    ? CausalAlignment.TOP_LEFT : CausalAlignment.BOTTOM_RIGHT);
        }
        if (start) {
            return QueryPositions.startingAt(c.integer("query_start"));
        }
        int[] starts = c.integers("query_start_per_batch");
        if (starts.length != batch) {
            throw new IllegalArgumentException(c.path() + ".query_start_per_batch has " + starts.length
                    + " entries; expected one per batch row (" + batch + ")");
        }
        return QueryPositions.startingAtPerBatch(starts);
    }

    @Override
    protected void checkValues(Settings s, CaseInputs in) {
        if (s.masks().keyLengths()) {
            in.requireWithin("key_lengths", 0, s.kvLen(), "[0, S] = [0, " + s.kvLen() + "]");
        }
    }

    @Override
    protected long scoreElements(Settings s) {
        return (long) s.batch() * s.numHeads() * s.qLen() * s.kvLen();
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        List<TensorSpec> specs = new ArrayList<>();
        int b = s.batch();
        specs.add(TensorSpec.floats("query", TensorSpec.Fill.ACTIVATION, List.of("B", "H", "T", "D"),
                b, s.numHeads(), s.qLen(), s.headDim()));
        specs.add(TensorSpec.floats("key", TensorSpec.Fill.ACTIVATION, List.of("B", "G", "S_new", "D"),
                b, s.numKvHeads(), s.newKvLen(), s.headDim()));
        specs.add(TensorSpec.floats("value", TensorSpec.Fill.ACTIVATION, List.of("B", "G", "S_new", "Dv"),
                b, s.numKvHeads(), s.newKvLen(), s.valueHeadDim()));
        if (s.pastLen() > 0) {
            specs.add(TensorSpec.floats("past_key", TensorSpec.Fill.ACTIVATION, List.of("B", "G", "P", "D"),
                    b, s.numKvHeads(), s.pastLen(), s.headDim()));
            specs.add(TensorSpec.floats("past_value", TensorSpec.Fill.ACTIVATION, List.of("B", "G", "P", "Dv"),
                    b, s.numKvHeads(), s.pastLen(), s.valueHeadDim()));
        }
        s.masks().addSpecs(specs, new int[] {b, s.numHeads(), s.qLen(), s.kvLen()});
        return specs;
    }

    /** A mask of the configured shape, which must broadcast to {@code target} ([B, H, T, S]). */
    static TensorSpec maskSpec(String name, TensorSpec.Kind kind, int[] shape, int[] target) {
        TensorSpec broadcast = new TensorSpec(name, kind, target, TensorSpec.ShapeRule.BROADCAST, SCORE_AXES,
                TensorSpec.Fill.GIVEN, 0);
        String mismatch = broadcast.mismatch(shape);
        if (mismatch != null) {
            throw new IllegalArgumentException("config " + name + ".shape " + mismatch);
        }
        return new TensorSpec(name, kind, shape, TensorSpec.ShapeRule.EXACT, broadcast.axesFor(shape),
                TensorSpec.Fill.GIVEN, 0);
    }

    /** The oracle's problem for these settings and inputs. */
    private static AttentionProblem problem(Settings s, CaseInputs in) {
        AttentionProblem.Builder problem = AttentionProblem.builder()
                .batch(s.batch()).numHeads(s.numHeads()).numKvHeads(s.numKvHeads())
                .qLen(s.qLen()).newKvLen(s.newKvLen()).headDim(s.headDim()).valueHeadDim(s.valueHeadDim())
                .query(in.values("query")).key(in.values("key")).value(in.values("value"))
                .softcap(s.softcap()).maskFill(s.maskFill()).fullyMaskedRows(s.fullyMaskedRows());
        if (s.pastLen() > 0) {
            problem.past(in.values("past_key"), in.values("past_value"), s.pastLen());
        }
        if (s.scale() != null) {
            problem.scale(s.scale());
        }
        s.masks().applyTo(problem, in);
        if (s.causal() != null) {
            problem.causal(s.causal());
        }
        return problem.build();
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        AttentionResult r = OracleAttention.attend(problem(s, in));
        int b = s.batch();
        CaseOutputs out = new CaseOutputs()
                .add("output", r.output(), List.of("B", "H", "T", "Dv"), b, s.numHeads(), s.qLen(), s.valueHeadDim())
                .add("logits", r.logits(), SCORE_AXES, b, s.numHeads(), s.qLen(), s.kvLen())
                .add("probabilities", r.probabilities(), SCORE_AXES, b, s.numHeads(), s.qLen(), s.kvLen());
        if (s.pastLen() > 0) {
            out.add("present_key", r.presentKey(), List.of("B", "G", "S", "D"), b, s.numKvHeads(), s.kvLen(), s.headDim())
                    .add("present_value", r.presentValue(), List.of("B", "G", "S", "Dv"),
                            b, s.numKvHeads(), s.kvLen(), s.valueHeadDim());
        }
        return out;
    }

    /** The plain bf16 or fp16 implementation of {@link LowPrecisionAttention}, by output name. */
    @Override
    protected Map<String, double[]> lowPrecision(Settings s, CaseInputs in, Precision precision) {
        LowPrecisionAttention.Result r = LowPrecisionAttention.attend(problem(s, in), precision);
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("output", r.output());
        out.put("logits", r.logits());
        out.put("probabilities", r.probabilities());
        if (s.pastLen() > 0) {
            out.put("present_key", r.presentKey());
            out.put("present_value", r.presentValue());
        }
        return out;
    }
}
