package dev.attnref.golden.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.core.RopeScaling;
import dev.attnref.golden.CaseConfig;
import dev.attnref.golden.CaseInputs;
import dev.attnref.golden.DType;
import dev.attnref.golden.Precision;
import dev.attnref.golden.StoredTensor;
import dev.attnref.model.Activation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plain port of the golden format, written the way a porting author would write one from
 * reference-data/README.md: loops over row-major arrays, no library, no cleverness. It expresses the
 * variants {@code attention}, {@code gqa}, {@code rope}, {@code mla}, {@code norm} and {@code ffn}, RoPE
 * scaling included; any other variant, or a config key it does not know, is {@link NotExpressible}.
 *
 * <p>Numbers: every stored tensor (inputs, weights, each operation's result) is rounded to the
 * {@link Precision}; a dot product, a softmax row or a norm accumulates in float32 (PyTorch's kernels do
 * the same for bf16). RoPE angles {@code pos·θ^(−2i/P)} are formed in float64 and their cos and sin
 * rounded (reference-data/README.md, "Tolerances").
 *
 * <p>With {@code bug} null the port is the control: it must pass every case it expresses
 * ({@code BugZooTest}). With a {@link Mutant} it makes exactly that one mistake; each is marked at the
 * line that makes it ({@code is(Mutant.X)}).
 *
 * <p>Layouts: {@code [B, H, T, D]} for heads, {@code [B, T, M]} for tokens, as the README's variants.
 */
public final class PlainPort {
    /** The fill of {@link Mutant#FINITE_FILL}: BERT's {@code (1.0 − mask) · −10000.0}. */
    private static final double BERT_FILL = -10000.0;

    /** A case this port cannot run: another variant, or an option it does not implement. */
    public static final class NotExpressible extends RuntimeException {
        NotExpressible(String why) {
            super(why);
        }
    }

    private final Precision precision;
    private final Mutant bug;

    /** A port storing tensors in {@code precision}, with {@code bug} switched on (null: the control). */
    public PlainPort(Precision precision, Mutant bug) {
        this.precision = precision;
        this.bug = bug;
    }

    private boolean is(Mutant m) {
        return bug == m;
    }

    private double r(double x) {
        return precision.round(x);
    }

    /** The outputs of one case, by the README's output names, as F32 tensors holding values of the precision. */
    public Map<String, StoredTensor> run(String variant, JsonNode config, CaseInputs in) {
        CaseConfig c = CaseConfig.of(config, "config");
        return switch (variant) {
            case "attention" -> attention(c, in);
            case "gqa" -> gqa(c, in);
            case "rope" -> rope(c, in);
            case "mla" -> mla(c, in);
            case "norm" -> norm(c, in);
            case "ffn" -> ffn(c, in);
            default -> throw new NotExpressible("variant " + variant + " is not ported");
        };
    }

    /** Every key of the config was read: otherwise the case uses an option this port does not know. */
    private static void understood(CaseConfig c) {
        try {
            c.finish();
        } catch (IllegalArgumentException e) {
            throw new NotExpressible(e.getMessage());
        }
    }

    private double[] input(CaseInputs in, String name) {
        return Arrays.stream(in.values(name)).map(precision::round).toArray();
    }

    private double[] inputOrNull(CaseInputs in, String name) {
        return in.has(name) ? input(in, name) : null;
    }

    private static void put(Map<String, StoredTensor> out, String name, double[] values, int... shape) {
        out.put(name, StoredTensor.ofFloats(DType.F32, shape, values));
    }

    // ------------------------------------------------------------------------------------------ attention

    /** Masks of one call, each broadcasting to [B, H, T, S]; null fields are absent. */
    record Masks(boolean[] bool, int[] boolShape, boolean keepWhereTrue, double[] additive, int[] additiveShape,
            int[] keyLengths) {
        static final Masks NONE = new Masks(null, null, true, null, null, null);
    }

    /** The masks a config names ({@code bool_mask}, {@code additive_mask}: null when absent), the additive one rounded. */
    private Masks masks(CaseConfig bool, CaseConfig additive, boolean keyLengths, CaseInputs in) {
        return new Masks(bool == null ? null : in.booleans("bool_mask"), bool == null ? null : bool.integers("shape"),
                bool == null || bool.choice("convention", "keep_where_true", "hide_where_true").equals("keep_where_true"),
                additive == null ? null : input(in, "additive_mask"), additive == null ? null : additive.integers("shape"),
                keyLengths ? in.ints("key_lengths") : null);
    }

    /**
     * One attention call: q [B, H, T, D], k [B, G, S, D], v [B, G, S, Dv]; {@code first[b]} the position of
     * query 0 for the causal mask (null: not causal); {@code fill} for hidden logits.
     */
    record Call(int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim, int valueDim, double[] q, double[] k,
            double[] v, double scale, double softcap, Masks masks, long[] first, double fill, boolean nanRows) {
    }

    /** output [B, H, T, Dv], logits and probabilities [B, H, T, S]. */
    record Attended(double[] output, double[] logits, double[] probabilities) {
    }

    private double defaultScale(int headDim) {
        return is(Mutant.SCALE_ONE_OVER_D) ? 1.0 / headDim : 1.0 / Math.sqrt(headDim);
    }

    /** {@code p = softmax_s(mask(cap(scale·q·k)) + additive)}, {@code o = p·v}, row by row. */
    Attended attend(Call a) {
        int n = a.batch() * a.heads() * a.qLen();
        double[] logits = new double[n * a.kvLen()];                                   // [B, H, T, S]
        double[] probabilities = new double[logits.length];
        double[] output = new double[n * a.valueDim()];                                // [B, H, T, Dv]
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < a.heads(); h++) {
                // g(h) = ⌊h / R⌋, R = H / G
                int g = is(Mutant.TILED_GROUPING) ? h % a.kvHeads() : h / (a.heads() / a.kvHeads());
                for (int t = 0; t < a.qLen(); t++) {
                    int row = (b * a.heads() + h) * a.qLen() + t;
                    for (int s = 0; s < a.kvLen(); s++) {
                        logits[row * a.kvLen() + s] = logit(a, b, h, g, t, s);
                    }
                    softmax(logits, probabilities, row * a.kvLen(), a.kvLen(), a.nanRows());
                    weightedSum(a, probabilities, row, b * a.kvHeads() + g, output);
                }
            }
        }
        return new Attended(output, logits, probabilities);
    }

    /** {@code l = cap(scale·q_t·k_s) + additive} where visible, the fill where hidden. */
    private double logit(Call a, int b, int h, int g, int t, int s) {
        int d = a.headDim();
        int qRow = ((b * a.heads() + h) * a.qLen() + t) * d;
        int kRow = ((b * a.kvHeads() + g) * a.kvLen() + s) * d;
        float dot = 0;                                                                 // thd,sgd->ts, float32 sum
        for (int i = 0; i < d; i++) {
            dot += (float) a.q()[qRow + i] * (float) a.k()[kRow + i];
        }
        double score = r(r(dot) * a.scale());
        double fill = is(Mutant.FINITE_FILL) && a.fill() == Double.NEGATIVE_INFINITY ? BERT_FILL : a.fill();
        boolean capLast = is(Mutant.SOFTCAP_AFTER_MASK);
        double capped = capLast ? score : cap(score, a.softcap());
        double l = visible(a, b, h, t, s) ? plusAdditive(a, capped, b, h, t, s) : r(fill);
        return capLast ? cap(l, a.softcap()) : l;
    }

    /** {@code c·tanh(x / c)} for c &gt; 0; x itself for c = 0. */
    private double cap(double x, double c) {
        return c > 0 ? r(c * r(Math.tanh(r(x / c)))) : x;
    }

    private double plusAdditive(Call a, double x, int b, int h, int t, int s) {
        Masks m = a.masks();
        return m.additive() == null ? x : r(x + m.additive()[maskIndex(m.additiveShape(), b, h, t, s)]);
    }

    /** Bool mask keeps s, s ≤ first + t when causal, s &lt; key_lengths[b] when given. */
    private boolean visible(Call a, int b, int h, int t, int s) {
        Masks m = a.masks();
        if (m.bool() != null) {
            boolean set = m.bool()[maskIndex(m.boolShape(), b, h, t, s)];
            boolean keep = m.keepWhereTrue() != is(Mutant.INVERTED_MASK);
            if (set != keep) {
                return false;
            }
        }
        if (a.first() != null) {
            long last = a.first()[b] + t;                                              // the last key query t sees
            if (is(Mutant.CAUSAL_OFF_BY_ONE) ? s >= last : s > last) {
                return false;
            }
        }
        return m.keyLengths() == null || is(Mutant.KEY_LENGTHS_IGNORED) || s < m.keyLengths()[b];
    }

    /**
     * The flat index of [b, h, t, s] in a mask of {@code shape}, aligned from the right (rank 3 is [H, T, S]);
     * a size-1 axis broadcasts.
     */
    private int maskIndex(int[] shape, int b, int h, int t, int s) {
        int[] full = {b, h, t, s};
        int offset = 4 - shape.length;
        int index = 0;
        for (int i = 0; i < shape.length; i++) {
            int axis = is(Mutant.RANK3_MASK_AS_BTS) && shape.length == 3 && i == 0 ? 0 : offset + i;
            int at = shape[i] == 1 ? 0 : full[axis];
            if (at >= shape[i]) {
                throw new IndexOutOfBoundsException("mask axis " + i + " has size " + shape[i] + "; index " + at);
            }
            index = index * shape[i] + at;
        }
        return index;
    }

    /** {@code p_s = exp(l_s − m) / Σ exp(l_s' − m)}, m = max l; a row of −∞ only gives zeros (or NaN). */
    private void softmax(double[] logits, double[] p, int from, int n, boolean nanRows) {
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < n; s++) {
            max = Math.max(max, logits[from + s]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            Arrays.fill(p, from, from + n, nanRows ? Double.NaN : 0.0);
            return;
        }
        float m = is(Mutant.SOFTMAX_NO_MAX) ? 0f : (float) max;
        float sum = 0;
        float[] e = new float[n];
        for (int s = 0; s < n; s++) {
            e[s] = (float) Math.exp((float) logits[from + s] - m);
            sum += e[s];
        }
        for (int s = 0; s < n; s++) {
            p[from + s] = r(e[s] / sum);
        }
    }

    /** {@code o_t = Σ_s p_s · v_s} over kv head {@code kvRow} = b·G + g ({@code ts,sgd->td}). */
    private void weightedSum(Call a, double[] p, int row, int kvRow, double[] output) {
        for (int e = 0; e < a.valueDim(); e++) {
            float sum = 0;
            for (int s = 0; s < a.kvLen(); s++) {
                sum += (float) p[row * a.kvLen() + s] * (float) a.v()[(kvRow * a.kvLen() + s) * a.valueDim() + e];
            }
            output[row * a.valueDim() + e] = r(sum);
        }
    }

    /** Variant {@code attention}: k, v = past ++ new; one call. */
    private Map<String, StoredTensor> attention(CaseConfig c, CaseInputs in) {
        int batch = c.positive("batch");
        int heads = c.positive("num_heads");
        int kvHeads = c.positive("num_kv_heads");
        int qLen = c.positive("q_len");
        int newLen = c.positive("new_kv_len");
        int past = c.nonNegative("past_len");
        int d = c.positive("head_dim");
        int dv = c.positive("value_head_dim");
        Double scale = c.numberOrNull("scale");
        double softcap = c.number("softcap");
        Masks masks = masks(c.objectOrNull("bool_mask"), c.objectOrNull("additive_mask"), c.bool("key_lengths"), in);
        CaseConfig causal = c.objectOrNull("causal");
        double fill = c.number("mask_fill");
        boolean nanRows = c.choice("fully_masked_rows", "zeros", "nan").equals("nan");
        int kvLen = past + newLen;
        long[] first = causal == null ? null : firstPositions(causal, batch, kvLen - qLen);
        understood(c);
        int outer = batch * kvHeads;
        double[] k = past == 0 ? input(in, "key") : concat(input(in, "past_key"), past, input(in, "key"), newLen, outer, d);
        double[] v = past == 0 ? input(in, "value")
                : concat(input(in, "past_value"), past, input(in, "value"), newLen, outer, dv);
        Attended r = attend(new Call(batch, heads, kvHeads, qLen, kvLen, d, dv, input(in, "query"), k, v,
                scale == null ? defaultScale(d) : scale, softcap, masks, first, fill, nanRows));
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        put(out, "output", r.output(), batch, heads, qLen, dv);
        put(out, "logits", r.logits(), batch, heads, qLen, kvLen);
        put(out, "probabilities", r.probabilities(), batch, heads, qLen, kvLen);
        if (past > 0) {
            put(out, "present_key", k, batch, kvHeads, kvLen, d);
            put(out, "present_value", v, batch, kvHeads, kvLen, dv);
        }
        return out;
    }

    /** first(b): 0 top-left, S − T bottom-right, or the given start(s). */
    private long[] firstPositions(CaseConfig causal, int batch, int bottomRight) {
        long[] first = new long[batch];
        if (causal.has("alignment")) {
            boolean topLeft = causal.choice("alignment", "top_left", "bottom_right").equals("top_left");
            Arrays.fill(first, topLeft || is(Mutant.CAUSAL_TOP_LEFT) ? 0 : bottomRight);
        } else if (causal.has("query_start")) {
            Arrays.fill(first, causal.integer("query_start"));
        } else {
            int[] starts = causal.integers("query_start_per_batch");
            for (int b = 0; b < batch; b++) {
                first[b] = starts[b];
            }
        }
        return first;
    }

    /** {@code concat_s(a, b)} of [outer, Sa, w] and [outer, Sb, w] → [outer, Sa + Sb, w]. */
    private static double[] concat(double[] a, int sa, double[] b, int sb, int outer, int w) {
        double[] out = new double[outer * (sa + sb) * w];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(a, o * sa * w, out, o * (sa + sb) * w, sa * w);
            System.arraycopy(b, o * sb * w, out, (o * (sa + sb) + sa) * w, sb * w);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ projections

    /** {@code y = x·Wᵀ + b}: x [rows, in], W [out, in], b [out] or null → [rows, out] ({@code ri,oi->ro}). */
    private double[] linear(double[] x, int rows, double[] w, double[] bias, int out) {
        int in = w.length / out;
        double[] y = new double[rows * out];
        for (int row = 0; row < rows; row++) {
            for (int o = 0; o < out; o++) {
                float sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += (float) x[row * in + i] * (float) w[o * in + i];
                }
                y[row * out + o] = r(bias == null ? sum : sum + (float) bias[o]);
            }
        }
        return y;
    }

    /** {@code [B, T, n·w] → [B, n, T, w]}. */
    private static double[] splitHeads(double[] x, int batch, int len, int n, int w) {
        double[] out = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                for (int h = 0; h < n; h++) {
                    System.arraycopy(x, ((b * len + t) * n + h) * w, out, ((b * n + h) * len + t) * w, w);
                }
            }
        }
        return out;
    }

    /** {@code [B, n, T, w] → [B, T, n·w]}. */
    private static double[] mergeHeads(double[] x, int batch, int n, int len, int w) {
        double[] out = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < n; h++) {
                for (int t = 0; t < len; t++) {
                    System.arraycopy(x, ((b * n + h) * len + t) * w, out, ((b * len + t) * n + h) * w, w);
                }
            }
        }
        return out;
    }

    /** Tokens [from, from + len) of x [B, T, M] → [B, len, M]. */
    private static double[] tokens(double[] x, int batch, int total, int width, int from, int len) {
        double[] out = new double[batch * len * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, (b * total + from) * width, out, b * len * width, len * width);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ RoPE

    /**
     * A rotary embedding: P dims turn, base θ, pairs (2i, 2i+1) when interleaved, else (i, i + P/2), inverse
     * frequencies ω'_j of a scaling rule (reference-data/README.md, "RoPE scaling"; the rules' arithmetic is
     * {@link RopeScaling}'s, as a port would call its framework's rope-init functions).
     */
    record RopeSpec(int rotaryDim, double theta, boolean interleaved, RopeScaling scaling) {
        static RopeSpec read(CaseConfig rope) {
            return rope == null ? null : new RopeSpec(rope.positive("rotary_dim"), rope.number("theta"),
                    rope.choice("pairing", "interleaved", "split_halves").equals("interleaved"), scaling(rope));
        }

        /** {@code rope_scaling} of {@code holder}: absent or null is no scaling. */
        static RopeScaling scaling(CaseConfig holder) {
            CaseConfig s = holder.optionalObject("rope_scaling");
            if (s == null) {
                return RopeScaling.NONE;
            }
            return switch (s.choice("rope_type", "default", "linear", "dynamic", "llama3", "yarn")) {
                case "linear" -> new RopeScaling.Linear(s.number("factor"));
                case "dynamic" -> new RopeScaling.DynamicNtk(s.number("factor"), s.integer("original_max_position_embeddings"));
                case "llama3" -> new RopeScaling.Llama3(s.number("factor"), s.number("low_freq_factor"),
                        s.number("high_freq_factor"), s.integer("original_max_position_embeddings"));
                case "yarn" -> new RopeScaling.Yarn(s.number("rope_factor"), s.integer("original_seq_len"),
                        s.integer("max_seq_len"), s.number("beta_fast"), s.number("beta_slow"), s.number("mscale"));
                default -> RopeScaling.NONE;
            };
        }
    }

    /**
     * The softmax multiplier m² of an active YaRN rule, m = 0.1·mscale·ln f + 1 (DeepSeek-V3 {@code MLA.__init__}
     * squares it into {@code softmax_scale}); 1 for any other rule.
     */
    private double yarnMultiplier(RopeScaling scaling) {
        return scaling instanceof RopeScaling.Yarn y && y.active() ? squared(0.1 * y.mscale() * Math.log(y.factor()) + 1.0)
                : 1.0;
    }

    /** m², or m itself where the wrong port forgets to square it. */
    private double squared(double m) {
        return is(Mutant.YARN_MSCALE_ONCE) ? m : m * m;
    }

    /**
     * x viewed as rows of {@code width}; row {@code i} turns at position {@code pos[i]}: pair j by
     * φ = pos·ω'_j (ω_j = θ^(−2j/P) unscaled), {@code x'_a = x_a cos φ − x_b sin φ}, {@code x'_b = x_b cos φ + x_a sin φ}, over dims
     * [start, start + P) of the row (start 0, or D − P for a partial rotary on the wrong slice).
     */
    private double[] rotate(double[] x, int width, int start, RopeSpec rope, long[] pos) {
        double[] out = x.clone();
        int p = rope.rotaryDim();
        boolean interleaved = rope.interleaved() != is(Mutant.ROPE_PAIRING_SWAPPED);
        // ω'_j once per call, for L = the call's largest position + 1 (only dynamic NTK reads L)
        double[] omega = rope.scaling().inverseFrequencies(p, rope.theta(), Arrays.stream(pos).max().orElse(0) + 1);
        for (int row = 0; row < pos.length; row++) {
            for (int j = 0; j < p / 2; j++) {
                double phi = pos[row] * omega[j];
                double cos = r(Math.cos(phi));
                double sin = r(Math.sin(phi));
                int a = row * width + start + (interleaved ? 2 * j : j);
                int b = row * width + start + (interleaved ? 2 * j + 1 : j + p / 2);
                out[a] = r(r(x[a] * cos) - r(x[b] * sin));
                out[b] = r(r(x[b] * cos) + r(x[a] * sin));
            }
        }
        return out;
    }

    /** The first rotated dim of a head of width D: 0, or D − P when the wrong slice turns. */
    private int rotaryStart(int headDim, RopeSpec rope) {
        return is(Mutant.PARTIAL_ROTARY_WRONG_SLICE) ? headDim - rope.rotaryDim() : 0;
    }

    /** Positions of the rows of an [outer, T, ·] tensor: row (o, t) at {@code first + t}. */
    private static long[] rowPositions(int outer, int len, long first) {
        long[] pos = new long[outer * len];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = first + i % len;
        }
        return pos;
    }

    /** Variant {@code rope}: x [B, H, T, D] at positions[t]. */
    private Map<String, StoredTensor> rope(CaseConfig c, CaseInputs in) {
        int batch = c.positive("batch");
        int heads = c.positive("num_heads");
        int len = c.positive("seq_len");
        int d = c.positive("head_dim");
        RopeSpec rope = RopeSpec.read(c.object("rope"));
        understood(c);
        int[] positions = in.ints("positions");
        long[] pos = new long[batch * heads * len];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = positions[i % len];
        }
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        put(out, "output", rotate(input(in, "x"), d, rotaryStart(d, rope), rope, pos), batch, heads, len, d);
        return out;
    }

    // ------------------------------------------------------------------------------------------ gqa

    /** The sizes and options of a {@code gqa} block. */
    private record Block(int batch, int width, int heads, int kvHeads, int d, int dv, RopeSpec rope, Double scale,
            double softcap, boolean causal, int[] steps, String alignment, Integer queryStart, Integer startPosition) {
        int total() {
            int n = 0;
            for (int step : steps) {
                n += step;
            }
            return n;
        }
    }

    /** Variant {@code gqa}: projections, RoPE, attention call by call on one KV cache, output projection. */
    private Map<String, StoredTensor> gqa(CaseConfig c, CaseInputs in) {
        CaseConfig bias = c.object("bias");
        for (String layer : new String[] {"query", "key", "value", "output"}) {
            bias.bool(layer);                                   // the payload holds the biases that exist
        }
        Block block = new Block(c.positive("batch"), c.positive("model_width"), c.positive("num_heads"),
                c.positive("num_kv_heads"), c.positive("head_dim"), c.positive("value_head_dim"),
                RopeSpec.read(c.objectOrNull("rope")), c.numberOrNull("scale"), c.number("softcap"), c.bool("causal"),
                c.integers("steps"), c.optionalChoice("causal_alignment", "top_left", "bottom_right"),
                c.has("causal_query_start") ? c.integer("causal_query_start") : null,
                c.has("start_position") ? c.integer("start_position") : null);
        Masks masks = masks(c.optionalObject("bool_mask"), c.optionalObject("additive_mask"),
                c.bool("key_lengths", false), in);
        understood(c);
        return new GqaRun(block, masks, in).run();
    }

    /** One {@code gqa} case run call by call; the cache holds keys (rotated) and values [B, G, S, ·]. */
    private final class GqaRun {
        private final Block k;
        private final Masks masks;
        private final double[] x;
        private final double[] wq, wk, wv, wo, bq, bk, bv, bo;
        private double[] cacheK = new double[0];
        private double[] cacheV = new double[0];
        private int past;

        GqaRun(Block block, Masks masks, CaseInputs in) {
            this.k = block;
            this.masks = masks;
            x = input(in, "x");
            wq = input(in, "w_q");
            wk = input(in, "w_k");
            wv = input(in, "w_v");
            wo = input(in, "w_o");
            bq = inputOrNull(in, "b_q");
            bk = inputOrNull(in, "b_k");
            bv = inputOrNull(in, "b_v");
            bo = inputOrNull(in, "b_o");
        }

        Map<String, StoredTensor> run() {
            Map<String, StoredTensor> out = new LinkedHashMap<>();
            double[] output = new double[k.batch() * k.total() * k.width()];
            for (int i = 0; i < k.steps().length; i++) {
                int from = past;
                int len = k.steps()[i];
                Attended a = call(tokens(x, k.batch(), k.total(), k.width(), from, len), len);
                // out_i = merge_H(o)·W_Oᵀ + b_O, written at tokens [S₀, S₀ + T_i)
                double[] o = linear(mergeHeads(a.output(), k.batch(), k.heads(), len, k.dv()), k.batch() * len, wo, bo,
                        k.width());
                for (int b = 0; b < k.batch(); b++) {
                    System.arraycopy(o, b * len * k.width(), output, (b * k.total() + from) * k.width(), len * k.width());
                }
                put(out, "probabilities." + i, a.probabilities(), k.batch(), k.heads(), len, past);
            }
            put(out, "output", output, k.batch(), k.total(), k.width());
            put(out, "present_key", cacheK, k.batch(), k.kvHeads(), past, k.d());
            put(out, "present_value", cacheV, k.batch(), k.kvHeads(), past, k.dv());
            return out;
        }

        /** One call over {@code len} new tokens xi [B, len, M]; advances the cache. */
        private Attended call(double[] xi, int len) {
            int rows = k.batch() * len;
            double[] q = splitHeads(linear(xi, rows, wq, bq, k.heads() * k.d()), k.batch(), len, k.heads(), k.d());
            double[] kNew = splitHeads(linear(xi, rows, wk, bk, k.kvHeads() * k.d()), k.batch(), len, k.kvHeads(), k.d());
            double[] vNew = splitHeads(linear(xi, rows, wv, bv, k.kvHeads() * k.dv()), k.batch(), len, k.kvHeads(), k.dv());
            // RoPE at positions p₀ … p₀ + T_i − 1, p₀ = S₀ (or start_position)
            long p0 = k.startPosition() != null ? k.startPosition() : is(Mutant.DECODE_POSITIONS_RESTART) ? 0 : past;
            double[] kRot = kNew;
            if (k.rope() != null) {
                q = rotate(q, k.d(), rotaryStart(k.d(), k.rope()), k.rope(), rowPositions(k.batch() * k.heads(), len, p0));
                kRot = rotate(kNew, k.d(), rotaryStart(k.d(), k.rope()), k.rope(),
                        rowPositions(k.batch() * k.kvHeads(), len, p0));
            }
            int outer = k.batch() * k.kvHeads();
            double[] keys = concat(cacheK, past, kRot, len, outer, k.d());
            cacheK = concat(cacheK, past, is(Mutant.KEYS_CACHED_BEFORE_ROPE) ? kNew : kRot, len, outer, k.d());
            cacheV = concat(cacheV, past, vNew, len, outer, k.dv());
            int kvLen = past + len;
            long[] first = null;
            if (k.causal()) {
                // bottom-right with a cache: first = S₀; or top-left, or the given query start
                long bottomRight = is(Mutant.CAUSAL_TOP_LEFT) ? 0 : past;
                long start = k.queryStart() != null ? k.queryStart() : "top_left".equals(k.alignment()) ? 0 : bottomRight;
                first = new long[k.batch()];
                Arrays.fill(first, start);
            }
            past = kvLen;
            return attend(new Call(k.batch(), k.heads(), k.kvHeads(), len, kvLen, k.d(), k.dv(), q, keys, cacheV,
                    (k.scale() == null ? defaultScale(k.d()) : k.scale()) * yarnMultiplier(scaling()), k.softcap(), masks,
                    first, Double.NEGATIVE_INFINITY, false));
        }

        private RopeScaling scaling() {
            return k.rope() == null ? RopeScaling.NONE : k.rope().scaling();
        }
    }

    // ------------------------------------------------------------------------------------------ mla

    /**
     * Variant {@code mla}, naive form in one pass: per head q = [q_nope, RoPE(q_rope)],
     * k = [k_nope, k_R] with one rotated k_R for all heads, causal, scale (0.1·m·ln f + 1)² / √(D_n + P).
     */
    private Map<String, StoredTensor> mla(CaseConfig c, CaseInputs in) {
        int batch = c.positive("batch");
        int width = c.positive("model_width");
        int heads = c.positive("num_heads");
        int qRank = c.nonNegative("q_lora_rank");
        int rank = c.positive("kv_lora_rank");
        int dn = c.positive("qk_nope_head_dim");
        int p = c.positive("qk_rope_head_dim");
        int dv = c.positive("v_head_dim");
        RopeSpec rope = new RopeSpec(p, c.number("rope_theta"),
                c.choice("rope_pairing", "interleaved", "split_halves").equals("interleaved"), RopeSpec.scaling(c));
        double eps = c.number("rms_eps");
        // the v1 multiplier (0.1·m·ln f + 1)², absent beside a yarn rule (v2), times the rule's own
        double multiplier = (c.has("yarn_mscale") ? squared(0.1 * c.number("yarn_mscale") * Math.log(c.number("yarn_factor"))
                + 1.0) : 1.0) * yarnMultiplier(rope.scaling());
        int start = c.nonNegative("start_position");
        c.choice("form", "naive", "absorbed");
        int len = 0;
        for (int step : c.integers("steps")) {
            len += step;
        }
        understood(c);
        int rows = batch * len;
        int dq = dn + p;
        // q = RMSNorm(x·W_DQᵀ)·γ · W_UQᵀ  (or x·W_Qᵀ)                                    [B, T, H·(D_n+P)]
        double[] x = input(in, "x");
        double[] q = qRank > 0
                ? linear(rmsNorm(linear(x, rows, input(in, "w_dq"), null, qRank), qRank, eps, input(in, "q_norm")), rows,
                        input(in, "w_uq"), null, heads * dq)
                : linear(x, rows, input(in, "w_q"), null, heads * dq);
        // kv = x·W_DKVᵀ [B, T, C+P];  c_kv = RMSNorm(kv[:C])·γ;  k_R = kv[C:]
        double[] kv = linear(x, rows, input(in, "w_dkv"), null, rank + p);
        double[] latent = rmsNorm(columns(kv, rows, rank + p, 0, rank), rank, eps, input(in, "kv_norm"));   // [B, T, C]
        double[] ropeKey = columns(kv, rows, rank + p, rank, p);                                              // [B, T, P]
        double[] up = linear(latent, rows, input(in, "w_ukv"), null, heads * (dn + dv));                     // [B, T, H·(D_n+Dv)]
        double[] qh = rotate(splitHeads(q, batch, len, heads, dq), dq, dn, rope, rowPositions(batch * heads, len, start));
        double[] kh = new double[batch * heads * len * dq];                                                   // [B, H, T, D_n+P]
        double[] vh = new double[batch * heads * len * dv];                                                   // [B, H, T, Dv]
        double[] sharedKey = rotate(ropeKey, p, 0, rope, rowPositions(batch, len, start));
        for (int h = 0; h < heads; h++) {
            // in place, head after head, the wrong port turns k_R once more for every head
            double[] kR = is(Mutant.MLA_PER_HEAD_ROPE_KEY) ? turned(ropeKey, rope, batch, len, start, h + 1) : sharedKey;
            fillHead(kh, vh, up, kR, batch, heads, len, h, dn, dv, p);
        }
        Attended a = attend(new Call(batch, heads, heads, len, len, dq, dv, qh, kh, vh, multiplier * defaultScale(dq), 0,
                Masks.NONE, new long[batch], Double.NEGATIVE_INFINITY, false));
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        put(out, "output", linear(mergeHeads(a.output(), batch, heads, len, dv), rows, input(in, "w_o"), null, width),
                batch, len, width);
        put(out, "logits", a.logits(), batch, heads, len, len);
        put(out, "probabilities", a.probabilities(), batch, heads, len, len);
        put(out, "latent_cache", latent, batch, len, rank);
        put(out, "rope_key_cache", sharedKey, batch, len, p);
        return out;
    }

    /** k_R rotated {@code times} times at each position (angle times·φ), as repeated in-place rotation leaves it. */
    private double[] turned(double[] ropeKey, RopeSpec rope, int batch, int len, int start, int times) {
        double[] k = ropeKey;
        for (int i = 0; i < times; i++) {
            k = rotate(k, rope.rotaryDim(), 0, rope, rowPositions(batch, len, start));
        }
        return k;
    }

    /** Head h of k = [k_nope,h, k_R] and v_h, from up = c_kv·W_UKVᵀ (head h: D_n key columns, then Dv value columns). */
    private static void fillHead(double[] kh, double[] vh, double[] up, double[] kR, int batch, int heads, int len, int h,
            int dn, int dv, int p) {
        int upWidth = heads * (dn + dv);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                int row = b * len + t;
                int headRow = (b * heads + h) * len + t;
                System.arraycopy(up, row * upWidth + h * (dn + dv), kh, headRow * (dn + p), dn);
                System.arraycopy(kR, row * p, kh, headRow * (dn + p) + dn, p);
                System.arraycopy(up, row * upWidth + h * (dn + dv) + dn, vh, headRow * dv, dv);
            }
        }
    }

    /** Columns [from, from + n) of x [rows, width]. */
    private static double[] columns(double[] x, int rows, int width, int from, int n) {
        double[] out = new double[rows * n];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(x, row * width + from, out, row * n, n);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ norm, ffn

    /** {@code y = x / √(mean(x²) + ε) ⊙ γ} over rows of {@code width} (γ null: 1). */
    private double[] rmsNorm(double[] x, int width, double eps, double[] gain) {
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / width; row++) {
            float squares = 0;
            for (int i = 0; i < width; i++) {
                squares += (float) x[row * width + i] * (float) x[row * width + i];
            }
            float inverse = (float) (1.0 / Math.sqrt((float) (squares / width + eps)));
            for (int i = 0; i < width; i++) {
                double normed = r((float) x[row * width + i] * inverse);
                y[row * width + i] = gain == null ? normed : r(normed * gain[i]);
            }
        }
        return y;
    }

    /** {@code y = (x − μ) / √(σ² + ε) ⊙ γ + β}, σ² the biased variance (γ, β null: 1, 0). */
    private double[] layerNorm(double[] x, int width, double eps, double[] gain, double[] bias) {
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / width; row++) {
            float sum = 0;
            for (int i = 0; i < width; i++) {
                sum += (float) x[row * width + i];
            }
            float mean = sum / width;
            float squares = 0;
            for (int i = 0; i < width; i++) {
                float centred = (float) x[row * width + i] - mean;
                squares += centred * centred;
            }
            float variance = squares / (is(Mutant.LAYERNORM_UNBIASED) ? width - 1 : width);
            float inverse = (float) (1.0 / Math.sqrt((float) (variance + eps)));
            for (int i = 0; i < width; i++) {
                double normed = r(((float) x[row * width + i] - mean) * inverse);
                y[row * width + i] = gain == null ? normed : r(r(normed * gain[i]) + bias[i]);
            }
        }
        return y;
    }

    /** Variant {@code norm}. */
    private Map<String, StoredTensor> norm(CaseConfig c, CaseInputs in) {
        int batch = c.positive("batch");
        int len = c.positive("seq_len");
        int width = c.positive("model_width");
        CaseConfig norm = c.object("norm");
        boolean layer = norm.choice("kind", "rms", "layer").equals("layer");
        double eps = norm.number("eps");
        norm.bool("affine");
        understood(c);
        double[] x = input(in, "x");
        double[] gain = inputOrNull(in, "norm.weight");
        double[] y = layer ? layerNorm(x, width, eps, gain, inputOrNull(in, "norm.bias")) : rmsNorm(x, width, eps, gain);
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        put(out, "output", y, batch, len, width);
        return out;
    }

    /** Variant {@code ffn}: MLP {@code f(x·W_upᵀ + b_up)·W_downᵀ + b_down}, or SwiGLU. */
    private Map<String, StoredTensor> ffn(CaseConfig c, CaseInputs in) {
        int batch = c.positive("batch");
        int len = c.positive("seq_len");
        int width = c.positive("model_width");
        CaseConfig ffn = c.object("ffn");
        boolean swiglu = ffn.choice("kind", "mlp", "swiglu").equals("swiglu");
        Activation f = swiglu ? Activation.SILU : switch (ffn.choice("activation", "relu", "gelu", "gelu_tanh", "silu")) {
            case "relu" -> Activation.RELU;
            case "gelu" -> is(Mutant.GELU_TANH_FOR_ERF) ? Activation.GELU_TANH : Activation.GELU;
            case "gelu_tanh" -> Activation.GELU_TANH;
            default -> Activation.SILU;
        };
        int hidden = ffn.positive("hidden_width");
        if (!swiglu) {
            ffn.bool("bias");
        }
        understood(c);
        int rows = batch * len;
        double[] x = input(in, "x");
        double[] h = linear(x, rows, input(in, "ffn.w_up"), inputOrNull(in, "ffn.b_up"), hidden);     // [B, T, F]
        double[] gate = swiglu ? linear(x, rows, input(in, "ffn.w_gate"), null, hidden) : h;
        double[] a = new double[h.length];
        for (int i = 0; i < a.length; i++) {
            double activated = r(f.apply(gate[i]));
            a[i] = swiglu ? r(activated * h[i]) : activated;                          // SiLU(x·W_gateᵀ) ⊙ x·W_upᵀ
        }
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        put(out, "output", linear(a, rows, input(in, "ffn.w_down"), inputOrNull(in, "ffn.b_down"), width), batch, len, width);
        return out;
    }
}
