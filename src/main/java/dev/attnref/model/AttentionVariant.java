package dev.attnref.model;

import dev.attnref.core.Checks;

/**
 * The key/value sharing of seed 001's attention variants, as a number of key/value heads G for H
 * query heads ("MHA 和 MQA 都是 GQA 的特殊表达形式").
 *
 * <table>
 *   <caption>Variants</caption>
 *   <tr><th>variant</th><th>G</th></tr>
 *   <tr><td>{@link #MHA}</td><td>H (every query head has its own key/value head)</td></tr>
 *   <tr><td>{@link #MQA}</td><td>1 (all query heads share one)</td></tr>
 *   <tr><td>{@link #GQA}</td><td>the requested G (must divide H), or by default the largest divisor of H
 *       strictly between 1 and H</td></tr>
 * </table>
 */
public enum AttentionVariant {
    MHA,
    MQA,
    GQA;

    /** G for {@code numHeads} query heads; {@code requestedKvHeads} is 0 when not given. */
    public int numKvHeads(int numHeads, int requestedKvHeads) {
        Checks.positive("numHeads", numHeads);
        Checks.nonNegative("numKvHeads (0 = variant default)", requestedKvHeads);
        int fixed = switch (this) {
            case MHA -> numHeads;
            case MQA -> 1;
            case GQA -> requestedKvHeads;
        };
        if (this != GQA) {
            if (requestedKvHeads != 0 && requestedKvHeads != fixed) {
                throw new IllegalArgumentException(name() + " has numKvHeads = " + fixed + " for numHeads (" + numHeads
                        + "); got numKvHeads (" + requestedKvHeads + ")");
            }
            return fixed;
        }
        if (requestedKvHeads != 0) {
            Checks.divides("numKvHeads", requestedKvHeads, "numHeads", numHeads);
            return requestedKvHeads;
        }
        for (int g = numHeads - 1; g > 1; g--) {
            if (numHeads % g == 0) {
                return g;
            }
        }
        throw new IllegalArgumentException("GQA needs a key/value head count strictly between 1 and numHeads ("
                + numHeads + "), and " + numHeads + " has no such divisor; give numKvHeads or use MHA/MQA");
    }
}
