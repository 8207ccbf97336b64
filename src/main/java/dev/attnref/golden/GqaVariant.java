package dev.attnref.golden;

import dev.attnref.attention.AttentionConfig;
import dev.attnref.attention.AttentionOptions;
import dev.attnref.attention.AttentionWeights;
import dev.attnref.attention.ForwardResult;
import dev.attnref.attention.GroupedQueryAttention;
import dev.attnref.attention.KvCache;
import dev.attnref.attention.MultiHeadAttention;
import dev.attnref.attention.MultiQueryAttention;
import dev.attnref.attention.ProjectionBias;
import dev.attnref.attention.SelfAttention;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code gqa}: a self-attention block of the GQA family with its projections (MHA: G = H,
 * MQA: G = 1), optional biases, RoPE in either pairing, scale and softcap, run as one call or as a
 * sequence of calls on one KV cache (prefill, decode steps, chunked prefill). RoPE may carry a scaling rule
 * ({@code rope.rope_scaling}); each call rotates its tokens with the frequencies for its own largest position
 * + 1 (only dynamic NTK reads it: keys cached by an earlier call keep their rotation, as in HF transformers),
 * and an active YaRN rule also multiplies the softmax scale by m².
 *
 * <pre>
 *   per call i over the next T_i tokens of x, after P_i cached ones:
 *     q = RoPE(split_H(x_i W_Qᵀ + b_Q)),  k = RoPE(split_G(x_i W_Kᵀ + b_K)),  v = split_G(x_i W_Vᵀ + b_V)
 *     k, v = concat_s(cache, k), concat_s(cache, v)          positions P_i … P_i + T_i − 1
 *     o = attention(q, k, v) as in variant "attention", causal queries bottom-right (first = P_i)
 *     out_i = merge_H(o) W_Oᵀ + b_O
 * </pre>
 * The reference is the oracle path: {@link Linear} projections, {@link Rope}, then
 * {@link OracleAttention} with the cache as its past. The generator checks it against
 * {@link GroupedQueryAttention} (and {@link MultiHeadAttention} when G = H, {@link MultiQueryAttention}
 * when G = 1) running the same calls on a {@link KvCache}.
 */
final class GqaVariant extends GoldenVariant<GqaVariant.Settings> {

    record Settings(int batch, int modelWidth, int numHeads, int numKvHeads, int headDim, int valueHeadDim,
            ProjectionBias bias, Rope rope, Double scale, double softcap, boolean causal, int[] steps,
            SdpaVariant.KernelMasks masks, CausalAlignment causalAlignment, Integer causalQueryStart, Integer startPosition) {
        int totalTokens() {
            return AttentionKeys.totalTokens(steps);
        }
    }

    GqaVariant() {
        super("gqa");
    }

    @Override
    public String reference(Settings settings) {
        return OracleAttention.class.getName();
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        List<String> modules = new ArrayList<>();
        modules.add(GroupedQueryAttention.class.getName());
        if (s.numKvHeads() == s.numHeads()) {
            modules.add(MultiHeadAttention.class.getName());
        }
        if (s.numKvHeads() == 1) {
            modules.add(MultiQueryAttention.class.getName());
        }
        return modules;
    }

    @Override
    protected Settings parse(CaseConfig c) {
        int batch = c.positive("batch");
        int modelWidth = c.positive("model_width");
        int numHeads = c.positive("num_heads");
        int numKvHeads = AttentionKeys.numKvHeads(c, numHeads);
        int headDim = c.positive("head_dim");
        int valueHeadDim = c.positive("value_head_dim");
        CaseConfig b = c.object("bias");
        ProjectionBias bias = new ProjectionBias(b.bool("query"), b.bool("key"), b.bool("value"), b.bool("output"));
        Rope rope = AttentionKeys.ropeOrNull(c, headDim, AttentionKeys.ROPE_TYPES);
        Double scale = yarnScale(AttentionKeys.scale(c), rope, headDim);
        double softcap = AttentionKeys.softcap(c);
        boolean causal = c.bool("causal");
        int[] steps = AttentionKeys.steps(c);
        CaseConfig bool = c.optionalObject("bool_mask");
        CaseConfig additive = c.optionalObject("additive_mask");
        boolean keyLengths = c.bool("key_lengths", false);
        String alignment = c.optionalChoice("causal_alignment", "top_left", "bottom_right");
        Integer queryStart = c.has("causal_query_start") ? c.nonNegative("causal_query_start") : null;
        Integer startPosition = c.has("start_position") ? AttentionKeys.startPosition(c, AttentionKeys.totalTokens(steps)) : null;
        boolean anyOption = bool != null || additive != null || keyLengths || alignment != null || queryStart != null
                || startPosition != null;
        if (anyOption && steps.length > 1) {
            throw new IllegalArgumentException("config has per-call options (masks, key_lengths, causal_alignment, "
                    + "causal_query_start, start_position) and " + steps.length + " steps; options apply to a single call");
        }
        if ((alignment != null || queryStart != null) && !causal) {
            throw new IllegalArgumentException("config.causal_alignment / causal_query_start given but config.causal is false");
        }
        if (alignment != null && queryStart != null) {
            throw new IllegalArgumentException("config gives both causal_alignment and causal_query_start; name one");
        }
        return new Settings(batch, modelWidth, numHeads, numKvHeads, headDim, valueHeadDim, bias, rope, scale, softcap,
                causal, steps, new SdpaVariant.KernelMasks(bool == null ? null : SdpaVariant.convention(bool.choice("convention",
                        "keep_where_true", "hide_where_true")), bool == null ? null : bool.integers("shape"),
                        additive == null ? null : additive.integers("shape"), keyLengths),
                alignment == null ? null : alignment.equals("top_left") ? CausalAlignment.TOP_LEFT : CausalAlignment.BOTTOM_RIGHT,
                queryStart, startPosition);
    }

