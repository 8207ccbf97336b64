package dev.attnref.experiment;

import dev.attnref.attention.AttentionShape;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.core.Checks;

/**
 * The part of one attention layer whose cost grows with the number of cached keys S: scoring H
 * query heads against the cache and summing the values. Every variant's core is one of three cache
 * layouts; projections (constant per token) are outside it.
 *
 * <table>
 *   <caption>Layouts (Dk = key width, Dv = value width)</caption>
 *   <tr><th>layout</th><th>cache per token</th><th>key of token s</th><th>value of token s</th><th>variants</th></tr>
 *   <tr><td>GROUPED</td><td>G·(Dk + Dv)</td><td>k[g, s]</td><td>v[g, s]</td><td>MHA, GQA, MQA; naive MLA (G = H,
 *       Dk = D_nope + P); MFA (G = 1, Dk = Dv = C)</td></tr>
 *   <tr><td>LATENT</td><td>Dk = C + P</td><td>the row [c_kv | k_R]</td><td>its first Dv = C entries, c_kv</td>
 *       <td>absorbed MLA: queries are moved into latent space (q̂ = [W_UKᵀ q_nope | q_rope]), outputs leave
 *       it through W_UV after the sum</td></tr>
 *   <tr><td>KEY_REUSE</td><td>Dk = C</td><td>RoPE(k̄_s, s), rotated when read</td><td>k̄_s (the map
 *       I + diag(α)N is folded into W_O)</td><td>MFA-KR</td></tr>
 * </table>
 *
 * <pre>
 *   FLOPs per (query, visible key) pair  = 2·H·(Dk + Dv)       (score dot products and the weighted sum)
 *   KEY_REUSE adds per key read          = 3·Dk                 (a 2×2 rotation per pair: 4 multiplies, 2 adds)
 *   cache values per token               = G·(Dk + Dv) | Dk | Dk
 * </pre>
 *
 * Softmax (a max, an exp, an add per pair and head) is not counted: it is not matrix work.
 * Checked by {@code RooflineTest}.
 */
public record CoreShape(String label, Layout layout, int numHeads, int numKvHeads, int keyWidth, int valueWidth) {

    /** How the cache stores keys and values. */
    public enum Layout { GROUPED, LATENT, KEY_REUSE }

    /** Which form of MLA runs: naive (per-head keys and values cached) or absorbed (latent cached). */
    public enum MlaForm { NAIVE, ABSORBED }

