package dev.attnref.fast;

/**
 * The plain float32 loop: scaled dot-product attention for the GQA family written the obvious way,
 * one row at a time, single-threaded, no tiling, no vectors. It is the yardstick of the accuracy law
 * (a fast kernel may err by a small multiple of this loop's own error against float64) and the
 * naive peer of the benchmarks.
 *
 * <pre>
 *   x_s = scale · Σ_d q_d k_{s,d} + mask_s      (float, d ascending; −∞ where hidden)
 *   m = max_s x_s,  p_s = (float) exp(x_s − m),  ℓ = Σ_s p_s,  out = Σ_s p_s v_s / ℓ     (no visible key → 0)
 * </pre>
 * Shapes and options as {@link FastAttention#prefill}. One row buffer of S floats is kept per instance.
 */
final class PlainFloatAttention {
    private float[] row = new float[0];

    /** out ← attention(q, k, v) under {@code options}; see the class card. */
    public void attend(AttentionDims dims, float[] q, float[] k, float[] v, FastAttentionOptions options, float[] out) {
        options.validate(dims);
        final int batch = dims.batch();
        final int numHeads = dims.numHeads();
        final int numKvHeads = dims.numKvHeads();
        final int groupSize = dims.groupSize();
        final int qLen = dims.qLen();
        final int kvLen = dims.kvLen();
        final int headDim = dims.headDim();
        final int valueDim = dims.valueHeadDim();
        final float scale = options.effectiveScale(dims);
        final float[] mask = options.additiveMask();
        final int maskHeadStride = options.maskHeads() == 1 ? 0 : qLen * kvLen;
        final int maskBatchStride = options.maskBatch() == 1 ? 0 : options.maskHeads() * qLen * kvLen;
        if (row.length < kvLen) {
            row = new float[kvLen];
        }
        for (int b = 0; b < batch; b++) {
            int keyEnd = options.keyLengths() == null ? kvLen : options.keyLengths()[b];
            for (int h = 0; h < numHeads; h++) {
                int g = h / groupSize;
                for (int t = 0; t < qLen; t++) {
                    int query = ((b * numHeads + h) * qLen + t) * headDim;
                    int limit = options.causal() ? (int) Math.min(keyEnd, Math.max(0L, (long) options.queryStart() + t + 1))
                            : keyEnd;
                    // x_s = scale · q·k_s + mask_s:  d,sd->s
                    float max = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s < kvLen; s++) {
                        float x = Float.NEGATIVE_INFINITY;
                        if (s < limit) {
                            int key = ((b * numKvHeads + g) * kvLen + s) * headDim;
                            float dot = 0f;
                            for (int d = 0; d < headDim; d++) {
                                dot += q[query + d] * k[key + d];
                            }
                            x = scale * dot;
                            if (mask != null) {
                                x += mask[b * maskBatchStride + h * maskHeadStride + t * kvLen + s];
                            }
                        }
                        row[s] = x;
                        max = Math.max(max, x);
                    }
                    int output = ((b * numHeads + h) * qLen + t) * valueDim;
                    if (max == Float.NEGATIVE_INFINITY) {
                        for (int e = 0; e < valueDim; e++) {
                            out[output + e] = 0f;
                        }
                        continue;
                    }
                    // p_s = exp(x_s − m), ℓ = Σ p_s
                    float sum = 0f;
                    for (int s = 0; s < kvLen; s++) {
                        float p = (float) Math.exp(row[s] - max);
                        row[s] = p;
                        sum += p;
                    }
                    // out = Σ_s p_s v_s / ℓ:  s,se->e
                    for (int e = 0; e < valueDim; e++) {
                        float acc = 0f;
                        for (int s = 0; s < kvLen; s++) {
                            acc += row[s] * v[((b * numKvHeads + g) * kvLen + s) * valueDim + e];
                        }
                        out[output + e] = acc / sum;
                    }
                }
            }
        }
    }
}
