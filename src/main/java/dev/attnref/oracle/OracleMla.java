package dev.attnref.oracle;

import static dev.attnref.oracle.LatentAttentionSteps.activations;
import static dev.attnref.oracle.LatentAttentionSteps.causalSoftmax;
import static dev.attnref.oracle.LatentAttentionSteps.columns;
import static dev.attnref.oracle.LatentAttentionSteps.project;
import static dev.attnref.oracle.LatentAttentionSteps.rmsNorm;
import static dev.attnref.oracle.LatentAttentionSteps.rotate;
import static dev.attnref.oracle.LatentAttentionSteps.vector;
import static dev.attnref.oracle.LatentAttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;

/**
 * Naive multi-head latent attention (docs/MATH.md, "MLA"), causal, in float64 plain loops: every head's
 * key and value are formed from the latent, as the non-absorbed form does.
 *
 * <h2>Equation (per token x, head i)</h2>
 * <pre>
 *   c_q          = RMSNorm(W_DQ x) ⊙ w_q                     [C_q]          (C_q &gt; 0)
 *   [q_C,i|q̃_R,i] = W_UQ,i c_q    or  W_Q,i x  when C_q = 0   [D_nope + P]
 *   [c̃_kv | k̃_R] = W_DKV x                                   [C + P]
 *   c_kv         = RMSNorm(c̃_kv) ⊙ w_kv                      [C]            cached
 *   q_R,i = RoPE(q̃_R,i),   k_R = RoPE(k̃_R)                   [P]            k_R cached, shared by all heads
 *   [k_C,i | v_i] = W_UKV,i c_kv                              [D_nope + Dv]
 *   logit_i[t,s]  = scale · (q_C,i[t]·k_C,i[s] + q_R,i[t]·k_R[s])   for s ≤ t, −∞ for s &gt; t
 *   scale         = (0.1·m·ln f + 1)² / √(D_nope + P)         (YaRN multiplier; f = 1 gives 1/√(D_nope + P))
 *                   × (0.1·mscale·ln rope_factor + 1)²        (only under an active DeepSeek YaRN rule)
 *   p_i[t,·]      = softmax_s(logit_i[t,·]),   o_i[t] = Σ_s p_i[t,s] v_i[s]
 *   out[t]        = W_O [o_1[t]; …; o_H[t]]
 * </pre>
 *
 * <h2>Shapes (weights are PyTorch {@code Linear} {@code [out, in]}, row-major, read only)</h2>
 * <table>
 *   <caption>Arguments</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>finite; token t sits at absolute position start + t</td></tr>
 *   <tr><td>W_DQ ({@code wDq})</td><td>[C_q, M]</td><td>only when C_q &gt; 0</td></tr>
 *   <tr><td>w_q ({@code qNorm})</td><td>[C_q]</td><td>only when C_q &gt; 0</td></tr>
 *   <tr><td>W_UQ ({@code wUq})</td><td>[H·(D_nope + P), C_q]</td><td>only when C_q &gt; 0; rows of head i: i·(D_nope+P) + [0, D_nope) nope, then P rope</td></tr>
 *   <tr><td>W_Q ({@code wQ})</td><td>[H·(D_nope + P), M]</td><td>only when C_q = 0; same row layout as W_UQ</td></tr>
 *   <tr><td>W_DKV ({@code wDkv})</td><td>[C + P, M]</td><td>rows [0, C) give c̃_kv, rows [C, C+P) give k̃_R</td></tr>
 *   <tr><td>w_kv ({@code kvNorm})</td><td>[C]</td><td>RMSNorm weight of the C latent dims only</td></tr>
 *   <tr><td>W_UKV ({@code wUkv})</td><td>[H·(D_nope + Dv), C]</td><td>rows of head i: i·(D_nope+Dv) + [0, D_nope) key, then Dv value</td></tr>
 *   <tr><td>W_O ({@code wO})</td><td>[M, H·Dv]</td><td>input column h·Dv + d reads o_h[d]</td></tr>
 *   <tr><td>output</td><td>[B, T, M]</td><td>new array</td></tr>
 *   <tr><td>logits, probabilities</td><td>[B, H, T, T]</td><td>new arrays; logits −∞ and p = 0 above the diagonal</td></tr>
 *   <tr><td>cache</td><td>[B, T, C + P]</td><td>what a decoder keeps per token: [c_kv | k_R], k_R after rotation</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * Causal with top-left alignment: all T tokens are new, query t sees keys s ≤ t. RoPE rotates only
 * the P decoupled dimensions, by φ = pos·ω'_j for pair j, at pos = start + t, where ω'_j = θ^(−2j/P) or
 * the {@link RopeScaling} rule's frequency for length start + T; pairing interleaved (DeepSeek) or split
 * halves, as {@link Options} says. RMSNorm: x / √(mean(x²) + ε) ⊙ w.
 *
 * <h2>Source</h2>
 * DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, §2.1, equations 9–19; weight layout and the
 * YaRN softmax multiplier of DeepSeek-V3 {@code inference/model.py} ({@code wq_a}, {@code q_norm},
 * {@code wq_b}, {@code wkv_a}, {@code kv_norm}, {@code wkv_b}, {@code wo}; per-head {@code [nope | rope]}
 * query rows and {@code [k_nope | v]} up-projection rows).
 *
 * <p>The frequencies come from {@code core.RopeScaling}, as the modules' do: the independent check of the rules
 * is {@code reference-data/rope-scaling} and the NumPy port of the golden vectors.
 *
 * <p>Checked by {@code OracleMlaTest} (hand-computed cases) and {@code MlaCrosscheckTest}
 * (against {@code reference-data/mla/crosscheck_mla.py}, naive and absorbed).
 */