    /**
     * YaRN's attention temperature (arXiv 2309.00071 §3.4, DeepSeek-V3's softmax multiplier): when the rule is
     * active the logits are scaled by m² = (0.1·mscale·ln f + 1)² on top of {@code scale} (or 1/√D).
     */
    private static Double yarnScale(Double scale, Rope rope, int headDim) {
        if (rope == null || !(rope.scaling() instanceof RopeScaling.Yarn yarn) || !yarn.active()) {
            return scale;
        }
        return yarn.softmaxScaleMultiplier() * (scale != null ? scale : 1 / Math.sqrt(headDim));
    }

    @Override
    protected void checkValues(Settings s, CaseInputs in) {
        if (s.masks().keyLengths()) {
            in.requireWithin("key_lengths", 0, s.totalTokens(), "[0, S] = [0, " + s.totalTokens() + "]");
        }
    }

    @Override
    protected long scoreElements(Settings s) {
        return (long) s.batch() * s.numHeads() * s.totalTokens() * s.totalTokens();
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        int m = s.modelWidth();
        int hd = s.numHeads() * s.headDim();
        int gd = s.numKvHeads() * s.headDim();
        int gdv = s.numKvHeads() * s.valueHeadDim();
        int hdv = s.numHeads() * s.valueHeadDim();
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.totalTokens(), m));
        addLinear(specs, "w_q", "b_q", s.bias().query(), "H·D", "M", hd, m);
        addLinear(specs, "w_k", "b_k", s.bias().key(), "G·D", "M", gd, m);
        addLinear(specs, "w_v", "b_v", s.bias().value(), "G·Dv", "M", gdv, m);
        addLinear(specs, "w_o", "b_o", s.bias().output(), "M", "H·Dv", m, hdv);
        int t = s.totalTokens();
        s.masks().addSpecs(specs, new int[] {s.batch(), s.numHeads(), t, t});
        return specs;
    }

    /** A Linear layer's weight [out, in] and, when the layer has one, its bias [out] (drawn with fan-in = in). */
    private static void addLinear(List<TensorSpec> specs, String weight, String bias, boolean hasBias, String outAxis,
            String inAxis, int out, int in) {
        specs.add(TensorSpec.weight(weight, outAxis, inAxis, out, in));
        if (hasBias) {
            specs.add(TensorSpec.bias(bias, outAxis, out, in));
        }
    }

    private static Linear linear(CaseInputs in, String weight, String bias) {
        return new Linear(in.tensor(weight), in.tensorOrNull(bias));
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        Tensor x = in.tensor("x");                                                             // [B, T, M]
        Linear wq = linear(in, "w_q", "b_q");
        Linear wk = linear(in, "w_k", "b_k");
        Linear wv = linear(in, "w_v", "b_v");
        Linear wo = linear(in, "w_o", "b_o");
        int batch = s.batch();
        int numHeads = s.numHeads();
        int numKvHeads = s.numKvHeads();
        double[] pastKey = null;
        double[] pastValue = null;
        int past = 0;
        List<Tensor> outputs = new ArrayList<>();
        CaseOutputs out = new CaseOutputs();
        List<double[]> probabilities = new ArrayList<>();
        for (int step : s.steps()) {
            Tensor chunk = x.narrow(1, past, step);                                            // [B, T_i, M]
            int start = s.startPosition() != null ? s.startPosition() : past;
            // q, k rotated at absolute positions start … start + T_i − 1; v as projected.
            Tensor q = rotate(s, heads(wq.forward(chunk), numHeads, s.headDim()), start);      // [B, H, T_i, D]
            Tensor k = rotate(s, heads(wk.forward(chunk), numKvHeads, s.headDim()), start);    // [B, G, T_i, D]
            Tensor v = heads(wv.forward(chunk), numKvHeads, s.valueHeadDim());                 // [B, G, T_i, Dv]
            AttentionProblem.Builder problem = AttentionProblem.builder()
                    .batch(batch).numHeads(numHeads).numKvHeads(numKvHeads).qLen(step).newKvLen(step)
                    .headDim(s.headDim()).valueHeadDim(s.valueHeadDim())
                    .query(q.toArray()).key(k.toArray()).value(v.toArray()).softcap(s.softcap());
            if (past > 0) {
                problem.past(pastKey, pastValue, past);
            }
            if (s.scale() != null) {
                problem.scale(s.scale());
            }
            if (s.causal()) {
                problem.causal(s.causalQueryStart() != null ? QueryPositions.startingAt(s.causalQueryStart())
                        : QueryPositions.aligned(s.causalAlignment() != null ? s.causalAlignment() : CausalAlignment.BOTTOM_RIGHT));
            }
            s.masks().applyTo(problem, in);
            AttentionResult r = OracleAttention.attend(problem.build());
            Tensor o = Tensor.of(r.output(), batch, numHeads, step, s.valueHeadDim())          // [B, H, T_i, Dv]
                    .transpose(1, 2).reshape(batch, step, numHeads * s.valueHeadDim());         // [B, T_i, H·Dv]
            outputs.add(wo.forward(o));                                                         // [B, T_i, M]
            probabilities.add(r.probabilities());
            pastKey = r.presentKey();
            pastValue = r.presentValue();
            past += step;
        }
        out.add("output", Tensor.cat(outputs, 1), List.of("B", "T", "M"));
        int seen = 0;
        for (int i = 0; i < s.steps().length; i++) {
            seen += s.steps()[i];
            out.add("probabilities." + i, probabilities.get(i), List.of("B", "H", "T_i", "S_i"),
                    batch, numHeads, s.steps()[i], seen);
        }
        out.add("present_key", pastKey, List.of("B", "G", "S", "D"), batch, numKvHeads, past, s.headDim());
        out.add("present_value", pastValue, List.of("B", "G", "S", "Dv"), batch, numKvHeads, past, s.valueHeadDim());
        return out;
    }

    /** {@code [B, T, n·w] → [B, n, T, w]}. */
    private static Tensor heads(Tensor projected, int n, int width) {
        return projected.view(projected.size(0), projected.size(1), n, width).transpose(1, 2).contiguous();
    }

    private static Tensor rotate(Settings s, Tensor heads, int start) {
        return s.rope() == null ? heads : s.rope().apply(heads, start);
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        AttentionConfig.Builder builder = AttentionConfig.builder(s.modelWidth(), s.numHeads(), s.numKvHeads(), s.headDim())
                .valueDim(s.valueHeadDim()).bias(s.bias()).rope(s.rope()).softcap(s.softcap()).causal(s.causal());
        if (s.scale() != null) {
            builder.scale(s.scale());
        }
        AttentionConfig config = builder.build();
        AttentionWeights weights = new AttentionWeights(linear(in, "w_q", "b_q"), linear(in, "w_k", "b_k"),
                linear(in, "w_v", "b_v"), linear(in, "w_o", "b_o"));
        List<SelfAttention<KvCache>> modules = new ArrayList<>();
        modules.add(new GroupedQueryAttention(config, weights));
        if (s.numKvHeads() == s.numHeads()) {
            modules.add(new MultiHeadAttention(config, weights));
        }
        if (s.numKvHeads() == 1) {
            modules.add(new MultiQueryAttention(config, weights));
        }
        AttentionOptions options = options(s, in);
        Tensor x = in.tensor("x");
        for (SelfAttention<KvCache> module : modules) {
            String name = module.getClass().getSimpleName();
            KvCache cache = s.steps().length > 1 ? KvCache.forConfig(config, s.batch()) : null;
            List<Tensor> outputs = new ArrayList<>();
            int done = 0;
            for (int i = 0; i < s.steps().length; i++) {
                ForwardResult r = module.forward(x.narrow(1, done, s.steps()[i]).contiguous(), cache, options);
                outputs.add(r.output());
                Tolerance.FLOAT64.require(name + " probabilities of call " + i,
                        expected.get("probabilities." + i).values(), r.probabilities().contiguous().toArray());
                done += s.steps()[i];
            }
            Tolerance.FLOAT64.require(name + " output", expected.get("output").values(),
                    Tensor.cat(outputs, 1).contiguous().toArray());
            if (cache != null) {
                Tolerance.FLOAT64.require(name + " cached keys", expected.get("present_key").values(), cache.keys().toArray());
                Tolerance.FLOAT64.require(name + " cached values", expected.get("present_value").values(),
                        cache.values().toArray());
            }
        }
    }

    private static AttentionOptions options(Settings s, CaseInputs in) {
        AttentionOptions.Builder options = AttentionOptions.builder();
        SdpaVariant.KernelMasks masks = s.masks();
        if (masks.boolMaskShape() != null) {
            options.booleanMask(in.tensor("bool_mask"), masks.boolConvention());
        }
        if (masks.additiveMaskShape() != null) {
            options.additiveMask(in.tensor("additive_mask"));
        }
        if (masks.keyLengths()) {
            options.keyLengths(in.ints("key_lengths"));
        }
        if (s.causalAlignment() != null) {
            options.causalAlignment(s.causalAlignment());
        }
        if (s.causalQueryStart() != null) {
            options.causalQueryStart(s.causalQueryStart());
        }
        if (s.startPosition() != null) {
            options.startPosition(s.startPosition());
        }
        return options.build();
    }
}
