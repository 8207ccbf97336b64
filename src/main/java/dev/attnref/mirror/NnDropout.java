package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * {@code nn.Dropout(p)}: in training mode each element is zeroed with probability {@code p} and the
 * survivors scaled by {@code 1/(1−p)} ({@link Tensor#dropout}); in eval mode the identity. The draws
 * come from the {@link SeededRandom} the owning module was built with (PyTorch uses its global
 * generator: the law is the same, the stream is not). To compare with a run recorded in PyTorch,
 * {@link #replayKeep} hands the next training-mode call the keep mask PyTorch drew.
 * Checked by {@code MirrorModuleTest}.
 */
public final class NnDropout extends MirrorModule {
    private final double p;
    private final SeededRandom random;
    private Tensor replay;

    /** {@code nn.Dropout(p)} drawing its masks from {@code random}. */
    public NnDropout(double p, SeededRandom random) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability p (" + p + ") must be in [0, 1)");
        }
        this.p = p;
        this.random = Checks.notNull("random", random);
    }

    /** {@code self.dropout(x)}: random in training mode, {@code x} itself in eval mode. */
    public Tensor forward(Tensor x) {
        if (!isTraining()) {
            return x;
        }
        if (replay == null) {
            return x.dropout(p, random);
        }
        Tensor keep = replay;
        replay = null;
        Checks.sameShape("replayed keep mask", keep.shape(), x.shape());
        // PyTorch's rule: out = in · keep · scale, scale = 1/(1 − p) rounded to float64.
        double scale = 1.0 / (1.0 - p);
        return x.zip(keep, (value, k) -> k != 0 ? value * scale : 0.0);
    }

    /**
     * Makes the next training-mode {@link #forward} use {@code keep} (1 = kept, 0 = dropped, the shape of
     * that call's input) instead of drawing a mask: a dropout recorded in PyTorch replays exactly.
     */
    public void replayKeep(Tensor keep) {
        this.replay = Checks.notNull("keep", keep);
    }

    /** The drop probability {@code p}. */
    public double p() {
        return p;
    }
}
