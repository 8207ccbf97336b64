package dev.attnref.attention;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.OracleMfa;
import dev.attnref.oracle.OracleMla;

/**
 * Random small configurations for the MLA / MFA laws, drawn through {@link LatentLaw.Try} so that
 * every size lands in the failure message, and the bridges to the oracles' flat layouts. Sizes are
 * small and odd on purpose (M 3–9, H 1–4, latent widths 2–7, head parts 1–5, P and C even).
 */
final class LatentCases {
    private LatentCases() {
    }

    /** An MLA shape; {@code C_q = 0} without query compression. */
    static MlaShape mlaShape(LatentLaw.Try t, boolean queryCompression) {
        int modelWidth = t.size("M", 3, 9);
        int numHeads = t.size("H", 1, 4);
        int queryRank = queryCompression ? t.size("C_q", 2, 7) : 0;
        if (!queryCompression) {
            t.note("C_q", 0);
        }
        int latentWidth = t.size("C", 2, 7);
        int nopeDim = t.size("D_nope", 1, 5);
        int ropeDim = 2 * t.size("P/2", 1, 3);
        int valueDim = t.size("Dv", 1, 5);
        return new MlaShape(modelWidth, numHeads, queryRank, latentWidth, nopeDim, ropeDim, valueDim);
    }

    /** Either pairing; YaRN off or DeepSeek-V3's (m 1, f 40). */
    static MlaWeights.Settings mlaSettings(LatentLaw.Try t) {
        RopePairing pairing = t.flag("splitHalves") ? RopePairing.SPLIT_HALVES : RopePairing.INTERLEAVED;
        double yarnFactor = t.flag("yarn") ? 40.0 : 1.0;
        return new MlaWeights.Settings(10000.0, pairing, 1e-6, 1.0, yarnFactor);
    }

    /** An MFA shape (C even, 2–6). */
    static MfaShape mfaShape(LatentLaw.Try t, boolean keyReuse) {
        return mfaShape(t, keyReuse, "");
    }

    /** An MFA shape whose sizes are recorded with {@code prefix} (to tell them from an MLA's in one try). */
    static MfaShape mfaShape(LatentLaw.Try t, boolean keyReuse, String prefix) {
        int modelWidth = t.size(prefix + "M", 3, 9);
        int numHeads = t.size(prefix + "H", 1, 4);
        int queryRank = t.size(prefix + "C_q", 2, 7);
        int headDim = 2 * t.size(prefix + "C/2", 1, 3);
        return new MfaShape(modelWidth, numHeads, queryRank, headDim, keyReuse);
    }

    /** Either pairing, Step-3's θ = 5·10⁵. */
    static MfaSettings mfaSettings(LatentLaw.Try t) {
        return mfaSettings(t, "");
    }

    /** As {@link #mfaSettings(LatentLaw.Try)}, the choice recorded with {@code prefix}. */
    static MfaSettings mfaSettings(LatentLaw.Try t, String prefix) {
        RopePairing pairing = t.flag(prefix + "splitHalves") ? RopePairing.SPLIT_HALVES : RopePairing.INTERLEAVED;
        return new MfaSettings(500000.0, pairing, 1e-6);
    }

    /** MFA-KR weights with a non-zero α ~ U(−0.5, 0.5), as after training. */
    static MfaKeyReuse trainedKeyReuse(MfaShape shape, MfaSettings settings, SeededRandom random) {
        MfaKeyReuse initial = MfaKeyReuse.random(shape, settings, random);
        return initial.withAlpha(Tensor.uniform(random, -0.5, 0.5, shape.headDim()));
    }

    /** Activations {@code x ~ N(0, 1)} of shape {@code [B, T, M]}. */
    static Tensor input(SeededRandom random, int batch, int seqLen, int modelWidth) {
        return Tensor.randn(random, 1.0, batch, seqLen, modelWidth);
    }

    // ---------------------------------------------------------------- bridges to the loop oracles

    static OracleMla.Config oracleConfig(MlaShape shape) {
        return new OracleMla.Config(shape.modelWidth(), shape.numHeads(), shape.qLoraRank(), shape.kvLoraRank(),
                shape.qkNopeHeadDim(), shape.qkRopeHeadDim(), shape.vHeadDim());
    }

    static OracleMla.Options oracleOptions(MlaWeights.Settings settings, int startPosition) {
        return new OracleMla.Options(settings.ropeTheta(), settings.pairing(), startPosition, settings.rmsEps(),
                settings.yarnMscale(), settings.yarnFactor());
    }

    static OracleMla.Weights oracleWeights(MlaWeights w) {
        return new OracleMla.Weights(flat(w.wDq()), flat(w.qNorm()), flat(w.wUq()), flat(w.wQ()), flat(w.wDkv()),
                flat(w.kvNorm()), flat(w.wUkv()), flat(w.wO()));
    }

    static OracleMfa.Config oracleConfig(MfaShape shape) {
        return new OracleMfa.Config(shape.modelWidth(), shape.numHeads(), shape.queryRank(), shape.headDim());
    }

    static OracleMfa.Options oracleOptions(MfaSettings settings, int startPosition) {
        return new OracleMfa.Options(settings.ropeTheta(), settings.pairing(), startPosition, settings.rmsEps());
    }

    static OracleMfa.Weights oracleWeights(Mfa mfa) {
        return new OracleMfa.Weights(flat(mfa.sQ()), flat(mfa.qNorm()), flat(mfa.qC()), flat(mfa.sK()),
                new OracleMfa.SeparateValue(flat(mfa.sV())), flat(mfa.wO()));
    }

    static OracleMfa.Weights oracleWeights(MfaKeyReuse mfa) {
        return new OracleMfa.Weights(flat(mfa.sQ()), flat(mfa.qNorm()), flat(mfa.qC()), flat(mfa.sK()),
                new OracleMfa.KeyReuse(flat(mfa.alpha()), flat(mfa.n())), flat(mfa.wO()));
    }

    private static double[] flat(Tensor t) {
        return t == null ? null : t.toArray();
    }
}
