package dev.attnref.attention;

import dev.attnref.core.SeededRandom;

/**
 * A minimal seeded law runner for this package's properties, until the project's property harness
 * ({@code dev.attnref.property}) lands on main. A law is a plain static method of (sizes, random);
 * try {@code i} gets seed {@code firstSeed + i}; sizes are drawn through {@link Try#size}, which
 * also records them, so a failure prints its law, seed and shape. {@code -Dattnref.lawSeed=N}
 * replays exactly the try with seed N of every law that has one.
 */
final class LatentLaw {
    private LatentLaw() {
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
            note(name, value);
            return value;
        }

        /** A choice, recorded under {@code name}. */
        boolean flag(String name) {
            boolean value = random.nextInt(2) == 1;
            note(name, value);
            return value;
        }

        /** Records a derived value for the failure message. */
        void note(String name, Object value) {
            shape.append(shape.length() == 0 ? "" : ", ").append(name).append('=').append(value);
        }

        String shape() {
            return shape.length() == 0 ? "(no sizes drawn)" : shape.toString();
        }
    }

    /** Runs {@code body} for seeds {@code firstSeed … firstSeed + tries − 1} (or the replayed seed alone). */
    static void check(String law, long firstSeed, int tries, Body body) {
        String replay = System.getProperty("attnref.lawSeed");
        long from = firstSeed;
        long count = tries;
        if (replay != null) {
            long seed = Long.parseLong(replay);
            if (seed < firstSeed || seed >= firstSeed + tries) {
                return;
            }
            from = seed;
            count = 1;
        }
        for (long i = 0; i < count; i++) {
            Try t = new Try(from + i);
            try {
                body.check(t);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(law + " failed at seed " + t.seed + " (replay: -Dattnref.lawSeed=" + t.seed
                        + "), shape {" + t.shape() + "}: " + e.getMessage(), e);
            }
        }
    }
}