public final class OracleMla {
    private OracleMla() {
    }

    /**
     * Sizes, in the names of DeepSeek's {@code config.json}: M, H, C_q ({@code q_lora_rank}, 0 = no
     * query compression), C ({@code kv_lora_rank}), D_nope, P (even), Dv. The same contracts as the
     * modules' {@code MlaShape}, stated here again on purpose: the oracle imports {@code core} only,
     * so that nothing it checks can leak into it.
     */
    public record Config(int modelWidth, int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim,
            int qkRopeHeadDim, int vHeadDim) {
        public Config {
            Checks.positive("modelWidth", modelWidth);
            Checks.positive("numHeads", numHeads);
            Checks.nonNegative("qLoraRank", qLoraRank);
            Checks.positive("kvLoraRank", kvLoraRank);
            Checks.positive("qkNopeHeadDim", qkNopeHeadDim);
            Checks.positive("qkRopeHeadDim", qkRopeHeadDim);
            if (qkRopeHeadDim % 2 != 0) {
                throw new IllegalArgumentException("qkRopeHeadDim (" + qkRopeHeadDim
                        + ") must be even: rotary dimensions rotate in pairs");
            }
            Checks.positive("vHeadDim", vHeadDim);
        }

        /** D_nope + P, the width of one query/key head. */
        public int qkHeadDim() {
            return qkNopeHeadDim + qkRopeHeadDim;
        }
    }

    /**
     * Run-time settings: RoPE base θ and pairing, position of the first token, RMSNorm ε, the YaRN softmax
     * multiplier's m ({@code mscale}) and f ({@code rope_factor}; 1 = no YaRN) on their own, and the rotary
     * frequency rule (a DeepSeek {@link RopeScaling.Yarn} rule brings its own multiplier, as DeepSeek's
     * {@code MLA.__init__} does).
     */
    public record Options(double ropeTheta, RopePairing pairing, int startPosition, double rmsEps, double yarnMscale,
            double yarnFactor, RopeScaling ropeScaling) {
        /** Unscaled rotary frequencies. */
        public Options(double ropeTheta, RopePairing pairing, int startPosition, double rmsEps, double yarnMscale,
                double yarnFactor) {
            this(ropeTheta, pairing, startPosition, rmsEps, yarnMscale, yarnFactor, RopeScaling.NONE);
        }

        public Options {
            Checks.notNull("ropeScaling", ropeScaling);
            Checks.positiveFinite("ropeTheta", ropeTheta);
            Checks.notNull("pairing", pairing);
            Checks.nonNegative("startPosition", startPosition);
            Checks.positiveFinite("rmsEps", rmsEps);
            Checks.finite("yarnMscale", yarnMscale);
            Checks.finite("yarnFactor", yarnFactor);
            if (yarnFactor < 1.0) {
                throw new IllegalArgumentException("yarnFactor (" + yarnFactor + ") must be ≥ 1; 1 means no YaRN");
            }
        }

        /** DeepSeek-V2/V3 without context extension: θ 10000, interleaved pairs, start 0, ε 1e-6, f = 1. */
        public static Options deepSeek() {
            return new Options(10000.0, RopePairing.INTERLEAVED, 0, 1e-6, 1.0, 1.0);
        }

        /**
         * {@code (0.1·m·ln f + 1)²}, times the rule's m² under an active YaRN rule: DeepSeek-V3 (m = 1, f = 40)
         * gives 1.8739.
         */
        public double yarnMultiplier() {
            double mscale = 0.1 * yarnMscale * Math.log(yarnFactor) + 1.0;
            double rule = ropeScaling instanceof RopeScaling.Yarn yarn ? yarn.softmaxScaleMultiplier() : 1.0;
            return mscale * mscale * rule;
        }
    }

