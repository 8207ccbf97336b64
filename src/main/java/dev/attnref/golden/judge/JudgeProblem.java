package dev.attnref.golden.judge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.golden.CaseInputs;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.FullyMaskedRows;
import dev.attnref.oracle.QueryPositions;
import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * One call of the golden variant {@code attention} (reference-data/README.md, "attention"), as a runtime
 * is handed it: the keys of the past and the new ones already joined, every mask in its stored shape, and
 * the options the case names. It can be cut down (one batch row, head, query, key or width fewer) to
 * minimise a disagreement, and rounded to a lower precision.
 *
 * <table>
 *   <caption>Arrays (flat, row-major)</caption>
 *   <tr><th>field</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>query</td><td>[B, H, T, D]</td><td></td></tr>
 *   <tr><td>key, value</td><td>[B, G, S, D], [B, G, S, Dv]</td><td>S = P + S_new; positions 0 … P−1 are the past</td></tr>
 *   <tr><td>keep</td><td>{@code keepShape}, right-aligned to [B, H, T, S]</td><td>null, or true = visible (a case's
 *       {@code hide_where_true} mask is inverted on reading)</td></tr>
 *   <tr><td>additive</td><td>{@code additiveShape}, right-aligned to [B, H, T, S]</td><td>null, or added to the logits</td></tr>
 *   <tr><td>keyLengths</td><td>[B]</td><td>null, or keys s ≥ L[b] hidden</td></tr>
 * </table>
 *
 * @param causal null (not causal), or how the queries are numbered
 * @param scale  null = 1/√D
 * @param fill   the logit of a hidden key (−∞ unless the case names a finite fill)
 * @param nanRows a row with every key hidden gives NaN (the case's {@code fully_masked_rows: "nan"}); else zeros
 */
record JudgeProblem(int batch, int numHeads, int numKvHeads, int qLen, int pastLen, int kvLen, int headDim,
        int valueHeadDim, double[] query, double[] key, double[] value, boolean[] keep, int[] keepShape,
        double[] additive, int[] additiveShape, int[] keyLengths, Causal causal, Double scale, double softcap,
        double fill, boolean nanRows) {

    /** Causal numbering of the queries: an alignment, or explicit first positions (one per batch row). */
    record Causal(CausalAlignment alignment, int[] first) {
        /** first(b): 0 (top-left), S − T (bottom-right), or the given position. */
        int first(int b, int qLen, int kvLen) {
            if (alignment == null) {
                return first[b];
            }
            return alignment == CausalAlignment.TOP_LEFT ? 0 : kvLen - qLen;
        }

        QueryPositions positions() {
            return alignment != null ? QueryPositions.aligned(alignment) : QueryPositions.startingAtPerBatch(first);
        }

        String describe() {
            return alignment == CausalAlignment.TOP_LEFT ? "top-left" : alignment == CausalAlignment.BOTTOM_RIGHT
                    ? "bottom-right" : "query start " + Arrays.toString(first);
        }
    }

    int groupSize() {
        return numHeads / numKvHeads;
    }

    int newKvLen() {
        return kvLen - pastLen;
    }

    /** Reads an {@code attention} case from its config (as GoldenCase.read validated it) and its inputs. */
    static JudgeProblem of(JsonNode config, CaseInputs in) {
        int batch = config.get("batch").asInt();
        int pastLen = config.get("past_len").asInt();
        int newKvLen = config.get("new_kv_len").asInt();
        int kvHeads = config.get("num_kv_heads").asInt();
        int headDim = config.get("head_dim").asInt();
        int valueHeadDim = config.get("value_head_dim").asInt();
        double[] key = in.values("key");
        double[] value = in.values("value");
        if (pastLen > 0) {
            // k = concat_s(past_key, key): [B, G, P, D] ++ [B, G, S_new, D] → [B, G, S, D]
            key = concatKeys(in.values("past_key"), key, batch * kvHeads, pastLen * headDim, newKvLen * headDim);
            value = concatKeys(in.values("past_value"), value, batch * kvHeads, pastLen * valueHeadDim, newKvLen * valueHeadDim);
        }
        JsonNode bool = config.get("bool_mask");
        boolean[] keep = null;
        int[] keepShape = null;
        if (!bool.isNull()) {
            boolean hide = bool.get("convention").asText().equals("hide_where_true");
            boolean[] stored = in.booleans("bool_mask");
            keep = new boolean[stored.length];
            for (int i = 0; i < stored.length; i++) {
                keep[i] = stored[i] != hide;
            }
            keepShape = in.shape("bool_mask");
        }
        boolean additive = !config.get("additive_mask").isNull();
        JsonNode fill = config.get("mask_fill");
        return new JudgeProblem(batch, config.get("num_heads").asInt(), kvHeads, config.get("q_len").asInt(), pastLen,
                pastLen + newKvLen, headDim, valueHeadDim, in.values("query"), key, value, keep, keepShape,
                additive ? in.values("additive_mask") : null, additive ? in.shape("additive_mask") : null,
                config.get("key_lengths").asBoolean() ? in.ints("key_lengths") : null, causal(config.get("causal"), batch),
                config.get("scale").isNull() ? null : config.get("scale").asDouble(), config.get("softcap").asDouble(),
                fill.isTextual() ? Double.NEGATIVE_INFINITY : fill.asDouble(),
                config.get("fully_masked_rows").asText().equals("nan"));
    }

    private static Causal causal(JsonNode c, int batch) {
        if (c.isNull()) {
            return null;
        }
        if (c.has("alignment")) {
            return new Causal(c.get("alignment").asText().equals("top_left") ? CausalAlignment.TOP_LEFT
                    : CausalAlignment.BOTTOM_RIGHT, null);
        }
        int[] first = new int[batch];
        if (c.has("query_start")) {
            Arrays.fill(first, c.get("query_start").asInt());
        } else {
            for (int b = 0; b < batch; b++) {
                first[b] = c.get("query_start_per_batch").get(b).asInt();
            }
        }
        return new Causal(null, first);
    }

    private static double[] concatKeys(double[] past, double[] fresh, int rows, int pastRow, int freshRow) {
        double[] joined = new double[rows * (pastRow + freshRow)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(past, r * pastRow, joined, r * (pastRow + freshRow), pastRow);
            System.arraycopy(fresh, r * freshRow, joined, r * (pastRow + freshRow) + pastRow, freshRow);
        }
        return joined;
    }

    /** The oracle's problem: the case's own conventions. */
    AttentionProblem.Builder oracle() {
        AttentionProblem.Builder p = AttentionProblem.builder().batch(batch).numHeads(numHeads).numKvHeads(numKvHeads)
                .qLen(qLen).newKvLen(kvLen).headDim(headDim).valueHeadDim(valueHeadDim)
                .query(query).key(key).value(value).softcap(softcap).maskFill(fill)
                .fullyMaskedRows(nanRows ? FullyMaskedRows.NAN : FullyMaskedRows.ZEROS);
        if (scale != null) {
            p.scale(scale);
        }
        if (keep != null) {
            p.booleanMask(keep, MaskConvention.KEEP_WHERE_TRUE, keepShape);
        }
        if (additive != null) {
            p.additiveMask(additive, additiveShape);
        }
        if (keyLengths != null) {
            p.keyLengths(keyLengths);
        }
        if (causal != null) {
            p.causal(causal.positions());
        }
        return p;
    }

    /** The floating inputs rounded by {@code round} (keys, values, query, additive mask); the rest as is. */
    JudgeProblem rounded(DoubleUnaryOperator round) {
        return new JudgeProblem(batch, numHeads, numKvHeads, qLen, pastLen, kvLen, headDim, valueHeadDim,
                map(query, round), map(key, round), map(value, round), keep, keepShape,
                additive == null ? null : map(additive, round), additiveShape, keyLengths, causal, scale, softcap, fill, nanRows);
    }

    private static double[] map(double[] x, DoubleUnaryOperator f) {
        return Arrays.stream(x).map(f).toArray();
    }

    /** The keep flag of (b, h, t, s) read through the mask's broadcast; true where there is no mask. */
    boolean keepAt(int b, int h, int t, int s) {
        return keep == null || keep[maskIndex(keepShape, b, h, t, s)];
    }

    /** Boolean mask, causal rule (s ≤ first(b) + t) and key lengths (s &lt; L[b]) all let query t see key s. */
    boolean visible(int b, int h, int t, int s) {
        boolean seen = causal == null || s <= causal.first(b, qLen, kvLen) + t;
        boolean inside = keyLengths == null || s < keyLengths[b];
        return keepAt(b, h, t, s) && seen && inside;
    }

    /** The additive mask at (b, h, t, s); 0 where there is none. */
    double additiveAt(int b, int h, int t, int s) {
        return additive == null ? 0 : additive[maskIndex(additiveShape, b, h, t, s)];
    }

    /** Flat index of (b, h, t, s) in a mask of {@code shape}, right-aligned to [B, H, T, S] (size-1 axes broadcast). */
    static int maskIndex(int[] shape, int b, int h, int t, int s) {
        int[] at = {b, h, t, s};
        int index = 0;
        for (int axis = 0; axis < shape.length; axis++) {
            int full = 4 - shape.length + axis;
            index = index * shape[axis] + (shape[axis] == 1 ? 0 : at[full]);
        }
        return index;
    }

    /** "B=2 H=4 G=2 T=3 S=5 (P=2) D=4 Dv=4" and the options that change results. */
    String describe() {
        StringBuilder sb = new StringBuilder("B=" + batch + " H=" + numHeads + " G=" + numKvHeads + " T=" + qLen + " S=" + kvLen
                + (pastLen > 0 ? " (P=" + pastLen + ")" : "") + " D=" + headDim + " Dv=" + valueHeadDim);
        if (causal != null) {
            sb.append(", causal ").append(causal.describe());
        }
        if (keep != null) {
            sb.append(", bool mask ").append(Arrays.toString(keepShape));
        }
        if (additive != null) {
            sb.append(", additive mask ").append(Arrays.toString(additiveShape));
        }
        if (keyLengths != null) {
            sb.append(", key lengths ").append(Arrays.toString(keyLengths));
        }
        if (scale != null) {
            sb.append(", scale ").append(scale);
        }
        if (softcap > 0) {
            sb.append(", softcap ").append(softcap);
        }
        return sb.toString();
    }
}
