package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * The LM head ("Linear Un-embedding", seed 001): hidden states to vocabulary logits.
 *
 * <pre>
 *   logits[b, t, v] = Σ_m h[b, t, m] · W[v, m]          (btm,vm->btv)
 *   untied: W is the head's own [V, M] matrix     tied: W = E, the token embedding table
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>h</td><td>[B, T, M]</td><td>read only (after the final norm)</td></tr>
 *   <tr><td>W</td><td>[V, M]</td><td>tied: the very tensor {@link TokenEmbedding#weight()} returns (shared, not copied)</td></tr>
 *   <tr><td>logits</td><td>[B, T, V]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Seed 001 writes the head as a {@code (D, V)} matrix multiplied on the right; this is the same
 * map with the PyTorch {@code [out, in]} layout ({@code W = (D, V)ᵀ}). No bias (GPT-2, LLaMA).
 * Weight tying: Press and Wolf 2017. Checked by {@code LmHeadTest}.
 */
public final class LmHead {
    private final Linear untied;
    private final TokenEmbedding tiedTo;

    private LmHead(Linear untied, TokenEmbedding tiedTo) {
        this.untied = untied;
        this.tiedTo = tiedTo;
    }

    /** A head with its own matrix {@code [V, M]} (a bias-free {@link Linear}). */
    public static LmHead untied(Linear projection) {
        Checks.notNull("LM head projection", projection);
        if (projection.hasBias()) {
            throw new IllegalArgumentException("LM head projection has a bias; expected none (logits = h·Wᵀ)");
        }
        return new LmHead(projection, null);
    }

    /** A head that multiplies by the embedding table {@code E [V, M]}: {@code logits = h·Eᵀ}. */
    public static LmHead tied(TokenEmbedding embedding) {
        return new LmHead(null, Checks.notNull("tied embedding", embedding));
    }

    public boolean isTied() {
        return tiedTo != null;
    }

    /** The matrix {@code W [V, M]} the head multiplies by; for a tied head, the embedding's own table. */
    public Tensor weight() {
        return isTied() ? tiedTo.weight() : untied.weight();
    }

    public int vocabSize() {
        return weight().size(0);
    }

    public int modelWidth() {
        return weight().size(1);
    }

    /** {@code h [B, T, M] → logits [B, T, V]}. */
    public Tensor forward(Tensor h) {
        if (h.dim() == 0 || h.size(-1) != modelWidth()) {
            throw new IllegalArgumentException("LM head of width " + modelWidth() + " got input of shape "
                    + Arrays.toString(h.shape()) + "; expected last axis " + modelWidth());
        }
        // logits = h·Wᵀ   (btm,vm->btv)
        return h.matmul(weight().transpose(0, 1));                     // [B, T, V]
    }

    public String describe() {
        return isTied() ? "tied to the embedding (W = E)" : "untied";
    }
}
