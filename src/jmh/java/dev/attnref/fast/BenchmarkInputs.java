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
}
