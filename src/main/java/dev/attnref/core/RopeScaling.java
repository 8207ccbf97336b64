package dev.attnref.core;

/**
 * How a model reshapes its rotary frequencies to run past the context it was trained on. Each rule
 * maps the unscaled inverse frequencies {@code ω_j = θ^(−2j/P)}, {@code j ∈ [0, P/2)}, to scaled ones
 * {@code ω'_j}; {@link Rope} then turns pair {@code j} at position {@code pos} by {@code pos · ω'_j}.
 * The wavelength of pair {@code j} is {@code λ_j = 2π / ω_j} positions.
 *
 * <table>
 *   <caption>Rules (config keys as the sources spell them)</caption>
 *   <tr><th>rule</th><th>ω'_j</th><th>source</th></tr>
 *   <tr><td>{@link None}</td><td>ω_j</td><td>RoFormer, arXiv 2104.09864, eq. 34</td></tr>
 *   <tr><td>{@link Linear} ({@code factor})</td><td>ω_j / f, i.e. positions divided by f</td>
 *       <td>Chen et al., "Extending Context Window … via Positional Interpolation", arXiv 2306.15595, eq. 4;
 *       HF {@code _compute_linear_scaling_rope_parameters}</td></tr>
 *   <tr><td>{@link DynamicNtk} ({@code factor}, {@code original_max_position_embeddings})</td>
 *       <td>θ^(−2j/P) with θ replaced by θ·(f·L/L₀ − (f−1))^(P/(P−2)) when L &gt; L₀</td>
 *       <td>HF {@code _compute_dynamic_ntk_parameters}</td></tr>
 *   <tr><td>{@link Yarn} (DeepSeek-V3 keys)</td><td>ramp-blended ω_j and ω_j / f</td>
 *       <td>Peng et al., YaRN, arXiv 2309.00071, §3.2 eq. 18–20 ("NTK-by-parts") and §3.4;
 *       DeepSeek-V3 {@code inference/model.py} {@code precompute_freqs_cis}</td></tr>
 *   <tr><td>{@link Llama3} ({@code rope_type: llama3})</td><td>by wavelength: kept, divided by f, or blended</td>
 *       <td>meta-llama/llama-models {@code models/llama3/reference_impl/model.py} {@code apply_scaling};
 *       HF {@code _compute_llama3_parameters}</td></tr>
 * </table>
 *
 * <p>Sources read (commits): deepseek-ai/DeepSeek-V3 {@code 9b4e9788e4a3a731f7567338ed15d3ec549ce03b};
 * huggingface/transformers {@code src/transformers/modeling_rope_utils.py} at
 * {@code 0044e3b3facff1a1ad60b235c69d5b45beae75a4}; meta-llama/llama-models at
 * {@code 1bb54864e10c8d007edf2e651f35ec75b3c1cd78}.
 *
 * <p>Differs from source: everything here is float64; DeepSeek, Meta and HF compute {@code ω_j} and the
 * ramp in float32 (a relative difference of about 1e-7 in {@code ω'_j}).
 *
 * <p>Checked by {@code RopeScalingTest} (hand-computed values in every regime, laws) and
 * {@code RopeScalingCrosscheckTest} (against {@code reference-data/rope-scaling}, an independent NumPy
 * implementation run in CI by {@code .ci/checks/rope-scaling.sh}).
 */
public sealed interface RopeScaling {
    /** No scaling: the RoFormer frequencies. */
    RopeScaling NONE = new None();

    /**
     * The scaled inverse frequencies {@code ω'_j}, {@code j ∈ [0, P/2)}.
     *
     * @param rotaryDim P, even and positive
     * @param theta     θ, the rotary base
     * @param seqLen    L, the length the frequencies serve (one past the largest position); only
     *                  {@link DynamicNtk} reads it
     */
    double[] inverseFrequencies(int rotaryDim, double theta, long seqLen);

    /** {@code ω_j = θ^(−2j/P)}, exactly as {@link Rope} computed it before scaling existed. */
    static double[] unscaled(int rotaryDim, double theta) {
        double[] omega = new double[rotaryDim / 2];   // [P/2]
        for (int j = 0; j < omega.length; j++) {
            omega[j] = Math.pow(theta, -2.0 * j / rotaryDim);
        }
        return omega;
    }

    /** {@code ω'_j = ω_j}. */
    record None() implements RopeScaling {
        @Override
        public double[] inverseFrequencies(int rotaryDim, double theta, long seqLen) {
            return unscaled(rotaryDim, theta);
        }
    }

