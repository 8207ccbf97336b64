package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.gaussianLinear;
import static dev.attnref.attention.AttentionSteps.mergeHeads;
import static dev.attnref.attention.AttentionSteps.rmsNorm;
import static dev.attnref.attention.AttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * What {@link Mfa} and {@link MfaKeyReuse} share (docs/MATH.md, "MFA and MFA-KR"): the factorized query
 * path {@code q_i = RoPE(Q_c,i · RMSNorm(S_Q x) ⊙ w_q)}, the shared key projection S_K, the output
 * projection W_O, and the two steps around the values: H query heads of width C attending causally
 * over one shared key head, and merging the heads through an output projection. How the value is
 * formed and cached is the subclass's.
 *
 * <table>
 *   <caption>Weights held here (PyTorch layout [out, in], no biases)</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>S_Q ({@code sQ})</td><td>[C_q, M]</td><td>query down-projection</td></tr>
 *   <tr><td>w_q ({@code qNorm})</td><td>[C_q]</td><td>RMSNorm weight</td></tr>
 *   <tr><td>Q_c ({@code qC})</td><td>[H·C, C_q]</td><td>rows [i·C, (i+1)·C) make head i</td></tr>
 *   <tr><td>S_K ({@code sK})</td><td>[C, M]</td><td>the shared key</td></tr>
 *   <tr><td>W_O ({@code wO})</td><td>[M, H·C]</td><td>input column i·C + d reads o_i[d]</td></tr>
 * </table>
 *
 * <p>Checked through {@link Mfa} and {@link MfaKeyReuse}: {@code MlaOracleAgreementTest},
 * {@code MfaLawTest}, {@code LatentModulesCrosscheckTest}, {@code LatentModuleValidationTest}.
 *
 * @param <C> the cache type of the subclass
 */
abstract sealed class FactorizedAttention<C> implements SelfAttention<C>
        permits Mfa, MfaKeyReuse {
    private final MfaShape shape;
    private final MfaSettings settings;
    private final Tensor sQ;
    private final Tensor qNorm;
    private final Tensor qC;
    private final Tensor sK;
    private final Tensor wO;
    private final Rope rope;

    /** From weights already validated: the query path and key by {@link QueryAndKey#checked}, W_O by {@link #checkedOutput}. */
    FactorizedAttention(MfaShape shape, MfaSettings settings, QueryAndKey queryAndKey, Tensor wO) {
        this.shape = shape;
        this.settings = settings;
        this.sQ = queryAndKey.sQ();
        this.qNorm = queryAndKey.qNorm();
        this.qC = queryAndKey.qC();
        this.sK = queryAndKey.sK();
        this.wO = wO;
        this.rope = new Rope(shape.headDim(), settings.ropeTheta(), settings.pairing());
    }

    /** The weights of the query path and the shared key: S_Q [C_q, M], w_q [C_q], Q_c [H·C, C_q], S_K [C, M]. */
    record QueryAndKey(Tensor sQ, Tensor qNorm, Tensor qC, Tensor sK) {
        /** Each present, of its shape, finite (checked in the order S_Q, w_q, Q_c, S_K); contiguous. */
        static QueryAndKey checked(MfaShape shape, Tensor sQ, Tensor qNorm, Tensor qC, Tensor sK) {
            int m = shape.modelWidth();
            int c = shape.headDim();
            return new QueryAndKey(
                    weight("S_Q (sQ)", sQ, shape.queryRank(), m),
                    weight("q RMSNorm weight (qNorm)", qNorm, shape.queryRank()),
                    weight("Q_c (qC)", qC, shape.numHeads() * c, shape.queryRank()),
                    weight("S_K (sK)", sK, c, m));
        }

        /** Drawn in the order S_Q, w_q, Q_c, S_K, each row-major: projections {@code N(0, 1)/√(fan-in)}, w_q {@code U(0.5, 1.5)}. */
        static QueryAndKey random(MfaShape shape, SeededRandom random) {
            Checks.notNull("shape", shape);
            Checks.notNull("random", random);
            int m = shape.modelWidth();
            int c = shape.headDim();
            int cq = shape.queryRank();
            Tensor sQ = gaussianLinear(random, cq, m);
            Tensor qNorm = Tensor.uniform(random, 0.5, 1.5, cq);
            Tensor qC = gaussianLinear(random, shape.numHeads() * c, cq);
            Tensor sK = gaussianLinear(random, c, m);
            return new QueryAndKey(sQ, qNorm, qC, sK);
        }
    }

    /** W_O [M, H·C], present, finite; contiguous. */
    static Tensor checkedOutput(MfaShape shape, Tensor wO) {
        return weight("W_O (wO)", wO, shape.modelWidth(), shape.numHeads() * shape.headDim());
    }

    /** W_O [M, H·C] drawn {@code N(0, 1)/√(H·C)}, row-major. */
    static Tensor randomOutput(MfaShape shape, SeededRandom random) {
        return gaussianLinear(random, shape.modelWidth(), shape.numHeads() * shape.headDim());
    }

    public MfaShape shape() {
        return shape;
    }

    public MfaSettings settings() {
        return settings;
    }

    public Tensor sQ() {
        return sQ;
    }

    public Tensor qNorm() {
        return qNorm;
    }

    public Tensor qC() {
        return qC;
    }

    public Tensor sK() {
        return sK;
    }

    public Tensor wO() {
        return wO;
    }

    /** The rotary embedding over all C dims of q and k. */
    public Rope rope() {
        return rope;
    }

    @Override
    public int modelWidth() {
        return shape.modelWidth();
    }

    @Override
    public int numHeads() {
        return shape.numHeads();
    }

    /** {@code q_i = RoPE(Q_c,i · RMSNorm(S_Q x) ⊙ w_q)}: {@code x [B, T, M] → q [B, H, T, C]}, rotated from position {@code start}. */
    final Tensor queries(Tensor x, int start) {
        int batch = x.size(0);
        int qLen = x.size(1);
        // c_q = RMSNorm(S_Q x) ⊙ w_q
        Tensor queryLatent = rmsNorm(x.matmul(sQ.transpose(0, 1)), qNorm, settings.rmsEps());   // [B, T, C_q]
        // q̃_i = Q_c,i c_q, then q_i = RoPE(q̃_i)
        Tensor q = queryLatent.matmul(qC.transpose(0, 1))                                      // [B, T, H·C]
                .view(batch, qLen, shape.numHeads(), shape.headDim()).transpose(1, 2);          // [B, H, T, C]
        return rope.apply(q, start);                                                            // [B, H, T, C]
    }

    /**
     * {@code logit_i[t,s] = q_i[t]·k[s] / √C}, −∞ for {@code s > S₀ + t}: {@code q [B, H, T, C]}
     * against the shared rotated keys {@code [B, 1, S, C]}.   einsum bhtc,bsc->bhts
     */
    final Tensor logitsOverSharedKeys(Tensor q, Tensor keys, int cachedBefore) {
        Tensor scores = q.matmul(keys.transpose(2, 3)).mul(1.0 / Math.sqrt(shape.headDim()));   // [B, H, T, S]
        return causalLogits(scores, cachedBefore);                                             // [B, H, T, S]
    }

    /**
     * {@code out = W [o_1; …; o_H]}: the heads {@code [B, H, T, C]} merged and projected by
     * {@code outputWeight [M, H·C]}, returned with the logits and probabilities that made them.
     */
    static ForwardResult projectHeads(Tensor heads, Tensor outputWeight, Tensor logits, Tensor probabilities) {
        Tensor output = mergeHeads(heads).matmul(outputWeight.transpose(0, 1));          // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }
}