    public CoreShape {
        Checks.notNull("layout", layout);
        Checks.positive("numHeads", numHeads);
        Checks.positive("numKvHeads", numKvHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("keyWidth", keyWidth);
        Checks.positive("valueWidth", valueWidth);
        if (layout != Layout.GROUPED && numKvHeads != 1) {
            throw new IllegalArgumentException("numKvHeads (" + numKvHeads + ") must be 1 for layout " + layout
                    + ": one shared cache row per token");
        }
        if (layout == Layout.LATENT && valueWidth > keyWidth) {
            throw new IllegalArgumentException("valueWidth (" + valueWidth + ") must be ≤ keyWidth (" + keyWidth
                    + ") for LATENT: the value is a prefix of the cached row");
        }
        if (layout == Layout.KEY_REUSE && (valueWidth != keyWidth || keyWidth % 2 != 0)) {
            throw new IllegalArgumentException("KEY_REUSE needs valueWidth (" + valueWidth + ") = keyWidth ("
                    + keyWidth + ") and an even keyWidth (RoPE rotates pairs)");
        }
    }

    public static CoreShape grouped(String label, int numHeads, int numKvHeads, int keyWidth, int valueWidth) {
        return new CoreShape(label, Layout.GROUPED, numHeads, numKvHeads, keyWidth, valueWidth);
    }

    /** MHA/GQA/MQA with H heads of width D sharing G key/value heads. */
    public static CoreShape gqa(int numHeads, int numKvHeads, int headDim) {
        String label = numKvHeads == numHeads ? "MHA" : numKvHeads == 1 ? "MQA" : "GQA";
        return grouped(label, numHeads, numKvHeads, headDim, headDim);
    }

    /** Naive MLA: every head's key (D_nope + P) and value (Dv) cached. */
    public static CoreShape mlaNaive(int numHeads, int nopeDim, int ropeDim, int valueDim) {
        return grouped("MLA (naive)", numHeads, numHeads, nopeDim + ropeDim, valueDim);
    }

    /** Absorbed MLA: the latent c_kv (C) and the shared rotated key k_R (P) cached. */
    public static CoreShape mlaAbsorbed(int numHeads, int latentDim, int ropeDim) {
        return new CoreShape("MLA (absorbed)", Layout.LATENT, numHeads, 1, latentDim + ropeDim, latentDim);
    }

    /** MFA: one shared key and value head of width C. */
    public static CoreShape mfa(int numHeads, int headDim) {
        return grouped("MFA", numHeads, 1, headDim, headDim);
    }

    /** MFA-KR: only the unrotated key k̄ (C) cached. */
    public static CoreShape mfaKeyReuse(int numHeads, int headDim) {
        return new CoreShape("MFA-KR", Layout.KEY_REUSE, numHeads, 1, headDim, headDim);
    }

    /** The core of a catalogue shape; {@code form} picks the MLA form (ignored for the others). */
    public static CoreShape of(AttentionShape shape, MlaForm form) {
        if (shape instanceof GqaShape g) {
            return new CoreShape(g.variant().label(), Layout.GROUPED, g.numHeads(), g.numKvHeads(), g.headDim(),
                    g.valueHeadDim());
        }
        if (shape instanceof MlaShape m) {
            return form == MlaForm.NAIVE ? mlaNaive(m.numHeads(), m.qkNopeHeadDim(), m.qkRopeHeadDim(), m.vHeadDim())
                    : mlaAbsorbed(m.numHeads(), m.kvLoraRank(), m.qkRopeHeadDim());
        }
        MfaShape f = (MfaShape) shape;
        return f.keyReuse() ? mfaKeyReuse(f.numHeads(), f.headDim()) : mfa(f.numHeads(), f.headDim());
    }

    /**
     * A core from a spec object: {@code kind} = {@code gqa} (heads, kvHeads, headDim), {@code mla-naive}
     * (heads, nopeDim, ropeDim, valueDim), {@code mla-absorbed} (heads, latentDim, ropeDim), {@code mfa} or
     * {@code mfa-kr} (heads, headDim).
     */
    public static CoreShape fromSpec(Spec spec) {
        String kind = spec.text("kind");
        return switch (kind) {
            case "gqa" -> gqa(spec.integer("heads"), spec.integer("kvHeads"), spec.integer("headDim"));
            case "mla-naive" -> mlaNaive(spec.integer("heads"), spec.integer("nopeDim"), spec.integer("ropeDim"),
                    spec.integer("valueDim"));
            case "mla-absorbed" -> mlaAbsorbed(spec.integer("heads"), spec.integer("latentDim"), spec.integer("ropeDim"));
            case "mfa" -> mfa(spec.integer("heads"), spec.integer("headDim"));
            case "mfa-kr" -> mfaKeyReuse(spec.integer("heads"), spec.integer("headDim"));
            default -> throw new IllegalArgumentException("core kind (" + kind
                    + ") must be one of gqa, mla-naive, mla-absorbed, mfa, mfa-kr");
        };
    }

    /** The label with the sizes, for legends: {@code GQA H32 G8 D128}. */
    public String describe() {
        return switch (layout) {
            case GROUPED -> label + " H" + numHeads + " G" + numKvHeads + " Dk" + keyWidth + " Dv" + valueWidth;
            case LATENT -> label + " H" + numHeads + " C" + valueWidth + " P" + (keyWidth - valueWidth);
            case KEY_REUSE -> label + " H" + numHeads + " C" + keyWidth;
        };
    }

    /** Values cached per token. */
    public long cacheValuesPerToken() {
        return layout == Layout.GROUPED ? (long) numKvHeads * (keyWidth + valueWidth) : keyWidth;
    }

    /** FLOPs per (query, visible key) pair: 2·H·(Dk + Dv). */
    public long flopsPerPair() {
        return 2L * numHeads * (keyWidth + valueWidth);
    }

    /** FLOPs per cached key read, paid once per key per call (KEY_REUSE's rotation), else 0. */
    public long flopsPerKeyRead() {
        return layout == Layout.KEY_REUSE ? 3L * keyWidth : 0;
    }

    /** Query heads per cache group, R = H / G. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }
}
