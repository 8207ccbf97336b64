package dev.attnref.core;

/**
 * The project's only source of randomness: SplitMix64, specified here so that any language can
 * reproduce the stream bit for bit.
 *
 * <h2>Algorithm</h2>
 * State: one unsigned 64-bit integer {@code x}, initialised to the seed. Each call of
 * {@link #nextLong()} does, in wrapping unsigned 64-bit arithmetic:
 * <pre>
 *   x = x + 0x9E3779B97F4A7C15
 *   z = x
 *   z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
 *   return z ^ (z >>> 31)
 * </pre>
 * (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the
 * same constants as {@code java.util.SplittableRandom}.)
 *
 * <h2>Derived draws</h2>
 * <ul>
 *   <li>{@link #nextDouble()} = {@code (nextLong() >>> 11) · 2⁻⁵³}, in [0, 1), exact in binary64.</li>
 *   <li>{@link #uniform(double, double)} = {@code lo + (hi − lo) · nextDouble()}.</li>
 *   <li>{@link #nextInt(int) nextInt(n)}: draw {@code r = nextLong()} as unsigned; reject and
 *       redraw while {@code r ≥ 2⁶⁴ − (2⁶⁴ mod n)}; return {@code r mod n}. Unbiased.</li>
 *   <li>{@link #intBetween(int, int) intBetween(lo, hi)} = {@code lo + } the same law with
 *       {@code n = hi − lo + 1} (computed in 64 bits, so the full int range works).</li>
 *   <li>{@link #nextGaussian()}: Box–Muller, one normal per call, no cached second value:
 *       {@code u1 = 1 − nextDouble()} (in (0, 1]), {@code u2 = nextDouble()},
 *       {@code z = √(−2 ln u1) · cos(2π u2)}. Computed with {@link StrictMath} (fdlibm), so it is
 *       reproducible across JVMs; another libm may differ in the last bit, which is why golden
 *       vectors store their inputs rather than only their seeds.</li>
 * </ul>
 *
 * <p>Not thread-safe; not for cryptography. Checked by {@code SeededRandomTest}, against a Python
 * port written from this Javadoc ({@code src/test/resources/dev/attnref/core/seeded_random.py})
 * and against {@link java.util.SplittableRandom}.
 */
public final class SeededRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** The next 64 bits of the SplitMix64 stream (as a signed Java long). */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1): the top 53 bits of {@link #nextLong()} scaled by 2⁻⁵³. */
    public double nextDouble() {
        return (nextLong() >>> 11) * TWO_POW_MINUS_53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform integer in [0, n), unbiased by rejection; {@code n} must be positive. */
    public int nextInt(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("bound n (" + n + ") must be positive");
        }
        return (int) nextBelow(n);
    }

    /** Uniform in [0, n) for 1 ≤ n ≤ 2³², by the rejection law of {@link #nextInt(int)}. */
    private long nextBelow(long n) {
        // 2⁶⁴ mod n, computed as (2⁶⁴ − n) mod n in unsigned arithmetic.
        long excess = Long.remainderUnsigned(-n, n);
        while (true) {
            long r = nextLong();
            // Accept r < 2⁶⁴ − excess, i.e. r ≤ −excess − 1 unsigned.
            if (excess == 0 || Long.compareUnsigned(r, -excess) < 0) {
                return Long.remainderUnsigned(r, n);
            }
        }
    }

    /** Uniform integer in [lo, hi], both inclusive. */
    public int intBetween(int lo, int hi) {
        if (hi < lo) {
            throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
        }
        // hi − lo + 1 can exceed Integer.MAX_VALUE (at most 2³²), so the span is a long.
        return (int) (lo + nextBelow((long) hi - lo + 1));
    }

    /** A standard normal draw by Box–Muller (see class Javadoc); consumes two {@link #nextLong()}. */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** {@code n} normal draws scaled by {@code std}. */
    public double[] gaussians(int n, double std) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = std * nextGaussian();
        }
        return out;
    }

    /** {@code n} uniform draws in [lo, hi). */
    public double[] uniforms(int n, double lo, double hi) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = uniform(lo, hi);
        }
        return out;
    }

    /** {@code n} uniform draws in [lo, hi), each rounded to float32: the same draws as {@link #uniforms}. */
    public float[] floats(int n, double lo, double hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) uniform(lo, hi);
        }
        return out;
    }
}
