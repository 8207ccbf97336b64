package dev.attnref.fast;

import java.util.List;

/**
 * The two kernel sets on two worker threads each, shared by this package's test classes: one engine per set for
 * the whole test JVM (its workers are daemon threads, so nothing needs closing).
 */
final class Engines {
    static final FastAttention VECTOR = new FastAttention(2, Kernels.VECTOR);
    static final FastAttention SCALAR = new FastAttention(2, Kernels.SCALAR);
    /** Both sets, for a law every kernel set keeps. */
    static final List<FastAttention> BOTH = List.of(VECTOR, SCALAR);

    private Engines() {
    }
}
