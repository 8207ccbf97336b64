package dev.attnref.golden.judge;

/**
 * Layout helpers shared by the ONNX Runtime operators: the joined keys [rows, S, W] cut into the past
 * (positions 0 … P−1) and the new part, packing [B, N, L, W] into [B, L, N·W], repeating key/value heads.
 */
final class Caches {
    private Caches() {
    }

    /** x [rows, S, W] → positions [0, P): [rows, P, W]. */
    static double[] pastPart(double[] x, int rows, int pastLen, int kvLen, int width) {
        return slice(x, rows, 0, pastLen, kvLen, width);
    }

    /** x [rows, S, W] → positions [P, S): [rows, S − P, W]. */
    static double[] newPart(double[] x, int rows, int pastLen, int kvLen, int width) {
        return slice(x, rows, pastLen, kvLen - pastLen, kvLen, width);
    }

    private static double[] slice(double[] x, int rows, int from, int count, int kvLen, int width) {
        double[] out = new double[rows * count * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, (r * kvLen + from) * width, out, r * count * width, count * width);
        }
        return out;
    }

    /** x [B, N, L, W] → [B, L, N·W]:  out[b, l, n·W + w] = x[b, n, l, w] (the packed layout of the com.microsoft ops). */
    static double[] pack(double[] x, int batch, int heads, int len, int width) {
        double[] out = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < heads; n++) {
                for (int l = 0; l < len; l++) {
                    System.arraycopy(x, ((b * heads + n) * len + l) * width, out, ((b * len + l) * heads + n) * width, width);
                }
            }
        }
        return out;
    }

    /** x [B, L, N·W] → [B, N, L, W], the inverse of {@link #pack}. */
    static double[] unpack(double[] x, int batch, int heads, int len, int width) {
        double[] out = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int n = 0; n < heads; n++) {
                for (int l = 0; l < len; l++) {
                    System.arraycopy(x, ((b * len + l) * heads + n) * width, out, ((b * heads + n) * len + l) * width, width);
                }
            }
        }
        return out;
    }

    /** x [B, G, S, W] → [B, H, S, W] with head h a copy of kv head ⌊h / R⌋ (repeat_interleave, the case's grouping). */
    static double[] repeatHeads(double[] x, int batch, int kvHeads, int heads, int len, int width) {
        int r = heads / kvHeads;
        int block = len * width;
        double[] out = new double[batch * heads * block];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(x, (b * kvHeads + h / r) * block, out, (b * heads + h) * block, block);
            }
        }
        return out;
    }

    /**
     * The additive mask as the com.microsoft ops' {@code attention_bias} [B or 1, H or 1, T, S]: its batch and
     * head axes kept when the stored mask has them (size &gt; 1), else 1; T and S written out in full.
     */
    static OnnxModel.Feed attentionBias(JudgeProblem p) {
        int[] shape = p.additiveShape();
        int batch = axisSize(shape, 0) > 1 ? p.batch() : 1;
        int heads = axisSize(shape, 1) > 1 ? p.numHeads() : 1;
        double[] bias = new double[batch * heads * p.qLen() * p.kvLen()];           // [B|1, H|1, T, S]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < p.qLen(); t++) {
                    for (int s = 0; s < p.kvLen(); s++) {
                        bias[((b * heads + h) * p.qLen() + t) * p.kvLen() + s] = p.additiveAt(b, h, t, s);
                    }
                }
            }
        }
        return OnnxModel.Feed.floats("attention_bias", bias, batch, heads, p.qLen(), p.kvLen());
    }

    /** The size of full axis {@code full} of [B, H, T, S] in a right-aligned mask shape (1 when absent). */
    static int axisSize(int[] shape, int full) {
        int axis = full - (4 - shape.length);
        return axis >= 0 ? shape[axis] : 1;
    }

    /** x [rows, from] → [rows, to]: each row's first min(from, to) entries, then zeros. */
    static double[] resize(double[] x, int rows, int from, int to) {
        double[] out = new double[rows * to];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * from, out, r * to, Math.min(from, to));
        }
        return out;
    }

    static long[] longs(int... shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }
}
