package dev.attnref.oracle;

import dev.attnref.core.Checks;
import dev.attnref.core.MaskConvention;

/**
 * One call of scaled dot-product attention for {@link OracleAttention}: sizes, inputs and every
 * option, validated once by {@link Builder#build()} and immutable after (arrays are copied in).
 *
 * <table>
 *   <caption>Inputs (flat, row-major, float64; read only — the builder copies them)</caption>
 *   <tr><th>input</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>query</td><td>[B, H, T, D]</td><td>finite; required</td></tr>
 *   <tr><td>key</td><td>[B, G, S_new, D]</td><td>finite; required; the keys brought by this call</td></tr>
 *   <tr><td>value</td><td>[B, G, S_new, Dv]</td><td>finite; required</td></tr>
 *   <tr><td>pastKey, pastValue</td><td>[B, G, P, D], [B, G, P, Dv]</td><td>finite; optional (P = 0 without); they take positions 0 … P−1</td></tr>
 *   <tr><td>boolean mask</td><td>broadcasts to [B, H, T, S]</td><td>optional; its {@link MaskConvention} is required</td></tr>
 *   <tr><td>additive mask</td><td>broadcasts to [B, H, T, S]</td><td>optional; finite or −∞ (never NaN or +∞); added to the capped scores</td></tr>
 *   <tr><td>key lengths</td><td>[B]</td><td>optional; 0 ≤ len[b] ≤ S; keys at positions ≥ len[b] are hidden</td></tr>
 * </table>
 * S = P + S_new. G must divide H; query head h reads key/value head g(h) = ⌊h / R⌋, R = H / G.
 * Masks broadcast NumPy-style from the right (rank 2 = [T, S], rank 3 = [H, T, S]).
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>scale</td><td>1/√D</td><td>finite, &gt; 0; multiplies q·k</td></tr>
 *   <tr><td>softcap c</td><td>0 (off)</td><td>c ≥ 0; when c &gt; 0, score ← c·tanh(score / c), before any mask</td></tr>
 *   <tr><td>causal</td><td>none</td><td>{@link QueryPositions}: key s visible to query t iff s ≤ first(b) + t</td></tr>
 *   <tr><td>mask fill</td><td>−∞</td><td>the logit a boolean, causal or padding mask gives a hidden key: −∞ or any finite value (−1e9, −1e20 as published code)</td></tr>
 *   <tr><td>fully masked rows</td><td>{@link FullyMaskedRows#ZEROS}</td><td>what a row of only −∞ logits yields</td></tr>
 * </table>
 *
 * Checked by {@code OracleAttentionTest}.
 */
public final class AttentionProblem {
    private final int batch;
    private final int numHeads;
    private final int numKvHeads;
    private final int qLen;
    private final int newKvLen;
    private final int pastLen;
    private final int headDim;
    private final int valueHeadDim;
    private final double[] query;
    private final double[] key;
    private final double[] value;
    private final double[] pastKey;
    private final double[] pastValue;
    private final double scale;
    private final double softcap;
    private final boolean[] booleanMask;
    private final MaskBroadcast booleanMaskLayout;
    private final MaskConvention booleanMaskConvention;
    private final double[] additiveMask;
    private final MaskBroadcast additiveMaskLayout;
    private final QueryPositions causal;
    private final int[] keyLengths;
    private final double maskFill;
    private final FullyMaskedRows fullyMaskedRows;

