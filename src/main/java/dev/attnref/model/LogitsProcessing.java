package dev.attnref.model;

import dev.attnref.core.Checks;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Logits processing of seed 001 ("Logits 的处理"): temperature, top-k, top-p, and the softmax that
 * turns logits into probabilities. Each function takes one vocabulary row {@code [V]} (read only)
 * and returns a new row; a removed token gets logit −∞ (probability exactly 0 after softmax).
 *
 * <h2>Rank order (used by top-k and top-p)</h2>
 * Tokens are ranked by value, largest first; equal values are ranked by token id, smallest
 * first. This total order is what makes ties deterministic and portable.
 *
 * <table>
 *   <caption>Functions</caption>
 *   <tr><th>function</th><th>definition</th><th>contract</th></tr>
 *   <tr><td>{@link #temperature}</td><td>{@code l / T}</td><td>T finite and &gt; 0, else IllegalArgumentException:
 *       T ≤ 0 is not defined here; the T → 0 limit is greedy decoding, asked for as such
 *       ({@link DecodingConfig#greedy}). T = 1 returns the row bit for bit.</td></tr>
 *   <tr><td>{@link #topK}</td><td>keep the first {@code min(k, V)} tokens of the rank order</td><td>k ≥ 1;
 *       keeps <em>exactly</em> {@code min(k, V)} logits: of tokens tied with the k-th, the smaller ids are kept.
 *       (HF's {@code TopKLogitsWarper} keeps every token tied with the k-th value, so it can keep more
 *       than k; {@code torch.topk} leaves the order of ties unspecified.)</td></tr>
 *   <tr><td>{@link #topP}</td><td>p = softmax(l); keep the shortest prefix of the rank order whose mass
 *       reaches {@code topP}</td><td>topP in (0, 1]; see {@link #nucleus}</td></tr>
 *   <tr><td>{@link #softmax}</td><td>{@code exp(lᵢ − max) / Σⱼ exp(lⱼ − max)}</td><td>no NaN or +∞; at least one
 *       finite logit; −∞ gives exactly 0</td></tr>
 * </table>
 *
 * <p>Source: seed 001 ("Temperature", "Top-K / Top-P"); Holtzman et al. 2020 (nucleus sampling,
 * §3.1). Checked by {@code LogitsProcessingTest} and {@code SamplingTest}.
 */
final class LogitsProcessing {
    private LogitsProcessing() {
    }

    /** {@code l / T}; {@code T} finite and positive (T ≤ 0 rejected: use greedy decoding for the T → 0 limit). */
    public static double[] temperature(double[] logits, double temperature) {
        checkRow(logits);
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature (" + temperature + ") must be finite and > 0; "
                    + "T → 0 is greedy decoding, which is asked for as greedy, not as T = 0");
        }
        double[] out = new double[logits.length];
        // l'ᵥ = lᵥ / T
        for (int v = 0; v < logits.length; v++) {
            out[v] = logits[v] / temperature;
        }
        return out;
    }

    /** Keeps the {@code min(k, V)} first tokens of the rank order; the rest become −∞. */
    public static double[] topK(double[] logits, int k) {
        checkRow(logits);
        Checks.positive("top-k k", k);
        int[] order = rankOrder(logits);
        double[] out = new double[logits.length];
        Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int r = 0; r < Math.min(k, logits.length); r++) {
            out[order[r]] = logits[order[r]];
        }
        return out;
    }

    /** Keeps the tokens {@link #nucleus} selects from {@code softmax(logits)}; the rest become −∞. */
    public static double[] topP(double[] logits, double topP) {
        boolean[] keep = nucleus(softmax(logits), topP);
        double[] out = new double[logits.length];
        for (int v = 0; v < logits.length; v++) {
            out[v] = keep[v] ? logits[v] : Double.NEGATIVE_INFINITY;
        }
        return out;
    }

    /**
     * The nucleus of a probability row: walk the rank order of {@code probabilities}, accumulating
     * {@code c₀ = 0, c_r = c_{r−1} + p_{order[r−1]}} left to right in float64, and keep the token
     * at rank r iff {@code c_r < topP} (the mass strictly before it has not yet reached topP).
     *
     * <ul>
     *   <li>Minimal: the kept set is the shortest rank-order prefix with mass ≥ topP (mass reaching
     *       topP exactly stops there: {0.5, 0.25, …} with topP = 0.75 keeps two tokens).</li>
     *   <li>The top-ranked token is always kept ({@code c₀ = 0 < topP}).</li>
     *   <li>Ties at the boundary: of equal probabilities, the smaller id ranks first, so it is
     *       kept and a larger id with the same probability may be dropped.</li>
     *   <li>{@code topP = 1} keeps every token (by definition, whatever the rounding of the sums).</li>
     *   <li>Same set as HF's {@code TopPLogitsWarper} in exact arithmetic (it removes a token iff
     *       the mass above it is ≥ topP); they may differ by rounding and by tie order.</li>
     * </ul>
     */
    public static boolean[] nucleus(double[] probabilities, double topP) {
        checkProbabilities(probabilities);
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p (" + topP + ") must be in (0, 1]");
        }
        boolean[] keep = new boolean[probabilities.length];
        if (topP == 1.0) {
            Arrays.fill(keep, true);
            return keep;
        }
        double before = 0.0;
        for (int v : rankOrder(probabilities)) {
            if (!(before < topP)) {
                break;
            }
            keep[v] = true;
            before += probabilities[v];
        }
        return keep;
    }

    /** Max-subtracted softmax of one row; −∞ logits get probability exactly 0. */
    public static double[] softmax(double[] logits) {
        checkRow(logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("softmax of a row whose " + logits.length
                    + " logits are all −∞; expected at least one finite logit");
        }
        double[] out = new double[logits.length];
        double sum = 0.0;
        // pᵥ = exp(lᵥ − max) / Σ exp(l − max)
        for (int v = 0; v < logits.length; v++) {
            out[v] = Math.exp(logits[v] - max);
            sum += out[v];
        }
        for (int v = 0; v < logits.length; v++) {
            out[v] /= sum;
        }
        return out;
    }

    /** Token ids ordered by value (largest first), equal values by id (smallest first). */
    public static int[] rankOrder(double[] values) {
        checkRow(values);
        Comparator<Integer> byValueDescending = (a, b) -> Double.compare(values[b], values[a]);
        return IntStream.range(0, values.length).boxed()
                .sorted(byValueDescending.thenComparing(Comparator.naturalOrder()))
                .mapToInt(Integer::intValue).toArray();
    }

    // A logit row: non-empty, no NaN, no +∞ (−∞ marks a removed token).
    static void checkRow(double[] row) {
        Checks.notNull("logits row", row);
        Checks.positive("logits row length", row.length);
        for (int v = 0; v < row.length; v++) {
            if (Double.isNaN(row[v]) || row[v] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logits row holds " + row[v] + " at token " + v
                        + "; expected finite values or −∞");
            }
        }
    }

    // A probability row: non-empty, each finite and ≥ 0, positive total.
    static void checkProbabilities(double[] probabilities) {
        Checks.notNull("probability row", probabilities);
        Checks.positive("probability row length", probabilities.length);
        double total = 0.0;
        for (int v = 0; v < probabilities.length; v++) {
            double p = probabilities[v];
            if (!(p >= 0) || !Double.isFinite(p)) {
                throw new IllegalArgumentException("probability " + p + " at token " + v + " must be finite and ≥ 0");
            }
            total += p;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("probability row sums to " + total + "; expected a positive total");
        }
    }
}