    /**
     * Weights, flat row-major; layouts in the class table. With C_q &gt; 0 give {@code wDq},
     * {@code qNorm}, {@code wUq} and leave {@code wQ} null; with C_q = 0 the reverse.
     */
    public record Weights(double[] wDq, double[] qNorm, double[] wUq, double[] wQ, double[] wDkv, double[] kvNorm,
            double[] wUkv, double[] wO) {
    }

    /** Outputs {@code [B, T, M]}, logits and probabilities {@code [B, H, T, T]}, cache {@code [B, T, C + P]}. */
    public record Result(double[] output, double[] logits, double[] probabilities, double[] cache) {
    }

    /** Runs naive MLA over {@code x [batch, seqLen, M]}; see the class card. */
    public static Result forward(Config config, Options options, Weights weights, double[] x, int batch, int seqLen) {
        Checks.notNull("config", config);
        Checks.notNull("options", options);
        Checks.notNull("weights", weights);
        int modelWidth = config.modelWidth();
        int numHeads = config.numHeads();
        int queryRank = config.qLoraRank();
        int latentWidth = config.kvLoraRank();
        int nopeDim = config.qkNopeHeadDim();
        int ropeDim = config.qkRopeHeadDim();
        int valueDim = config.vHeadDim();
        int qkDim = config.qkHeadDim();
        activations(x, batch, seqLen, modelWidth);
        if (queryRank > 0) {
            weight("W_DQ (wDq)", weights.wDq(), queryRank, modelWidth);
            vector("q RMSNorm weight (qNorm)", weights.qNorm(), queryRank);
            weight("W_UQ (wUq)", weights.wUq(), numHeads * qkDim, queryRank);
            if (weights.wQ() != null) {
                throw new IllegalArgumentException("W_Q (wQ) is given with qLoraRank (" + queryRank
                        + "); expected null: with query compression the query is W_UQ·RMSNorm(W_DQ x)");
            }
        } else {
            weight("W_Q (wQ)", weights.wQ(), numHeads * qkDim, modelWidth);
            if (weights.wDq() != null || weights.qNorm() != null || weights.wUq() != null) {
                throw new IllegalArgumentException("W_DQ, qNorm or W_UQ is given with qLoraRank (0); expected null: "
                        + "without query compression the query is W_Q x");
            }
        }
        weight("W_DKV (wDkv)", weights.wDkv(), latentWidth + ropeDim, modelWidth);
        vector("kv RMSNorm weight (kvNorm)", weights.kvNorm(), latentWidth);
        weight("W_UKV (wUkv)", weights.wUkv(), numHeads * (nopeDim + valueDim), latentWidth);
        weight("W_O (wO)", weights.wO(), modelWidth, numHeads * valueDim);
        int rows = batch * seqLen;   // tokens, flattened [B, T]

        // Step 1. Query: q = W_UQ·(RMSNorm(W_DQ x) ⊙ w_q), or q = W_Q x without compression.
        //         Row layout per head: [q_C (D_nope) | q̃_R (P)].
        double[] query;   // [B·T, H·(D_nope + P)]
        if (queryRank > 0) {
            double[] queryLatent = rmsNorm(project(x, rows, modelWidth, weights.wDq(), queryRank),
                    rows, queryRank, weights.qNorm(), options.rmsEps());   // [B·T, C_q]
            query = project(queryLatent, rows, queryRank, weights.wUq(), numHeads * qkDim);
        } else {
            query = project(x, rows, modelWidth, weights.wQ(), numHeads * qkDim);
        }

        // Step 2. Down-projection [c̃_kv | k̃_R] = W_DKV x, then c_kv = RMSNorm(c̃_kv) ⊙ w_kv (latent part only).
        double[] compressed = project(x, rows, modelWidth, weights.wDkv(), latentWidth + ropeDim);   // [B·T, C + P]
        double[] latent = rmsNorm(columns(compressed, rows, latentWidth + ropeDim, 0, latentWidth),
                rows, latentWidth, weights.kvNorm(), options.rmsEps());                      // [B·T, C]
        double[] ropeKey = columns(compressed, rows, latentWidth + ropeDim, latentWidth, ropeDim);   // [B·T, P]

        // Step 3. RoPE on the decoupled dims only: q_R,i = RoPE(q̃_R,i) for every head, k_R = RoPE(k̃_R),
        //         at ω'_j for the length served, start + T.
        double[] omega = options.ropeScaling().inverseFrequencies(ropeDim, options.ropeTheta(),
                options.startPosition() + (long) seqLen);                                  // [P/2]
        for (int h = 0; h < numHeads; h++) {
            rotate(query, rows, numHeads * qkDim, h * qkDim + nopeDim, ropeDim, seqLen, options.startPosition(),
                    omega, options.pairing());
        }
        rotate(ropeKey, rows, ropeDim, 0, ropeDim, seqLen, options.startPosition(), omega, options.pairing());

        // Step 4. Up-projection of the latent: [k_C,i | v_i] = W_UKV,i c_kv.
        int upWidth = numHeads * (nopeDim + valueDim);
        double[] keyValue = project(latent, rows, latentWidth, weights.wUkv(), upWidth);   // [B·T, H·(D_nope + Dv)]

        // Step 5. logit[b,h,t,s] = scale·(q_C·k_C + q_R·k_R); the mask comes in step 6.
        //         einsum bthn,bshn->bhts + bthp,bsp->bhts
        double scale = options.yarnMultiplier() / Math.sqrt(qkDim);
        double[] logits = new double[batch * numHeads * seqLen * seqLen];   // [B, H, T, T]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    int q = (b * seqLen + t) * numHeads * qkDim + h * qkDim;
                    for (int s = 0; s <= t; s++) {
                        int k = (b * seqLen + s) * upWidth + h * (nopeDim + valueDim);
                        int r = (b * seqLen + s) * ropeDim;
                        double nope = 0.0;
                        for (int d = 0; d < nopeDim; d++) {
                            nope += query[q + d] * keyValue[k + d];
                        }
                        double rope = 0.0;
                        for (int d = 0; d < ropeDim; d++) {
                            rope += query[q + nopeDim + d] * ropeKey[r + d];
                        }
                        logits[((b * numHeads + h) * seqLen + t) * seqLen + s] = scale * (nope + rope);
                    }
                }
            }
        }

        // Step 6. Causal mask (−∞ for s > t) and p = softmax_s(logit).
        double[] probabilities = causalSoftmax(logits, batch * numHeads, seqLen);   // [B, H, T, T]

        // Step 7. o[b,t,h,·] = Σ_s p[b,h,t,s] v[b,s,h,·].   einsum bhts,bshd->bthd
        double[] heads = new double[rows * numHeads * valueDim];   // [B, T, H·Dv]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    int o = (b * seqLen + t) * numHeads * valueDim + h * valueDim;
                    for (int s = 0; s <= t; s++) {
                        double p = probabilities[((b * numHeads + h) * seqLen + t) * seqLen + s];
                        int v = (b * seqLen + s) * upWidth + h * (nopeDim + valueDim) + nopeDim;
                        for (int d = 0; d < valueDim; d++) {
                            heads[o + d] += p * keyValue[v + d];
                        }
                    }
                }
            }
        }

        // Step 8. out = W_O [o_1; …; o_H].
        double[] output = project(heads, rows, numHeads * valueDim, weights.wO(), modelWidth);   // [B, T, M]

        // What a decoder caches per token: [c_kv | k_R], C + P values.
        double[] cache = new double[rows * (latentWidth + ropeDim)];   // [B, T, C + P]
        for (int r = 0; r < rows; r++) {
            System.arraycopy(latent, r * latentWidth, cache, r * (latentWidth + ropeDim), latentWidth);
            System.arraycopy(ropeKey, r * ropeDim, cache, r * (latentWidth + ropeDim) + latentWidth, ropeDim);
        }
        return new Result(output, logits, probabilities, cache);
    }
}
