package dev.attnref.model;

import dev.attnref.core.Linear;

/**
 * What {@link Mlp} and {@link SwiGlu} share: the up-projection {@code W_up [F, M]} into the hidden
 * width and the down-projection {@code W_down [M, F]} back to the model width, so
 * {@code M = in(W_up)} and {@code F = out(W_up)}. The subclass checks the pair (its message names
 * every projection it has) and supplies what happens between them. Checked by {@code FeedForwardTest}.
 */
abstract sealed class UpDownFeedForward implements FeedForward permits Mlp, SwiGlu {
    private final Linear up;
    private final Linear down;

    UpDownFeedForward(Linear up, Linear down) {
        this.up = up;
        this.down = down;
    }

    /** True iff {@code down} maps back what {@code up} maps out: up is M → F and down is F → M. */
    static boolean downInvertsUpShape(Linear up, Linear down) {
        return down.inFeatures() == up.outFeatures() && down.outFeatures() == up.inFeatures();
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }

    @Override
    public int modelWidth() {
        return up.inFeatures();
    }

    @Override
    public int hiddenWidth() {
        return up.outFeatures();
    }
}
