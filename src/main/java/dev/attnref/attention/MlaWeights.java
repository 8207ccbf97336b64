package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.gaussianLinear;
import static dev.attnref.attention.AttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * One set of multi-head latent attention weights (docs/MATH.md, "MLA"), data only, shared by the three
 * forms that compute with it: {@link NaiveMla} (forms every head's key and value),
 * {@link AbsorbedMla} (attends in latent space, re-associating at run time) and
 * {@link PrecomputedAbsorbedMla} (attends in latent space through precomputed weight products).
 *
 * <h2>Equation (per token x, head i)</h2>
 * <pre>
 *   c_q            = RMSNorm(W_DQ x) ⊙ w_q                  [C_q]    (C_q &gt; 0; otherwise the query input is x)
 *   [q_C,i | q̃_R,i] = W_UQ,i c_q    or  W_Q,i x               [D_nope + P]
 *   [c̃_kv | k̃_R]   = W_DKV x                                [C + P]
 *   c_kv           = RMSNorm(c̃_kv) ⊙ w_kv                   [C]      the norm never touches k̃_R
 *   q_R,i = RoPE(q̃_R,i),   k_R = RoPE(k̃_R)                  [P]      one k_R for all heads
 *   [k_C,i | v_i]  = W_UKV,i c_kv = [W_UK,i ; W_UV,i] c_kv    [D_nope + Dv]
 *   logit_i[t,s]   = scale · (q_C,i[t]·k_C,i[s] + q_R,i[t]·k_R[s])
 *   scale          = (0.1·m·ln f + 1)² / √(D_nope + P)       (YaRN multiplier; f = 1 gives 1/√(D_nope + P))
 *                    × (0.1·mscale·ln rope_factor + 1)²      (only under an active DeepSeek YaRN rule)
 *   out            = W_O [o_1; …; o_H],   o_i[t] = Σ_s p_i[t,s] v_i[s]
 * </pre>
 *
 * <h2>Weights (PyTorch {@code Linear} layout {@code [out, in]}, no biases; the layout of
 * {@code dev.attnref.oracle.OracleMla})</h2>
 * <table>
 *   <caption>Tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>W_DQ ({@link #wDq()})</td><td>[C_q, M]</td><td>only when C_q &gt; 0, else null</td></tr>
 *   <tr><td>w_q ({@link #qNorm()})</td><td>[C_q]</td><td>only when C_q &gt; 0, else null</td></tr>
 *   <tr><td>W_UQ ({@link #wUq()})</td><td>[H·(D_nope + P), C_q]</td><td>only when C_q &gt; 0; rows of head i: i·(D_nope+P) + [0, D_nope) nope, then P rope</td></tr>
 *   <tr><td>W_Q ({@link #wQ()})</td><td>[H·(D_nope + P), M]</td><td>only when C_q = 0, else null; same row layout</td></tr>
 *   <tr><td>W_DKV ({@link #wDkv()})</td><td>[C + P, M]</td><td>rows [0, C) give c̃_kv, rows [C, C+P) give k̃_R (W_KR)</td></tr>
 *   <tr><td>w_kv ({@link #kvNorm()})</td><td>[C]</td><td>RMSNorm weight of the C latent dims only</td></tr>
 *   <tr><td>W_UKV ({@link #wUkv()})</td><td>[H·(D_nope + Dv), C]</td><td>rows of head i: i·(D_nope+Dv) + [0, D_nope) key (W_UK,i), then Dv value (W_UV,i)</td></tr>
 *   <tr><td>W_O ({@link #wO()})</td><td>[M, H·Dv]</td><td>input column h·Dv + d reads o_h[d]</td></tr>
 * </table>
 * All tensors are finite and read only. The query input width {@code Q_in} is C_q with query
 * compression and M without.
 *
 * <h2>Conventions</h2>
 * RoPE rotates only the P decoupled dimensions, pair j by φ = pos·ω'_j at absolute position pos
 * (ω'_j = θ^(−2j/P), or the {@link RopeScaling} rule's), with the pairing {@link Settings} names.
 * RMSNorm: x / √(mean(x²) + ε) ⊙ w.
 *
 * <h2>Source</h2>
 * DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, §2.1, equations 9–19; weight names and layout of
 * DeepSeek-V3 {@code inference/model.py} ({@code wq_a}, {@code q_norm}, {@code wq_b}, {@code wkv_a},
 * {@code kv_norm}, {@code wkv_b}, {@code wo}) and its YaRN softmax multiplier.
 *
 * <h2>Differs from source</h2>
 * Without a {@link RopeScaling.Yarn} rule, YaRN enters only as the softmax multiplier (m, f); with one, both
 * the frequency ramp and the multiplier apply when max_seq_len &gt; original_seq_len, as in DeepSeek-V3.
 *
 * <p>Checked by {@code MlaOracleAgreementTest}, {@code LatentModulesCrosscheckTest} (the PyTorch
 * cross-check's weights, read as they are and redrawn from their seeds), {@code MlaAbsorptionLawTest},
 * {@code MlaStructureLawTest}, {@code LatentModuleValidationTest}.
 */
public final class MlaWeights {

    /**
     * Settings that are not weights: RoPE base θ and pairing, RMSNorm ε, the YaRN softmax multiplier's m
     * ({@code mscale}) and f ({@code rope_factor}; 1 = no YaRN) on their own, and the rotary frequency rule
     * (a DeepSeek {@link RopeScaling.Yarn} rule brings its own multiplier, as DeepSeek's {@code MLA.__init__} does).
     */
    public record Settings(double ropeTheta, RopePairing pairing, double rmsEps, double yarnMscale, double yarnFactor,
            RopeScaling ropeScaling) {
        /** Unscaled rotary frequencies. */
        public Settings(double ropeTheta, RopePairing pairing, double rmsEps, double yarnMscale, double yarnFactor) {
            this(ropeTheta, pairing, rmsEps, yarnMscale, yarnFactor, RopeScaling.NONE);
        }

        public Settings {
            Checks.notNull("ropeScaling", ropeScaling);
            Checks.positiveFinite("ropeTheta", ropeTheta);
            Checks.notNull("pairing", pairing);
            Checks.positiveFinite("rmsEps", rmsEps);
            Checks.finite("yarnMscale", yarnMscale);
            Checks.finite("yarnFactor", yarnFactor);
            if (yarnFactor < 1.0) {
                throw new IllegalArgumentException("yarnFactor (" + yarnFactor + ") must be ≥ 1; 1 means no YaRN");
            }
        }

        /** DeepSeek-V2/V3 without context extension: θ 10000, interleaved pairs, ε 1e-6, f = 1. */
        public static Settings deepSeek() {
            return new Settings(10000.0, RopePairing.INTERLEAVED, 1e-6, 1.0, 1.0);
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

    private final MlaShape shape;
    private final Settings settings;
    private final Tensor wDq;
    private final Tensor qNorm;
    private final Tensor wUq;
    private final Tensor wQ;
    private final Tensor wDkv;
    private final Tensor kvNorm;
    private final Tensor wUkv;
    private final Tensor wO;
    private final Rope rope;

    private MlaWeights(MlaShape shape, Settings settings, Tensor wDq, Tensor qNorm, Tensor wUq, Tensor wQ, Tensor wDkv,
            Tensor kvNorm, Tensor wUkv, Tensor wO) {
        this.shape = shape;
        this.settings = settings;
        this.wDq = wDq;
        this.qNorm = qNorm;
        this.wUq = wUq;
        this.wQ = wQ;
        this.wDkv = wDkv;
        this.kvNorm = kvNorm;
        this.wUkv = wUkv;
        this.wO = wO;
        this.rope = new Rope(shape.qkRopeHeadDim(), settings.ropeTheta(), settings.pairing(), settings.ropeScaling());
    }

    /**
     * Weights from explicit tensors in the layout of the class table. With C_q &gt; 0 give
     * {@code wDq}, {@code qNorm}, {@code wUq} and pass null for {@code wQ}; with C_q = 0 the reverse.
     */
    public static MlaWeights of(MlaShape shape, Settings settings, Tensor wDq, Tensor qNorm, Tensor wUq, Tensor wQ,
            Tensor wDkv, Tensor kvNorm, Tensor wUkv, Tensor wO) {
        Checks.notNull("shape", shape);
        Checks.notNull("settings", settings);
        int m = shape.modelWidth();
        int h = shape.numHeads();
        int cq = shape.qLoraRank();
        int c = shape.kvLoraRank();
        int p = shape.qkRopeHeadDim();
        if (cq > 0) {
            wDq = weight("W_DQ (wDq)", wDq, cq, m);
            qNorm = weight("q RMSNorm weight (qNorm)", qNorm, cq);
            wUq = weight("W_UQ (wUq)", wUq, h * shape.qkHeadDim(), cq);
            if (wQ != null) {
                throw new IllegalArgumentException("W_Q (wQ) is given with qLoraRank (" + cq
                        + "); expected null: with query compression the query is W_UQ·RMSNorm(W_DQ x)");
            }
        } else {
            wQ = weight("W_Q (wQ)", wQ, h * shape.qkHeadDim(), m);
            if (wDq != null || qNorm != null || wUq != null) {
                throw new IllegalArgumentException("W_DQ, qNorm or W_UQ is given with qLoraRank (0); expected null: "
                        + "without query compression the query is W_Q x");
            }
        }
        wDkv = weight("W_DKV (wDkv)", wDkv, c + p, m);
        kvNorm = weight("kv RMSNorm weight (kvNorm)", kvNorm, c);
        wUkv = weight("W_UKV (wUkv)", wUkv, h * (shape.qkNopeHeadDim() + shape.vHeadDim()), c);
        wO = weight("W_O (wO)", wO, m, h * shape.vHeadDim());
        return new MlaWeights(shape, settings, wDq, qNorm, wUq, wQ, wDkv, kvNorm, wUkv, wO);
    }

    /**
     * Seeded weights. Draw order and distributions (so that any port can redraw them): in the order
     * of the class table, each row-major; projections {@code N(0, 1)/√(fan-in)}, RMSNorm weights
     * {@code U(0.5, 1.5)}; absent tensors draw nothing.
     */
    public static MlaWeights random(MlaShape shape, Settings settings, SeededRandom random) {
        Checks.notNull("shape", shape);
        Checks.notNull("random", random);
        int m = shape.modelWidth();
        int h = shape.numHeads();
        int cq = shape.qLoraRank();
        int c = shape.kvLoraRank();
        Tensor wDq = cq > 0 ? gaussianLinear(random, cq, m) : null;
        Tensor qNorm = cq > 0 ? Tensor.uniform(random, 0.5, 1.5, cq) : null;
        Tensor wUq = cq > 0 ? gaussianLinear(random, h * shape.qkHeadDim(), cq) : null;
        Tensor wQ = cq > 0 ? null : gaussianLinear(random, h * shape.qkHeadDim(), m);
        Tensor wDkv = gaussianLinear(random, c + shape.qkRopeHeadDim(), m);
        Tensor kvNorm = Tensor.uniform(random, 0.5, 1.5, c);
        Tensor wUkv = gaussianLinear(random, h * (shape.qkNopeHeadDim() + shape.vHeadDim()), c);
        Tensor wO = gaussianLinear(random, m, h * shape.vHeadDim());
        return of(shape, settings, wDq, qNorm, wUq, wQ, wDkv, kvNorm, wUkv, wO);
    }

    public MlaShape shape() {
        return shape;
    }

    public Settings settings() {
        return settings;
    }

    /** W_DQ {@code [C_q, M]}, or null without query compression. */
    public Tensor wDq() {
        return wDq;
    }

    /** w_q {@code [C_q]}, or null without query compression. */
    public Tensor qNorm() {
        return qNorm;
    }

    /** W_UQ {@code [H·(D_nope + P), C_q]}, or null without query compression. */
    public Tensor wUq() {
        return wUq;
    }

    /** W_Q {@code [H·(D_nope + P), M]}, or null with query compression. */
    public Tensor wQ() {
        return wQ;
    }

    /** W_DKV {@code [C + P, M]}: latent rows then the rotary key rows W_KR. */
    public Tensor wDkv() {
        return wDkv;
    }

    /** w_kv {@code [C]}. */
    public Tensor kvNorm() {
        return kvNorm;
    }

    /** W_UKV {@code [H·(D_nope + Dv), C]}. */
    public Tensor wUkv() {
        return wUkv;
    }

    /** W_O {@code [M, H·Dv]}. */
    public Tensor wO() {
        return wO;
    }

    /** The rotary embedding of the P decoupled dimensions. */
    public Rope rope() {
        return rope;
    }

    /** {@code (0.1·m·ln f + 1)² / √(D_nope + P)}, the same in the naive and the absorbed form. */
    public double softmaxScale() {
        return settings.yarnMultiplier() / Math.sqrt(shape.qkHeadDim());
    }

    /** Q_in, the width the query up-projection reads: C_q with query compression, M without. */
    public int queryInputWidth() {
        return shape.qLoraRank() > 0 ? shape.qLoraRank() : shape.modelWidth();
    }

    /** The matrix that makes the queries from the query input: W_UQ, or W_Q without compression. */
    Tensor queryUp() {
        return shape.qLoraRank() > 0 ? wUq : wQ;
    }

    /** Per-head W_UQ,i (nope rows of W_UQ or W_Q): {@code [H, D_nope, Q_in]}, a view. */
    public Tensor queryNopeUp() {
        return queryUp().view(shape.numHeads(), shape.qkHeadDim(), queryInputWidth())
                .narrow(1, 0, shape.qkNopeHeadDim());                                    // [H, D_nope, Q_in]
    }

    /** Per-head W_QR,i (rope rows of W_UQ or W_Q): {@code [H, P, Q_in]}, a view. */
    public Tensor queryRopeUp() {
        return queryUp().view(shape.numHeads(), shape.qkHeadDim(), queryInputWidth())
                .narrow(1, shape.qkNopeHeadDim(), shape.qkRopeHeadDim());                // [H, P, Q_in]
    }

    /** Per-head W_UK,i: {@code [H, D_nope, C]}, a view of W_UKV. */
    public Tensor keyUp() {
        return wUkv.view(shape.numHeads(), shape.qkNopeHeadDim() + shape.vHeadDim(), shape.kvLoraRank())
                .narrow(1, 0, shape.qkNopeHeadDim());                                    // [H, D_nope, C]
    }

    /** Per-head W_UV,i: {@code [H, Dv, C]}, a view of W_UKV. */
    public Tensor valueUp() {
        return wUkv.view(shape.numHeads(), shape.qkNopeHeadDim() + shape.vHeadDim(), shape.kvLoraRank())
                .narrow(1, shape.qkNopeHeadDim(), shape.vHeadDim());                     // [H, Dv, C]
    }
}
