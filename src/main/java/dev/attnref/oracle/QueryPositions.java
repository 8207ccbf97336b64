package dev.attnref.oracle;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Checks;
import java.util.Arrays;

/**
 * The absolute positions of the {@code T} queries of a causal call (docs/MATH.md, "Masks"). Keys sit at
 * positions {@code 0 … S−1} (cached keys first); query {@code t} of batch row {@code b} sits at
 * {@code first(b) + t} and sees key {@code s} iff {@code s ≤ first(b) + t}.
 *
 * <table>
 *   <caption>Numberings</caption>
 *   <tr><th>factory</th><th>first(b)</th><th>used by</th></tr>
 *   <tr><td>{@code aligned(TOP_LEFT)}</td><td>0</td><td>PyTorch {@code is_causal}; ONNX without a cache</td></tr>
 *   <tr><td>{@code aligned(BOTTOM_RIGHT)}</td><td>S − T</td><td>FlashAttention ≥ 2.1; decoding; chunked prefill</td></tr>
 *   <tr><td>{@code startingAt(P)}</td><td>P</td><td>ONNX with a past cache of length P (even when the new chunk has more keys than queries)</td></tr>
 *   <tr><td>{@code startingAtPerBatch(o₀, …)}</td><td>o_b</td><td>ONNX opset 24 {@code nonpad_kv_seqlen}: o_b = len[b] − T</td></tr>
 * </table>
 *
 * A first position may be negative (bottom-right with T &gt; S, or {@code len[b] < T}): the leading
 * queries then see no key at all, and the fully-masked-row policy of {@link AttentionProblem} applies.
 * A first position beyond {@code S − T} hides nothing.
 *
 * <p>Checked by {@code OracleAttentionTest}.
 */
public final class QueryPositions {
    private final CausalAlignment alignment;   // null when the first positions are explicit
    private final int[] firstPositions;        // explicit: one shared by all rows, or one per row
    private final boolean perBatch;

    private QueryPositions(CausalAlignment alignment, int[] firstPositions, boolean perBatch) {
        this.alignment = alignment;
        this.firstPositions = firstPositions;
        this.perBatch = perBatch;
    }

    /** Queries numbered by an alignment: top-left {@code 0 … T−1}, bottom-right {@code S−T … S−1}. */
    public static QueryPositions aligned(CausalAlignment alignment) {
        return new QueryPositions(Checks.notNull("alignment", alignment), null, false);
    }

    /** Queries at {@code first … first+T−1} in every batch row (ONNX with a past of length {@code first}). */
    public static QueryPositions startingAt(int first) {
        return new QueryPositions(null, new int[] {first}, false);
    }

    /** Queries of batch row {@code b} at {@code first[b] … first[b]+T−1}; one entry per batch row. */
    public static QueryPositions startingAtPerBatch(int... first) {
        Checks.notNull("first positions", first);
        if (first.length == 0) {
            throw new IllegalArgumentException("first positions per batch row are empty; expected one per batch row");
        }
        return new QueryPositions(null, first.clone(), true);
    }

    /** Whether the first positions are given per batch row (their count must then equal B). */
    boolean isPerBatch() {
        return perBatch;
    }

    /** Number of first positions given per batch row (meaningful when {@link #isPerBatch()}). */
    int entryCount() {
        return firstPositions.length;
    }

    /** Absolute position of query 0 of batch row {@code b}, for {@code qLen} queries over {@code kvLen} keys. */
    int first(int b, int qLen, int kvLen) {
        if (alignment != null) {
            return alignment.queryStart(qLen, kvLen);
        }
        return perBatch ? firstPositions[b] : firstPositions[0];
    }

    @Override
    public String toString() {
        return alignment != null ? alignment.name()
                : !perBatch ? "startingAt(" + firstPositions[0] + ")"
                : "startingAtPerBatch" + Arrays.toString(firstPositions);
    }
}
