package dev.attnref.core;

import java.util.Arrays;

/**
 * Rotary position embedding (Su et al., RoFormer, 2021, eq. 34).
 *
 * <p>For rotary width {@code P} (even), pair {@code i ∈ [0, P/2)} at absolute position {@code pos}
 * rotates by {@code φ = pos · θ^(−2i/P)}:
 * <pre>
 *   x'_a = x_a·cos φ − x_b·sin φ
 *   x'_b = x_b·cos φ + x_a·sin φ
 * </pre>
 * where {@code (a, b) = (2i, 2i+1)} for {@link RopePairing#INTERLEAVED} and {@code (i, i+P/2)} for
 * {@link RopePairing#SPLIT_HALVES}. When the last axis is wider than {@code P}, its first {@code P}
 * entries rotate and the rest pass through (partial rotary). A {@link RopeScaling} rule replaces
 * {@code θ^(−2i/P)} by its scaled inverse frequency {@code ω'_i}; {@link RopeScaling#NONE} (the default)
 * leaves every angle bit for bit as it was.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[…, T, W], W ≥ P</td><td>the first P entries of the last axis rotate, the rest pass through</td></tr>
 *   <tr><td>positions</td><td>[T]</td><td>absolute positions, ≥ 0</td></tr>
 * </table>
 *
 * <p>Laws (checked by {@code RopeTest} and the RoPE property): position 0 is the identity; norms are
 * preserved; {@code ⟨R(m)q, R(n)k⟩} depends only on {@code m − n}; the two pairings agree after
 * {@link #interleavedToSplitHalves(int)}. {@code RopeScalingTest} checks the scaled angles.
 */
public final class Rope {
    private final int rotaryDim;
    private final double theta;
    private final RopePairing pairing;
    private final RopeScaling scaling;
    /** ω'_i for every length, or null when the rule depends on the length served (dynamic NTK). */
    private final double[] fixedFrequencies;

    public Rope(int rotaryDim, double theta, RopePairing pairing) {
        this(rotaryDim, theta, pairing, RopeScaling.NONE);
    }

    public Rope(int rotaryDim, double theta, RopePairing pairing, RopeScaling scaling) {
        Checks.positive("rotaryDim", rotaryDim);
        if (rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim (" + rotaryDim + ") must be even: dimensions rotate in pairs");
        }
        Checks.positiveFinite("theta", theta);
        this.rotaryDim = rotaryDim;
        this.theta = theta;
        this.pairing = Checks.notNull("pairing", pairing);
        this.scaling = Checks.notNull("scaling", scaling);
        // ω' at length 1; computing it also refuses a rule that this P or θ cannot serve (YaRN θ ≤ 1, dynamic P = 2)
        double[] atFirstPosition = scaling.inverseFrequencies(rotaryDim, theta, 1);
        this.fixedFrequencies = scaling instanceof RopeScaling.DynamicNtk ? null : atFirstPosition;
    }

    /** θ = 10000, the RoFormer default. */
    public static Rope standard(int rotaryDim, RopePairing pairing) {
        return new Rope(rotaryDim, 10000.0, pairing);
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    public double theta() {
        return theta;
    }

    public RopePairing pairing() {
        return pairing;
    }

    public RopeScaling scaling() {
        return scaling;
    }

    /**
     * Angle of pair {@code i} at position {@code pos}: {@code pos · ω'_i}, unscaled {@code pos · θ^(−2i/P)};
     * a length-dependent rule serves length {@code pos + 1}.
     */
    public double angle(long pos, int i) {
        return pos * frequencies(pos + 1)[i];
    }

    /** {@code ω'_i}, {@code i ∈ [0, P/2)}, for a call whose largest position is {@code seqLen − 1}. */
    public double[] inverseFrequencies(long seqLen) {
        return frequencies(seqLen).clone();
    }

    private double[] frequencies(long seqLen) {
        return fixedFrequencies != null ? fixedFrequencies
                : scaling.inverseFrequencies(rotaryDim, theta, seqLen);
    }

    /** Rotates {@code x [..., T, W]} with query/key {@code t} at position {@code start + t}. */
    public Tensor apply(Tensor x, int start) {
        Checks.nonNegative("start position", start);
        int[] positions = new int[x.dim() >= 2 ? x.size(-2) : 0];
        // Positions are ints: the last one, start + T − 1, must not pass 2³¹ − 1 (it would wrap negative).
        if ((long) start + positions.length - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("start position (" + start + ") + " + positions.length
                    + " rows passes the largest position 2³¹ − 1 = " + Integer.MAX_VALUE);
        }
        for (int t = 0; t < positions.length; t++) {
            positions[t] = start + t;
        }
        return apply(x, positions);
    }

    /** Rotates {@code x [..., T, W]}; row {@code t} of axis −2 is at absolute position {@code positions[t]}. */
    public Tensor apply(Tensor x, int[] positions) {
        if (x.dim() < 2 || x.size(-1) < rotaryDim || x.size(-2) != positions.length) {
            throw new IllegalArgumentException("RoPE input has shape " + Arrays.toString(x.shape()) + "; expected [..., "
                    + positions.length + ", ≥" + rotaryDim + "] (one row per position)");
        }
        for (int position : positions) {
            Checks.nonNegative("position", position);
        }
        int width = x.size(-1);
        int rows = x.size(-2);
        double[] values = x.contiguous().toArray();   // [..., T, W]
        int half = rotaryDim / 2;
        // ω'_i once per call; a length-dependent rule serves the call's largest position + 1 (HF's dynamic NTK)
        double[] omega = frequencies(Arrays.stream(positions).max().orElse(0) + 1L);   // [P/2]
        for (int base = 0; base < values.length; base += width) {
            int t = (base / width) % rows;
            for (int i = 0; i < half; i++) {
                double phi = positions[t] * omega[i];
                double cos = Math.cos(phi);
                double sin = Math.sin(phi);
                int a = base + (pairing == RopePairing.INTERLEAVED ? 2 * i : i);
                int b = base + (pairing == RopePairing.INTERLEAVED ? 2 * i + 1 : i + half);
                double xa = values[a];
                double xb = values[b];
                values[a] = xa * cos - xb * sin;
                values[b] = xb * cos + xa * sin;
            }
        }
        return Tensor.of(values, x.shape());
    }

    /**
     * The permutation {@code perm} with {@code splitHalves[j] = interleaved[perm[j]]}: entry {@code i}
     * of the first half is interleaved entry {@code 2i}, entry {@code i + P/2} is {@code 2i + 1}.
     * Permuting q and k this way turns an interleaved rotation into a split-halves one.
     */
    public static int[] interleavedToSplitHalves(int rotaryDim) {
        Checks.positive("rotaryDim", rotaryDim);
        if (rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim (" + rotaryDim + ") must be even: dimensions rotate in pairs");
        }
        int half = rotaryDim / 2;
        int[] perm = new int[rotaryDim];
        for (int i = 0; i < half; i++) {
            perm[i] = 2 * i;
            perm[i + half] = 2 * i + 1;
        }
        return perm;
    }
}
