package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.gaussianLinear;
import static dev.attnref.attention.AttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * MFA with key reuse (MFA-KR, docs/MATH.md "MFA and MFA-KR"): the value is derived from the shared key
 * before RoPE, {@code v = (I + diag(α) N) k̄}, so only {@code k̄} is cached (C values per token per
 * layer). Because that map is linear and the same for every head, it is folded into the output
 * projection: the weighted sum runs over the cached {@code k̄} directly.
 *
 * <h2>Equation (per token x, head i)</h2>
 * <pre>
 *   q_i  = RoPE(Q_c,i · RMSNorm(S_Q x) ⊙ w_q)            [C]      as {@link Mfa}
 *   k̄    = S_K x                                         [C]      cached, not rotated
 *   k    = RoPE(k̄)                                       [C]      formed when logits are formed
 *   logit_i[t,s] = q_i[t]·k[s] / √C,  −∞ for s &gt; S₀ + t;   p_i = softmax_s(logit_i)
 *   v    = (I + diag(α) N) k̄                             [C]      never formed:
 *   o_i  = Σ_s p_i[t,s] v[s] = (I + diag(α) N) ō_i,   ō_i = Σ_s p_i[t,s] k̄[s]
 *   out  = W_O [o_1; …; o_H] = W_O^fold [ō_1; …; ō_H],   W_O^fold,i = W_O,i (I + diag(α) N)
 * </pre>
 *
 * <table>
 *   <caption>Weights and shapes (PyTorch layout [out, in], no biases)</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>S_Q, w_q, Q_c, S_K, W_O</td><td>as {@link Mfa}</td><td></td></tr>
 *   <tr><td>α ({@code alpha})</td><td>[C]</td><td>zero-initialised ({@link #random}), so v = k̄ at initialisation</td></tr>
 *   <tr><td>N ({@code n})</td><td>[C, C]</td><td>{@code v_c = k̄_c + α_c Σ_j N[c,j] k̄_j}</td></tr>
 *   <tr><td>W_O^fold ({@link #foldedOutput()})</td><td>[M, H·C]</td><td>formed once at construction</td></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link LatentCache} with latent k̄ and P = 0</td><td>C values per token: k̄ only</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute ({@link SelfAttention}); scale 1/√C. How the paper
 * combines key reuse with RoPE is not public in a form we could read: this module caches the
 * pre-RoPE {@code k̄}, rotates it when forming logits, and takes values from the unrotated
 * {@code k̄} (docs/MATH.md says so).
 *
 * <p>Source: Hu et al., "Multi-matrix Factorization Attention", arXiv:2412.19255 (MFA-Key-Reuse).
 *
 * <p>Checked by {@code MlaOracleAgreementTest} (against {@code OracleMfa}, which forms v
 * explicitly), {@code LatentModulesCrosscheckTest}, {@code MfaLawTest}, {@code CachedAttentionLawTest},
 * {@code CacheSizeLawTest}.
 */
public final class MfaKeyReuse extends FactorizedAttention<LatentCache> {
    private final Tensor alpha;
    private final Tensor n;
    private final Tensor foldedOutput;

    private MfaKeyReuse(MfaShape shape, MfaSettings settings, QueryAndKey queryAndKey, Tensor alpha, Tensor n,
            Tensor wO) {
        super(shape, settings, queryAndKey, wO);
        this.alpha = alpha;
        this.n = n;
        int c = shape.headDim();
        // I + diag(α) N:  mix[c, j] = δ_cj + α_c N[c, j]
        Tensor valueMix = Tensor.of(identity(c), c, c).add(alpha.unsqueeze(1).mul(n));         // [C, C]
        // W_O^fold,i = W_O,i (I + diag(α) N) for every head.   einsum mhc,cj->mhj
        this.foldedOutput = wO.view(shape.modelWidth(), shape.numHeads(), c).matmul(valueMix)   // [M, H, C]
                .reshape(shape.modelWidth(), shape.numHeads() * c);                             // [M, H·C]
    }

    private static double[] identity(int size) {
        double[] eye = new double[size * size];
        for (int d = 0; d < size; d++) {
            eye[d * size + d] = 1.0;
        }
        return eye;
    }

    /** From explicit weights; {@code shape.keyReuse()} must be true. */
    public static MfaKeyReuse of(MfaShape shape, MfaSettings settings, Tensor sQ, Tensor qNorm, Tensor qC, Tensor sK,
            Tensor alpha, Tensor n, Tensor wO) {
        Checks.notNull("shape", shape);
        Checks.notNull("settings", settings);
        if (!shape.keyReuse()) {
            throw new IllegalArgumentException("MfaKeyReuse got a shape without key reuse (" + shape
                    + "); expected keyReuse true (Mfa is the module with a separate value)");
        }
        int c = shape.headDim();
        QueryAndKey queryAndKey = QueryAndKey.checked(shape, sQ, qNorm, qC, sK);
        Tensor checkedAlpha = weight("MFA-KR α (alpha)", alpha, c);
        Tensor checkedN = weight("MFA-KR N (n)", n, c, c);
        return new MfaKeyReuse(shape, settings, queryAndKey, checkedAlpha, checkedN, checkedOutput(shape, wO));
    }

    /**
     * Seeded weights at initialisation: α = 0 (so v = k̄); S_Q, w_q, Q_c, S_K, N, W_O drawn in that
     * order, each row-major: projections {@code N(0, 1)/√(fan-in)}, w_q {@code U(0.5, 1.5)}.
     */
    public static MfaKeyReuse random(MfaShape shape, MfaSettings settings, SeededRandom random) {
        QueryAndKey drawn = QueryAndKey.random(shape, random);
        int c = shape.headDim();
        Tensor n = gaussianLinear(random, c, c);
        Tensor wO = randomOutput(shape, random);
        return of(shape, settings, drawn.sQ(), drawn.qNorm(), drawn.qC(), drawn.sK(), Tensor.zeros(c), n, wO);
    }

    /** The same module with α replaced (as training would move it away from 0). */
    public MfaKeyReuse withAlpha(Tensor newAlpha) {
        return of(shape(), settings(), sQ(), qNorm(), qC(), sK(), newAlpha, n, wO());
    }

    public Tensor alpha() {
        return alpha;
    }

    public Tensor n() {
        return n;
    }

    /** W_O^fold = W_O with each head's block multiplied by {@code I + diag(α) N}: {@code [M, H·C]}. */
    public Tensor foldedOutput() {
        return foldedOutput;
    }

    @Override
    public LatentCache newCache(int batchSize, int firstPosition) {
        return new LatentCache(batchSize, firstPosition, shape().headDim(), 0);
    }

    @Override
    public ForwardResult forward(Tensor x, LatentCache cache, AttentionOptions options) {
        Checks.notNull("cache", cache);
        checkInput("MfaKeyReuse", x, modelWidth(), cache.batchSize(), options);
        cache.requireWidths("MfaKeyReuse", shape().headDim(), 0);
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. q_i = RoPE(Q_c,i · RMSNorm(S_Q x) ⊙ w_q).
        Tensor q = queries(x, start);                                                     // [B, H, T, C]

        // Step 2. k̄ = S_K x joins the cache unrotated as its latent: C values per token, no rotated part.
        Tensor keyBeforeRope = x.matmul(sK().transpose(0, 1));                            // [B, T, C]
        cache.append(keyBeforeRope, Tensor.zeros(x.size(0), x.size(1), 0));               // [B, T, C], [B, T, 0]
        Tensor keysBeforeRope = cache.latent();                                           // [B, S, C]

        // Step 3. Rotate at read: k[s] = RoPE(k̄[s]) at absolute position firstPosition + s.
        Tensor keys = rope().apply(keysBeforeRope, cache.firstPosition()).unsqueeze(1); // [B, 1, S, C]

        // Step 4. logit = q_i·k / √C, −∞ for s > S₀ + t; p = softmax_s.   einsum bhtc,bsc->bhts
        Tensor logits = logitsOverSharedKeys(q, keys, cachedBefore);                      // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 5. ō_i = Σ_s p_i[t,s] k̄[s] over the unrotated keys.   einsum bhts,bsc->bhtc
        Tensor heads = probabilities.matmul(keysBeforeRope.unsqueeze(1));                 // [B, H, T, C]

        // Step 6. out = W_O^fold [ō_1; …; ō_H] = W_O [(I + diag(α) N) ō_i]_i.
        return projectHeads(heads, foldedOutput, logits, probabilities);
    }
}
