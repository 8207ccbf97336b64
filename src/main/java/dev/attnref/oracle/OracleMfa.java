package dev.attnref.oracle;

import static dev.attnref.oracle.LatentAttentionSteps.activations;
import static dev.attnref.oracle.LatentAttentionSteps.causalSoftmax;
import static dev.attnref.oracle.LatentAttentionSteps.project;
import static dev.attnref.oracle.LatentAttentionSteps.rmsNorm;
import static dev.attnref.oracle.LatentAttentionSteps.rotate;
import static dev.attnref.oracle.LatentAttentionSteps.vector;
import static dev.attnref.oracle.LatentAttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;

/**
 * Multi-matrix factorization attention, Step-3 shaped (docs/MATH.md, "MFA and MFA-KR"), causal, in
 * float64 plain loops: H query heads of width C against one shared key/value head of width C.
 *
 * <h2>Equation (per token x, head i)</h2>
 * <pre>
 *   c_q   = RMSNorm(S_Q x) ⊙ w_q                 [C_q]
 *   q̃_i   = Q_c,i c_q                            [C]
 *   k̄     = S_K x                                [C]     the key before RoPE
 *   v     = S_V x                                [C]     MFA
 *   v     = (I + diag(α) N) k̄ = k̄ + α ⊙ (N k̄)    [C]     MFA-KR
 *   q_i = RoPE(q̃_i),  k = RoPE(k̄)                        every pair of the C dims rotates
 *   logit_i[t,s] = q_i[t]·k[s] / √C   for s ≤ t, −∞ for s &gt; t
 *   p_i[t,·] = softmax_s(logit_i[t,·]),   o_i[t] = Σ_s p_i[t,s] v[s]
 *   out[t]   = W_O [o_1[t]; …; o_H[t]]
 * </pre>
 *
 * <h2>Shapes (weights are PyTorch {@code Linear} {@code [out, in]}, row-major, read only)</h2>
 * <table>
 *   <caption>Arguments</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>finite; token t sits at absolute position start + t</td></tr>
 *   <tr><td>S_Q ({@code sQ})</td><td>[C_q, M]</td><td>query down-projection</td></tr>
 *   <tr><td>w_q ({@code qNorm})</td><td>[C_q]</td><td>RMSNorm weight</td></tr>
 *   <tr><td>Q_c ({@code qC})</td><td>[H·C, C_q]</td><td>rows [i·C, (i+1)·C) make head i</td></tr>
 *   <tr><td>S_K ({@code sK})</td><td>[C, M]</td><td>the shared key</td></tr>
 *   <tr><td>S_V ({@code sV})</td><td>[C, M]</td><td>MFA: the shared value ({@link SeparateValue})</td></tr>
 *   <tr><td>α ({@code alpha}), N ({@code n})</td><td>[C], [C, C]</td><td>MFA-KR: {@code v_c = k̄_c + α_c Σ_j N[c,j] k̄_j} ({@link KeyReuse})</td></tr>
 *   <tr><td>W_O ({@code wO})</td><td>[M, H·C]</td><td>input column i·C + d reads o_i[d]</td></tr>
 *   <tr><td>output</td><td>[B, T, M]</td><td>new array</td></tr>
 *   <tr><td>logits, probabilities</td><td>[B, H, T, T]</td><td>new arrays; logits −∞ and p = 0 above the diagonal</td></tr>
 *   <tr><td>cache</td><td>[B, T, 2C] or [B, T, C]</td><td>what a decoder keeps per token: MFA [k | v] (k rotated); MFA-KR k̄ only</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * Causal with top-left alignment (query t sees keys s ≤ t), positions start + t. RoPE rotates all C
 * dims of q and k, pair j by φ = pos·θ^(−2j/C), with the pairing {@link Options} names. MFA-KR keeps
 * the pre-RoPE k̄ in its cache and rotates it when forming logits (docs/MATH.md: the paper's combination
 * of key reuse with RoPE is not public in a form we could read).
 *
 * <h2>Source</h2>
 * Hu et al., "Multi-matrix Factorization Attention", arXiv:2412.19255 (MFA and MFA-Key-Reuse);
 * Step-3's shape (one attention group, head width 256, query rank 2048, θ 5·10⁵).
 *
 * <p>Checked by {@code OracleMfaTest} (hand-computed cases) and {@code MlaCrosscheckTest}
 * (against {@code reference-data/mla/crosscheck_mla.py}).
 */
