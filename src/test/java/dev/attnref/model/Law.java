package dev.attnref.model;

import dev.attnref.core.SeededRandom;

/**
 * A minimal seeded law runner for this package's properties, until the project's property harness
 * ({@code dev.attnref.property}) lands on main. A law is a plain static method of (sizes, random);
 * each try gets seed {@code firstSeed + i}; sizes are drawn through {@link Try#size}, which also
 * writes them into the failure message, so a failure prints its seed and its shape.
 */
final class Law {
    private Law() {
    }

    /** The body of one try. */
    interface Body {
        void check(Try t);
    }

    /** One try: its seed, its random stream, and the sizes drawn so far. */
    static final class Try {
        final long seed;
        final SeededRandom random;
        private final StringBuilder shape = new StringBuilder();

        Try(long seed) {
            this.seed = seed;
            this.random = new SeededRandom(seed);
        }

        /** A size in [lo, hi], recorded under {@code name} for the failure message. */
        int size(String name, int lo, int hi) {
            int value = random.intBetween(lo, hi);
            shape.append(shape.length() == 0 ? "" : ", ").append(name).append('=').append(value);
            return value;
        }

        String shape() {
            return shape.length() == 0 ? "(no sizes drawn)" : shape.toString();
        }
    }

    /** Runs {@code body} for seeds {@code firstSeed … firstSeed + tries − 1}; a failure names the law, seed and shape. */
    static void check(String law, long firstSeed, int tries, Body body) {
        for (int i = 0; i < tries; i++) {
            Try t = new Try(firstSeed + i);
            try {
                body.check(t);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(law + " failed at seed " + t.seed + ", shape {" + t.shape() + "}: " + e.getMessage(), e);
            }
        }
    }
}