    private AttentionProblem(Builder b) {
        // Sizes first: every array check below depends on them.
        this.batch = required("batch", b.batch);
        this.numHeads = required("numHeads", b.numHeads);
        this.numKvHeads = required("numKvHeads", b.numKvHeads);
        this.qLen = required("qLen", b.qLen);
        this.newKvLen = required("newKvLen", b.newKvLen);
        this.headDim = required("headDim", b.headDim);
        this.valueHeadDim = required("valueHeadDim", b.valueHeadDim);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        this.pastLen = Checks.nonNegative("pastLen", b.pastLen);
        int kvLen = Math.addExact(pastLen, newKvLen);
        checkFitsInArray("scores [B, H, T, S]", (long) batch * numHeads * qLen * kvLen);

        this.query = inputs("query", "[B, H, T, D]", b.query, (long) batch * numHeads * qLen * headDim);
        this.key = inputs("key", "[B, G, S_new, D]", b.key, (long) batch * numKvHeads * newKvLen * headDim);
        this.value = inputs("value", "[B, G, S_new, Dv]", b.value, (long) batch * numKvHeads * newKvLen * valueHeadDim);
        if ((b.pastKey == null) != (b.pastValue == null)) {
            throw new IllegalArgumentException("pastKey and pastValue must be given together; got only "
                    + (b.pastKey == null ? "pastValue" : "pastKey"));
        }
        this.pastKey = inputs("pastKey", "[B, G, P, D]", b.pastKey == null ? new double[0] : b.pastKey,
                (long) batch * numKvHeads * pastLen * headDim);
        this.pastValue = inputs("pastValue", "[B, G, P, Dv]", b.pastValue == null ? new double[0] : b.pastValue,
                (long) batch * numKvHeads * pastLen * valueHeadDim);

        this.scale = b.scale == null ? 1.0 / Math.sqrt(headDim) : Checks.positiveFinite("scale", b.scale);
        if (!(b.softcap >= 0) || Double.isInfinite(b.softcap)) {
            throw new IllegalArgumentException("softcap (" + b.softcap + ") must be finite and ≥ 0; 0 turns it off");
        }
        this.softcap = b.softcap;

        if (b.booleanMask != null) {
            this.booleanMaskLayout = MaskBroadcast.of("boolean mask", b.booleanMaskShape, b.booleanMask.length,
                    batch, numHeads, qLen, kvLen);
            this.booleanMask = b.booleanMask.clone();
            this.booleanMaskConvention = Checks.notNull("boolean mask convention", b.booleanMaskConvention);
        } else {
            this.booleanMaskLayout = null;
            this.booleanMask = null;
            this.booleanMaskConvention = null;
        }
        if (b.additiveMask != null) {
            this.additiveMaskLayout = MaskBroadcast.of("additive mask", b.additiveMaskShape, b.additiveMask.length,
                    batch, numHeads, qLen, kvLen);
            for (int i = 0; i < b.additiveMask.length; i++) {
                double m = b.additiveMask[i];
                if (Double.isNaN(m) || m == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("additive mask holds " + m + " at flat index " + i
                            + "; expected finite values or -Infinity");
                }
            }
            this.additiveMask = b.additiveMask.clone();
        } else {
            this.additiveMaskLayout = null;
            this.additiveMask = null;
        }

        this.causal = b.causal;
        if (causal != null && causal.isPerBatch() && causal.entryCount() != batch) {
            throw new IllegalArgumentException("causal query positions give " + causal.entryCount()
                    + " first positions; expected one per batch row (" + batch + ")");
        }
        if (b.keyLengths != null) {
            if (b.keyLengths.length != batch) {
                throw new IllegalArgumentException("keyLengths has " + b.keyLengths.length
                        + " entries; expected one per batch row (" + batch + ")");
            }
            for (int i = 0; i < batch; i++) {
                if (b.keyLengths[i] < 0 || b.keyLengths[i] > kvLen) {
                    throw new IllegalArgumentException("keyLengths[" + i + "] (" + b.keyLengths[i]
                            + ") must be in [0, S] = [0, " + kvLen + "]");
                }
            }
            this.keyLengths = b.keyLengths.clone();
        } else {
            this.keyLengths = null;
        }
        if (Double.isNaN(b.maskFill) || b.maskFill == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("maskFill (" + b.maskFill + ") must be -Infinity or finite");
        }
        this.maskFill = b.maskFill;
        this.fullyMaskedRows = Checks.notNull("fullyMaskedRows", b.fullyMaskedRows);
    }