public final class OracleMfa {
    private OracleMfa() {
    }

    /** Sizes: M, H, C_q ({@code share_q_dim}), C ({@code head_dim}, even). */
    public record Config(int modelWidth, int numHeads, int queryRank, int headDim) {
        public Config {
            Checks.positive("modelWidth", modelWidth);
            Checks.positive("numHeads", numHeads);
            Checks.positive("queryRank", queryRank);
            Checks.positive("headDim", headDim);
            if (headDim % 2 != 0) {
                throw new IllegalArgumentException("headDim (" + headDim
                        + ") must be even: RoPE rotates every pair of the shared head");
            }
        }
    }

    /** RoPE base θ and pairing, position of the first token, RMSNorm ε. */
    public record Options(double ropeTheta, RopePairing pairing, int startPosition, double rmsEps) {
        public Options {
            Checks.positiveFinite("ropeTheta", ropeTheta);
            Checks.notNull("pairing", pairing);
            Checks.nonNegative("startPosition", startPosition);
            Checks.positiveFinite("rmsEps", rmsEps);
        }
    }

    /** How the value is made: its own projection (MFA) or from the key (MFA-KR). */
    public sealed interface ValuePath permits SeparateValue, KeyReuse {
    }

    /** MFA: {@code v = S_V x}, {@code S_V [C, M]}. */
    public record SeparateValue(double[] sV) implements ValuePath {
    }

    /** MFA-KR: {@code v = k̄ + α ⊙ (N k̄)}, {@code α [C]}, {@code N [C, C]}; α = 0 gives v = k̄. */
    public record KeyReuse(double[] alpha, double[] n) implements ValuePath {
    }

    /** Weights, flat row-major; layouts in the class table. */
    public record Weights(double[] sQ, double[] qNorm, double[] qC, double[] sK, ValuePath value, double[] wO) {
    }

    /** Outputs {@code [B, T, M]}, logits and probabilities {@code [B, H, T, T]}, cache {@code [B, T, 2C or C]}. */
    public record Result(double[] output, double[] logits, double[] probabilities, double[] cache) {
    }

