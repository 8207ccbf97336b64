package dev.attnref.core;

/**
 * How the {@code T} queries of a call are numbered against {@code S} keys (docs/MATH.md, "Masks").
 * Positions are absolute: key {@code j} is visible to query {@code i} iff {@code j ≤ i}.
 *
 * <ul>
 *   <li>{@link #TOP_LEFT}: queries are {@code 0 … T−1} (PyTorch {@code is_causal}, ONNX without a cache).</li>
 *   <li>{@link #BOTTOM_RIGHT}: queries are {@code S−T … S−1} (FlashAttention ≥ 2.1, decoding with a
 *       cache, chunked prefill).</li>
 * </ul>
 * An explicit query offset (ONNX with a past of length {@code P}: {@code P … P+T−1}) is passed as
 * a number where an API takes one.
 */
public enum CausalAlignment {
    TOP_LEFT,
    BOTTOM_RIGHT;

    /** Absolute position of query 0 for {@code qLen} queries over {@code kvLen} keys. */
    public int queryStart(int qLen, int kvLen) {
        return this == TOP_LEFT ? 0 : kvLen - qLen;
    }
}
