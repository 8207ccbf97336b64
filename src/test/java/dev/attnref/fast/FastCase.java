package dev.attnref.fast;

import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Gen;
import java.util.function.UnaryOperator;

/**
 * One seeded GQA-family case for the fast kernels: float32 inputs, a mask setting, the same case as
 * a float64 {@link AttentionProblem} for {@link OracleAttention}, and the error measures of the
 * accuracy law.
 */
final class FastCase {
    /** How keys are hidden in a case. */
    enum Masking { NONE, CAUSAL_BOTTOM_RIGHT, CAUSAL_TOP_LEFT, CAUSAL_FROM_START, KEY_LENGTHS, ADDITIVE, BOOLEAN }

    private static final int[] HEAD_DIMS = {1, 3, 7, 16, 33, 65};
    private static final int[][] GROUPED_HEADS = {{4, 2}, {6, 2}, {6, 3}, {8, 2}, {8, 4}};

    final AttnShape shape;
    final AttentionDims dims;
    final Masking masking;
    final float[] q;
    final float[] k;
    final float[] v;
    final FastAttentionOptions options;
    final AttentionProblem problem;

    private FastCase(AttnShape shape, Masking masking, float[] q, float[] k, float[] v, FastAttentionOptions options,
            AttentionProblem problem) {
        this.shape = shape;
        this.dims = new AttentionDims(shape.batch(), shape.numHeads(), shape.numKvHeads(), shape.qLen(), shape.kvLen(),
                shape.headDim(), shape.valueDim());
        this.masking = masking;
        this.q = q;
        this.k = k;
        this.v = v;
        this.options = options;
        this.problem = problem;
    }

    /**
     * Shapes that reach the tiling: odd head widths (1 … 65), S up to ~1100 (several tiles, several
     * decode chunks, rarely a multiple of 64), MHA, MQA and grouped heads with equal probability.
     */
    static Gen<AttnShape> shapes() {
        return r -> {
            int numHeads;
            int numKvHeads;
            switch (r.nextInt(3)) {
                case 0 -> {
                    numHeads = r.intBetween(1, 4);
                    numKvHeads = numHeads;
                }
                case 1 -> {
                    numHeads = r.intBetween(2, 6);
                    numKvHeads = 1;
                }
                default -> {
                    int[] hg = GROUPED_HEADS[r.nextInt(GROUPED_HEADS.length)];
                    numHeads = hg[0];
                    numKvHeads = hg[1];
                }
            }
            int batch = r.intBetween(1, 2);
            boolean longCache = r.nextInt(4) == 0;
            int kvLen = longCache ? r.intBetween(520, 800) : r.intBetween(1, 300);
            int qLen = longCache ? r.intBetween(1, 3) : r.intBetween(1, 40);
            int headDim = HEAD_DIMS[r.nextInt(HEAD_DIMS.length)];
            int valueDim = r.nextInt(2) == 0 ? headDim : HEAD_DIMS[r.nextInt(HEAD_DIMS.length)];
            return new AttnShape(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, 1, AttnShape.Kind.CROSS);
        };
    }

    /** Draws inputs (q in [−3, 3], k and v in [−1, 1]) and a masking mode from {@code data}. */
    static FastCase draw(AttnShape s, SeededRandom data) {
        return draw(s, data, Masking.values()[data.nextInt(Masking.values().length)]);
    }

    static FastCase draw(AttnShape s, SeededRandom data, Masking masking) {
        return draw(s, data, masking, UnaryOperator.identity());
    }