    /**
     * Linear position interpolation: {@code φ = (pos / f) · ω_j}, computed as {@code pos · (ω_j / f)} (HF's
     * form; the two agree to rounding).
     */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            atLeastOne("factor", factor);
        }

        @Override
        public double[] inverseFrequencies(int rotaryDim, double theta, long seqLen) {
            double[] omega = unscaled(rotaryDim, theta);
            for (int j = 0; j < omega.length; j++) {
                omega[j] /= factor;
            }
            return omega;
        }
    }

    /**
     * Dynamic NTK: the base grows with the length served, {@code L = max(seqLen, L₀)}:
     * <pre>
     *   θ' = θ · (f·L/L₀ − (f − 1))^(P/(P−2)),    ω'_j = θ'^(−2j/P)
     * </pre>
     * At {@code L = L₀} the bracket is 1, so up to the original context nothing changes. HF takes
     * {@code L = max(position) + 1} of each forward call, so a token's angle depends on the longest
     * sequence in its call, and keys cached at a shorter length were rotated with another base.
     */
    record DynamicNtk(double factor, int originalMaxPositions) implements RopeScaling {
        public DynamicNtk {
            atLeastOne("factor", factor);
            Checks.positive("original_max_position_embeddings", originalMaxPositions);
        }

        @Override
        public double[] inverseFrequencies(int rotaryDim, double theta, long seqLen) {
            if (rotaryDim <= 2) {
                throw new IllegalArgumentException("dynamic NTK needs rotaryDim > 2 (got " + rotaryDim
                        + "): the base is raised to P/(P−2)");
            }
            if (seqLen <= originalMaxPositions) {
                return unscaled(rotaryDim, theta);
            }
            // θ' = θ · (f·L/L₀ − (f − 1))^(P/(P−2))
            double grown = factor * seqLen / originalMaxPositions - (factor - 1);
            return unscaled(rotaryDim, theta * Math.pow(grown, rotaryDim / (rotaryDim - 2.0)));
        }
    }

    /**
     * YaRN's "NTK-by-parts" frequencies with DeepSeek-V3's parameters. Active only when
     * {@code max_seq_len > original_seq_len} ({@code L > L₀}); otherwise {@code ω'_j = ω_j} and the
     * softmax multiplier is 1, as in DeepSeek's {@code precompute_freqs_cis} and {@code MLA.__init__}.
     * <pre>
     *   d(β)    = P · ln(L₀ / (2π·β)) / (2 ln θ)           the pair index that turns β times over L₀
     *   lo = max(⌊d(β_fast)⌋, 0),   hi = min(⌈d(β_slow)⌉, P − 1)     (hi += 0.001 when lo = hi)
     *   r_j     = clamp((j − lo) / (hi − lo), 0, 1)         the linear ramp over pair index j
     *   ω'_j    = (1 − r_j) · ω_j + r_j · ω_j / f
     *   m       = 0.1 · mscale · ln f + 1,    softmax scale multiplied by m²
     * </pre>
     * Pairs {@code j ≤ lo} (many turns over L₀, high frequency) keep {@code ω_j}; pairs {@code j ≥ hi}
     * (less than one turn) are interpolated to {@code ω_j / f}; between them the ramp blends. The upper
     * clamp is {@code P − 1}, as DeepSeek writes it, although the ramp runs over {@code P/2} pairs.
     */
    record Yarn(double factor, int originalSeqLen, int maxSeqLen, double betaFast, double betaSlow, double mscale)
            implements RopeScaling {
        public Yarn {
            atLeastOne("rope_factor", factor);
            Checks.positive("original_seq_len", originalSeqLen);
            Checks.positive("max_seq_len", maxSeqLen);
            Checks.positiveFinite("beta_slow", betaSlow);
            Checks.finite("beta_fast", betaFast);
            if (!(betaFast > betaSlow)) {
                throw new IllegalArgumentException("beta_fast (" + betaFast + ") must exceed beta_slow (" + betaSlow
                        + "): the ramp runs from the fast-turning pairs to the slow ones");
            }
            Checks.finite("mscale", mscale);
        }

        /** DeepSeek-V3's values ({@code ModelArgs}): f = 40, L₀ = 4096, β_fast = 32, β_slow = 1, mscale = 1. */
        public static Yarn deepSeekV3(int maxSeqLen) {
            return new Yarn(40, 4096, maxSeqLen, 32, 1, 1.0);
        }

        /** {@code L > L₀}: DeepSeek's condition for both the frequencies and the softmax multiplier. */
        public boolean active() {
            return maxSeqLen > originalSeqLen;
        }

        @Override
        public double[] inverseFrequencies(int rotaryDim, double theta, long seqLen) {
            double[] omega = unscaled(rotaryDim, theta);
            if (!active()) {
                return omega;
            }
            double[] ramp = ramp(rotaryDim, theta);
            // ω'_j = (1 − r_j) · ω_j + r_j · ω_j / f
            for (int j = 0; j < omega.length; j++) {
                omega[j] = (1 - ramp[j]) * omega[j] + ramp[j] * omega[j] / factor;
            }
            return omega;
        }

        /** {@code r_j}, {@code j ∈ [0, P/2)}: 0 keeps ω_j, 1 divides it by f. */
        public double[] ramp(int rotaryDim, double theta) {
            if (!(theta > 1)) {
                throw new IllegalArgumentException("theta (" + theta + ") must exceed 1 for YaRN: d(β) divides by ln θ");
            }
            // lo = max(⌊d(β_fast)⌋, 0), hi = min(⌈d(β_slow)⌉, P − 1)
            double lo = Math.max(Math.floor(correctionDim(betaFast, rotaryDim, theta)), 0);
            double hi = Math.min(Math.ceil(correctionDim(betaSlow, rotaryDim, theta)), rotaryDim - 1);
            if (lo == hi) {
                hi += 0.001;   // DeepSeek's guard against 0/0
            }
            double[] ramp = new double[rotaryDim / 2];   // [P/2]
            for (int j = 0; j < ramp.length; j++) {
                ramp[j] = Math.min(Math.max((j - lo) / (hi - lo), 0), 1);
            }
            return ramp;
        }

        /** {@code d(β) = P · ln(L₀ / (2π·β)) / (2 ln θ)}: solves {@code L₀ · ω_d = 2π·β} for d. */
        double correctionDim(double turns, int rotaryDim, double theta) {
            return rotaryDim * Math.log(originalSeqLen / (turns * 2 * Math.PI)) / (2 * Math.log(theta));
        }

        /** {@code m²} with {@code m = 0.1 · mscale · ln f + 1} when active, else 1: DeepSeek squares it into the softmax scale. */
        public double softmaxScaleMultiplier() {
            if (!active()) {
                return 1.0;
            }
            double m = 0.1 * mscale * Math.log(factor) + 1.0;
            return m * m;
        }
    }

    /**
     * Llama 3.1's rule, by wavelength {@code λ_j = 2π / ω_j} against the original context L₀:
     * <pre>
     *   λ_j &lt; L₀ / high_freq_factor            ω'_j = ω_j                        (high frequency: kept)
     *   λ_j &gt; L₀ / low_freq_factor             ω'_j = ω_j / f                    (low frequency: divided)
     *   otherwise                              s = (L₀ / λ_j − low) / (high − low)
     *                                          ω'_j = (1 − s) · ω_j / f + s · ω_j
     * </pre>
     * The band includes both edges, where {@code s} is 1 and 0, so {@code ω'} is continuous in λ.
     * Llama 3.1: f = 8, low = 1, high = 4, L₀ = 8192, θ = 500000.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
        public Llama3 {
            atLeastOne("factor", factor);
            Checks.positiveFinite("low_freq_factor", lowFreqFactor);
            Checks.finite("high_freq_factor", highFreqFactor);
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("high_freq_factor (" + highFreqFactor + ") must exceed low_freq_factor ("
                        + lowFreqFactor + ")");
            }
            Checks.positive("original_max_position_embeddings", originalMaxPositions);
        }

        /** Llama 3.1's {@code rope_scaling}: factor 8, low 1, high 4, original 8192. */
        public static Llama3 llama31() {
            return new Llama3(8, 1, 4, 8192);
        }

        @Override
        public double[] inverseFrequencies(int rotaryDim, double theta, long seqLen) {
            double[] omega = unscaled(rotaryDim, theta);
            for (int j = 0; j < omega.length; j++) {
                omega[j] = scale(omega[j]);
            }
            return omega;
        }

        /** {@code ω'} for one unscaled inverse frequency {@code ω}. */
        public double scale(double omega) {
            double wavelength = 2 * Math.PI / omega;
            if (wavelength < originalMaxPositions / highFreqFactor) {
                return omega;
            }
            if (wavelength > originalMaxPositions / lowFreqFactor) {
                return omega / factor;
            }
            // s = (L₀ / λ − low) / (high − low);  ω' = (1 − s) · ω / f + s · ω
            double s = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - s) * omega / factor + s * omega;
        }
    }

    private static void atLeastOne(String key, double factor) {
        if (!(factor >= 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException(key + " (" + factor + ") must be finite and ≥ 1; 1 means no scaling");
        }
    }
}