    private static int required(String name, Integer value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " was not set; every size must be given explicitly");
        }
        return Checks.positive(name, value);
    }

    private static void checkFitsInArray(String what, long elements) {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + " would hold " + elements
                    + " elements; a Java array holds at most " + (Integer.MAX_VALUE - 8));
        }
    }

    private static double[] inputs(String name, String shape, double[] values, long expected) {
        checkFitsInArray(name + " " + shape, expected);
        if (values == null) {
            throw new IllegalArgumentException(name + " was not set; expected " + expected + " values " + shape);
        }
        if (values.length != expected) {
            throw new IllegalArgumentException(name + " has " + values.length + " values; expected " + expected
                    + " for " + shape);
        }
        return Checks.allFinite(name, values.clone());
    }

    public static Builder builder() {
        return new Builder();
    }

    // Sizes.

    /** B. */
    public int batch() {
        return batch;
    }

    /** H. */
    public int numHeads() {
        return numHeads;
    }

    /** G. */
    public int numKvHeads() {
        return numKvHeads;
    }

    /** T. */
    public int qLen() {
        return qLen;
    }

    /** S_new: keys and values brought by this call. */
    public int newKvLen() {
        return newKvLen;
    }

    /** P: cached keys and values (0 without a past). */
    public int pastLen() {
        return pastLen;
    }

    /** S = P + S_new: every key position a query may attend to. */
    public int kvLen() {
        return pastLen + newKvLen;
    }

    /** D. */
    public int headDim() {
        return headDim;
    }

    /** Dv. */
    public int valueHeadDim() {
        return valueHeadDim;
    }

    /** R = H / G: query heads per key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** g(h) = ⌊h / R⌋: contiguous groups, as {@code repeat_interleave} and ONNX Attention do. */
    public int kvHeadOf(int h) {
        return h / groupSize();
    }

    /** The scale in use: the override, or 1/√D. */
    public double scale() {
        return scale;
    }

    /** Softcap c; 0 means off. */
    public double softcap() {
        return softcap;
    }

    /** The logit a boolean, causal or padding mask gives a hidden key. */
    public double maskFill() {
        return maskFill;
    }

    public FullyMaskedRows fullyMaskedRows() {
        return fullyMaskedRows;
    }

    // Element access, read only (the arrays stay private, so inputs stay immutable); also used by the
    // low-precision baseline of the golden package, which computes the same steps with rounding.

    public double query(int b, int h, int t, int d) {
        return query[((b * numHeads + h) * qLen + t) * headDim + d];
    }

    /** Key at absolute position s: the past for s &lt; P, else the new key s − P. */
    public double key(int b, int g, int s, int d) {
        return s < pastLen
                ? pastKey[((b * numKvHeads + g) * pastLen + s) * headDim + d]
                : key[((b * numKvHeads + g) * newKvLen + (s - pastLen)) * headDim + d];
    }

    /** Value at absolute position s: the past for s &lt; P, else the new value s − P. */
    public double value(int b, int g, int s, int d) {
        return s < pastLen
                ? pastValue[((b * numKvHeads + g) * pastLen + s) * valueHeadDim + d]
                : value[((b * numKvHeads + g) * newKvLen + (s - pastLen)) * valueHeadDim + d];
    }

    /** Whether the boolean mask, the causal rule and the key lengths all let query t see key s. */
    public boolean visible(int b, int h, int t, int s) {
        if (booleanMask != null
                && booleanMaskConvention.hides(booleanMask[booleanMaskLayout.index(b, h, t, s)] ? 1.0 : 0.0)) {
            return false;
        }
        // first(b) + t in long: a query start near 2³¹ − 1 must not wrap to a negative position.
        if (causal != null && s > (long) causal.first(b, qLen, kvLen()) + t) {
            return false;
        }
        return keyLengths == null || s < keyLengths[b];
    }

    /** The additive mask entry covering (b, h, t, s); 0 without an additive mask. */
    public double additiveBias(int b, int h, int t, int s) {
        return additiveMask == null ? 0.0 : additiveMask[additiveMaskLayout.index(b, h, t, s)];
    }

    /**
     * Builds an {@link AttentionProblem}. Every size must be set; arrays are copied by
     * {@link #build()}, which validates everything and names the first thing that is wrong.
     */
    public static final class Builder {
        private Integer batch;
        private Integer numHeads;
        private Integer numKvHeads;
        private Integer qLen;
        private Integer newKvLen;
        private Integer headDim;
        private Integer valueHeadDim;
        private int pastLen;
        private double[] query;
        private double[] key;
        private double[] value;
        private double[] pastKey;
        private double[] pastValue;
        private Double scale;
        private double softcap;
        private boolean[] booleanMask;
        private int[] booleanMaskShape;
        private MaskConvention booleanMaskConvention;
        private double[] additiveMask;
        private int[] additiveMaskShape;
        private QueryPositions causal;
        private int[] keyLengths;
        private double maskFill = Double.NEGATIVE_INFINITY;
        private FullyMaskedRows fullyMaskedRows = FullyMaskedRows.ZEROS;

        private Builder() {
        }

        /** B. */
        public Builder batch(int batch) {
            this.batch = batch;
            return this;
        }

        /** H. */
        public Builder numHeads(int numHeads) {
            this.numHeads = numHeads;
            return this;
        }

        /** G (= H for MHA, 1 for MQA); must divide H. */
        public Builder numKvHeads(int numKvHeads) {
            this.numKvHeads = numKvHeads;
            return this;
        }

        /** T. */
        public Builder qLen(int qLen) {
            this.qLen = qLen;
            return this;
        }

        /** S_new: keys and values passed to {@link #key} and {@link #value}. */
        public Builder newKvLen(int newKvLen) {
            this.newKvLen = newKvLen;
            return this;
        }

        /** D. */
        public Builder headDim(int headDim) {
            this.headDim = headDim;
            return this;
        }

        /** Dv (may differ from D). */
        public Builder valueHeadDim(int valueHeadDim) {
            this.valueHeadDim = valueHeadDim;
            return this;
        }

        /** {@code [B, H, T, D]}. */
        public Builder query(double[] query) {
            this.query = query;
            return this;
        }

        /** {@code [B, G, S_new, D]}. */
        public Builder key(double[] key) {
            this.key = key;
            return this;
        }

        /** {@code [B, G, S_new, Dv]}. */
        public Builder value(double[] value) {
            this.value = value;
            return this;
        }

        /** A cache of {@code pastLen} positions placed before the new keys: {@code [B, G, P, D]} and {@code [B, G, P, Dv]}. */
        public Builder past(double[] pastKey, double[] pastValue, int pastLen) {
            this.pastKey = pastKey;
            this.pastValue = pastValue;
            this.pastLen = pastLen;
            return this;
        }

        /** Overrides the default scale 1/√D. */
        public Builder scale(double scale) {
            this.scale = scale;
            return this;
        }

        /** Softcap c ≥ 0 (0 = off): score ← c·tanh(score / c) before masking. */
        public Builder softcap(double softcap) {
            this.softcap = softcap;
            return this;
        }

        /** A boolean mask of the given shape (broadcast to [B, H, T, S]) read in the named convention. */
        public Builder booleanMask(boolean[] mask, MaskConvention convention, int... shape) {
            this.booleanMask = Checks.notNull("boolean mask", mask);
            this.booleanMaskConvention = convention;
            this.booleanMaskShape = shape;
            return this;
        }

        /** An additive float mask of the given shape (broadcast to [B, H, T, S]), added to the capped scores. */
        public Builder additiveMask(double[] bias, int... shape) {
            this.additiveMask = Checks.notNull("additive mask", bias);
            this.additiveMaskShape = shape;
            return this;
        }

        /** Causal masking with the queries numbered as {@code positions} says. */
        public Builder causal(QueryPositions positions) {
            this.causal = Checks.notNull("causal query positions", positions);
            return this;
        }

        /** Key padding: keys at positions ≥ {@code lengths[b]} are hidden in batch row b. */
        public Builder keyLengths(int... lengths) {
            this.keyLengths = Checks.notNull("keyLengths", lengths);
            return this;
        }

        /** The logit of a key hidden by a boolean, causal or padding mask: −∞ (default) or finite. */
        public Builder maskFill(double fill) {
            this.maskFill = fill;
            return this;
        }

        /** What a row of only −∞ logits yields (default {@link FullyMaskedRows#ZEROS}). */
        public Builder fullyMaskedRows(FullyMaskedRows policy) {
            this.fullyMaskedRows = policy;
            return this;
        }

        public AttentionProblem build() {
            return new AttentionProblem(this);
        }
    }
}