    /** As {@link #draw(AttnShape, SeededRandom, Masking)}, with k and v passed through {@code cache} (e.g. rounded to 16 bits). */
    static FastCase draw(AttnShape s, SeededRandom data, Masking masking, UnaryOperator<float[]> cache) {
        int batch = s.batch();
        int numHeads = s.numHeads();
        int qLen = s.qLen();
        int kvLen = s.kvLen();
        float[] q = data.floats(batch * numHeads * qLen * s.headDim(), -3.0, 3.0);
        float[] k = cache.apply(data.floats(batch * s.numKvHeads() * kvLen * s.headDim(), -1.0, 1.0));
        float[] v = cache.apply(data.floats(batch * s.numKvHeads() * kvLen * s.valueDim(), -1.0, 1.0));
        AttentionProblem.Builder builder = AttentionProblem.builder().batch(batch).numHeads(numHeads)
                .numKvHeads(s.numKvHeads()).qLen(qLen).newKvLen(kvLen).headDim(s.headDim()).valueHeadDim(s.valueDim())
                .query(widen(q)).key(widen(k)).value(widen(v));
        FastAttentionOptions options = FastAttentionOptions.none();
        switch (masking) {
            case NONE -> { }
            case CAUSAL_BOTTOM_RIGHT -> {
                options = FastAttentionOptions.causalFrom(kvLen - qLen);
                builder.causal(QueryPositions.startingAt(kvLen - qLen));
            }
            case CAUSAL_TOP_LEFT -> {
                options = FastAttentionOptions.causalFrom(0);
                builder.causal(QueryPositions.startingAt(0));
            }
            case CAUSAL_FROM_START -> {
                int start = data.intBetween(-2, kvLen);
                options = FastAttentionOptions.causalFrom(start);
                builder.causal(QueryPositions.startingAt(start));
            }
            case KEY_LENGTHS -> {
                int[] lengths = new int[batch];
                for (int b = 0; b < batch; b++) {
                    lengths[b] = data.intBetween(0, kvLen);
                }
                options = options.withKeyLengths(lengths);
                builder.keyLengths(lengths);
            }
            case ADDITIVE -> {
                // [B, 1, T, S] (broadcast over heads): finite biases and about one key in eight hidden.
                float[] bias = new float[batch * qLen * kvLen];
                double[] wide = new double[bias.length];
                for (int i = 0; i < bias.length; i++) {
                    bias[i] = data.nextInt(8) == 0 ? Float.NEGATIVE_INFINITY : (float) data.uniform(-2, 2);
                    wide[i] = bias[i];
                }
                options = options.withAdditiveMask(bias, batch, 1);
                builder.additiveMask(wide, batch, 1, qLen, kvLen);
            }
            case BOOLEAN -> {
                // [1, H, T, S] (broadcast over batch), 1 = keep, about one key in three hidden.
                boolean[] keep = new boolean[numHeads * qLen * kvLen];
                for (int i = 0; i < keep.length; i++) {
                    keep[i] = data.nextInt(3) != 0;
                }
                options = options.withBooleanMask(keep, MaskConvention.KEEP_WHERE_TRUE, 1, numHeads);
                builder.booleanMask(keep, MaskConvention.KEEP_WHERE_TRUE, 1, numHeads, qLen, kvLen);
            }
            default -> throw new IllegalStateException("unhandled masking " + masking);
        }
        return new FastCase(s, masking, q, k, v, options, builder.build());
    }

    double[] reference() {
        return OracleAttention.attend(problem).output();
    }

    float[] plain() {
        float[] out = new float[dims.outputCount()];
        new PlainFloatAttention().attend(dims, q, k, v, options, out);
        return out;
    }

    float[] prefill(FastAttention fast) {
        float[] out = new float[dims.outputCount()];
        fast.prefill(dims, q, k, v, options, out);
        return out;
    }

    float[] decode(FastAttention fast) {
        float[] out = new float[dims.outputCount()];
        fast.decode(dims, q, k, v, options, out);
        return out;
    }

    /** Decode over the same keys kept in a {@link TransposedKeys} cache. */
    float[] decodeOverTransposedKeys(FastAttention fast) {
        float[] out = new float[dims.outputCount()];
        fast.decode(dims, q, TransposedKeys.of(dims, k), v, options, out);
        return out;
    }

    @Override
    public String toString() {
        return shape + " masking=" + masking;
    }

    static double maxAbsError(float[] actual, double[] expected) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }


    /** x as a {@code format} cache holds it: each value rounded to nearest even (a new array). */
    static float[] rounded(HalfPrecisionCache.Format format, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = format.round(x[i]);
        }
        return y;
    }

    static double[] widen(float[] x) {
        double[] wide = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            wide[i] = x[i];
        }
        return wide;
    }
}
