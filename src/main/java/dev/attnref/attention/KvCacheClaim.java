package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * A published KV-cache saving, restated as the two quantities it compares, so that the report can
 * say what the percentage measures.
 *
 * <pre>
 *   fraction = (reducedValues · reducedBits) / (baselineValues · baselineBits)
 *   saving   = 1 − fraction
 * </pre>
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>id</td><td>short stable id, for tables and the claims ledger</td></tr>
 *   <tr><td>published</td><td>the claim as published, e.g. {@code "KV cache reduced by 93.3%"}</td></tr>
 *   <tr><td>source</td><td>where it is published</td></tr>
 *   <tr><td>reduced, baseline</td><td>what is compared, in words</td></tr>
 *   <tr><td>reducedValues, baselineValues</td><td>KV values cached per token, ≥ 1</td></tr>
 *   <tr><td>reducedBits, baselineBits</td><td>bits per cached value, ≥ 1 (equal when the claim counts elements)</td></tr>
 * </table>
 */
public record KvCacheClaim(String id, String published, String source, String reduced, String baseline,
        long reducedValues, int reducedBits, long baselineValues, int baselineBits) {

    public KvCacheClaim {
        Checks.notNull("claim id", id);
        Checks.notNull("published text of " + id, published);
        Checks.notNull("source of " + id, source);
        Checks.notNull("reduced side of " + id, reduced);
        Checks.notNull("baseline side of " + id, baseline);
        if (reducedValues <= 0 || baselineValues <= 0) {
            throw new IllegalArgumentException("claim " + id + " compares " + reducedValues + " with " + baselineValues
                    + " values per token; expected both positive");
        }
        Checks.positive("reducedBits of " + id, reducedBits);
        Checks.positive("baselineBits of " + id, baselineBits);
    }

    /** Cached bits of the reduced side over the baseline's. */
    public double fraction() {
        return (double) reducedValues * reducedBits / ((double) baselineValues * baselineBits);
    }

    /** {@code 1 − fraction()}: the published "reduced by" figure. */
    public double saving() {
        return 1.0 - fraction();
    }
}
