package dev.attnref.fast;

import dev.attnref.core.SeededRandom;

/** Seeded float32 inputs for the fast-kernel benchmarks: uniform in [−1, 1], the race's distribution. */
final class BenchmarkInputs {
    static final long SEED = 20240601L;

    private BenchmarkInputs() {
    }

    static float[] uniform(SeededRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.uniform(-1, 1);
        }
        return x;
    }

    /**
     * q, k, v of one attention shape, drawn in that order from {@link #SEED}, and a zeroed output;
     * the base of the GQA benchmarks' {@code Shape} states, whose {@code @Setup} calls {@link #draw}.
     */
    abstract static class Attention {
        AttentionDims dims;
        float[] q;
        float[] k;
        float[] v;
        float[] out;

        /** Fills q [queryCount], k [keyCount], v [valueCount] and out [outputCount] for {@code shape}. */
        void draw(AttentionDims shape) {
            dims = shape;
            SeededRandom random = new SeededRandom(SEED);
            q = uniform(random, dims.queryCount());
            k = uniform(random, dims.keyCount());
            v = uniform(random, dims.valueCount());
            out = new float[dims.outputCount()];
        }
    }
}
