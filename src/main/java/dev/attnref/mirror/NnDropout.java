package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * {@code nn.Dropout(p)}: in training mode each element is zeroed with probability {@code p} and the
 * survivors scaled by {@code 1/(1−p)} ({@link Tensor#dropout}); in eval mode the identity. The draws
 * come from the {@link SeededRandom} the owning module was built with (PyTorch uses its global
 * generator: the law is the same, the stream is not). Checked by {@code MirrorModuleTest}.
 */
public final class NnDropout extends MirrorModule {
    private final double p;
    private final SeededRandom random;

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
        return isTraining() ? x.dropout(p, random) : x;
    }

    /** The drop probability {@code p}. */
    public double p() {
        return p;
    }
}