    /** Runs MFA or MFA-KR (as {@code weights.value()} says) over {@code x [batch, seqLen, M]}. */
    public static Result forward(Config config, Options options, Weights weights, double[] x, int batch, int seqLen) {
        Checks.notNull("config", config);
        Checks.notNull("options", options);
        Checks.notNull("weights", weights);
        int modelWidth = config.modelWidth();
        int numHeads = config.numHeads();
        int queryRank = config.queryRank();
        int headDim = config.headDim();
        activations(x, batch, seqLen, modelWidth);
        weight("S_Q (sQ)", weights.sQ(), queryRank, modelWidth);
        vector("q RMSNorm weight (qNorm)", weights.qNorm(), queryRank);
        weight("Q_c (qC)", weights.qC(), numHeads * headDim, queryRank);
        weight("S_K (sK)", weights.sK(), headDim, modelWidth);
        ValuePath valuePath = Checks.notNull("value path (SeparateValue or KeyReuse)", weights.value());
        if (valuePath instanceof SeparateValue separate) {
            weight("S_V (sV)", separate.sV(), headDim, modelWidth);
        } else if (valuePath instanceof KeyReuse reuse) {
            vector("MFA-KR α (alpha)", reuse.alpha(), headDim);
            weight("MFA-KR N (n)", reuse.n(), headDim, headDim);
        }
        weight("W_O (wO)", weights.wO(), modelWidth, numHeads * headDim);
        int rows = batch * seqLen;   // tokens, flattened [B, T]

        // Step 1. Low-rank query: q̃ = Q_c·(RMSNorm(S_Q x) ⊙ w_q), head i in columns [i·C, (i+1)·C).
        double[] queryLatent = rmsNorm(project(x, rows, modelWidth, weights.sQ(), queryRank),
                rows, queryRank, weights.qNorm(), options.rmsEps());                       // [B·T, C_q]
        double[] query = project(queryLatent, rows, queryRank, weights.qC(), numHeads * headDim);   // [B·T, H·C]

        // Step 2. The one shared key before RoPE: k̄ = S_K x.
        double[] keyBeforeRope = project(x, rows, modelWidth, weights.sK(), headDim);   // [B·T, C]

        // Step 3. The shared value: v = S_V x (MFA), or v_c = k̄_c + α_c Σ_j N[c,j] k̄_j (MFA-KR).
        //         einsum (MFA-KR) cj,rj->rc
        double[] value;   // [B·T, C]
        if (valuePath instanceof KeyReuse reuse) {
            double[] mixed = project(keyBeforeRope, rows, headDim, reuse.n(), headDim);   // N k̄, [B·T, C]
            value = new double[rows * headDim];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < headDim; c++) {
                    value[r * headDim + c] = keyBeforeRope[r * headDim + c] + reuse.alpha()[c] * mixed[r * headDim + c];
                }
            }
        } else {
            value = project(x, rows, modelWidth, ((SeparateValue) valuePath).sV(), headDim);
        }

        // Step 4. RoPE on every head of q and on the shared key: q_i = RoPE(q̃_i), k = RoPE(k̄).
        for (int h = 0; h < numHeads; h++) {
            rotate(query, rows, numHeads * headDim, h * headDim, headDim, seqLen, options.startPosition(),
                    options.ropeTheta(), options.pairing());
        }
        double[] key = keyBeforeRope.clone();   // [B·T, C]
        rotate(key, rows, headDim, 0, headDim, seqLen, options.startPosition(), options.ropeTheta(), options.pairing());

        // Step 5. logit[b,h,t,s] = q_h[t]·k[s] / √C; the mask comes in step 6.   einsum bthc,bsc->bhts
        double scale = 1.0 / Math.sqrt(headDim);
        double[] logits = new double[batch * numHeads * seqLen * seqLen];   // [B, H, T, T]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    int q = (b * seqLen + t) * numHeads * headDim + h * headDim;
                    for (int s = 0; s <= t; s++) {
                        int k = (b * seqLen + s) * headDim;
                        double dot = 0.0;
                        for (int d = 0; d < headDim; d++) {
                            dot += query[q + d] * key[k + d];
                        }
                        logits[((b * numHeads + h) * seqLen + t) * seqLen + s] = scale * dot;
                    }
                }
            }
        }

        // Step 6. Causal mask (−∞ for s > t) and p = softmax_s(logit).
        double[] probabilities = causalSoftmax(logits, batch * numHeads, seqLen);   // [B, H, T, T]

        // Step 7. o[b,t,h,·] = Σ_s p[b,h,t,s] v[b,s,·], one value head for all query heads.   einsum bhts,bsc->bthc
        double[] heads = new double[rows * numHeads * headDim];   // [B, T, H·C]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                for (int t = 0; t < seqLen; t++) {
                    int o = (b * seqLen + t) * numHeads * headDim + h * headDim;
                    for (int s = 0; s <= t; s++) {
                        double p = probabilities[((b * numHeads + h) * seqLen + t) * seqLen + s];
                        for (int d = 0; d < headDim; d++) {
                            heads[o + d] += p * value[(b * seqLen + s) * headDim + d];
                        }
                    }
                }
            }
        }

        // Step 8. out = W_O [o_1; …; o_H].
        double[] output = project(heads, rows, numHeads * headDim, weights.wO(), modelWidth);   // [B, T, M]

        // What a decoder caches per token: MFA [k | v] (2C values), MFA-KR k̄ alone (C values).
        double[] cache;
        if (valuePath instanceof KeyReuse) {
            cache = keyBeforeRope;   // [B, T, C]
        } else {
            cache = new double[rows * 2 * headDim];   // [B, T, 2C]
            for (int r = 0; r < rows; r++) {
                System.arraycopy(key, r * headDim, cache, r * 2 * headDim, headDim);
                System.arraycopy(value, r * headDim, cache, r * 2 * headDim + headDim, headDim);
            }
        }
        return new Result(output, logits, probabilities, cache);
    }
}
