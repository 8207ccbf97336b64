package dev.attnref.attention;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.OracleMfa;
import dev.attnref.oracle.OracleMla;
import dev.attnref.property.Dims;
import java.util.List;

/**
 * Random small configurations for the MLA / MFA laws: the {@link Dims} sizes each law's property
 * draws (so every size lands in the failure message and shrinks), the shapes and settings built
 * from them, and the bridges to the oracles' flat layouts. Sizes are small and odd on purpose
 * (M 3–9, H 1–4, latent widths 2–7, head parts 1–5, P and C even).
 */
final class LatentCases {
    private LatentCases() {
    }

    /** Every tensor a module's cache holds: keys and values ({@link KvCache}) or the latent and k_R ({@link LatentCache}). */
    static List<Tensor> stored(Object cache) {
        if (cache instanceof KvCache kv) {
            return List.of(kv.keys(), kv.values());
        }
        LatentCache latent = (LatentCache) cache;
        return List.of(latent.latent(), latent.ropeKey());
    }

    /** S, the tokens a module's cache holds. */
    static int cachedLength(Object cache) {
        return cache instanceof KvCache kv ? kv.length() : ((LatentCache) cache).length();
    }

    /**
     * Adds the MLA sizes M, H, C_q (when {@code withQueryRank}), C, D_nope, P/2, Dv and the
     * settings flags splitHalves, yarn to {@code spec}.
     */
    static Dims.Spec mlaSizes(Dims.Spec spec, boolean withQueryRank) {
        spec.size("M", 3, 9).size("H", 1, 4);
        if (withQueryRank) {
            spec.size("C_q", 2, 7);
        }
        return spec.size("C", 2, 7).size("D_nope", 1, 5).size("P/2", 1, 3).size("Dv", 1, 5).flag("splitHalves").flag("yarn");
    }

    /** An MLA shape from {@link #mlaSizes}; {@code C_q = 0} without query compression. */
    static MlaShape mlaShape(Dims d, boolean queryCompression) {
        int queryRank = queryCompression ? d.get("C_q") : 0;
        return new MlaShape(d.get("M"), d.get("H"), queryRank, d.get("C"), d.get("D_nope"), 2 * d.get("P/2"), d.get("Dv"));
    }

    /** Either pairing; YaRN off or DeepSeek-V3's (m 1, f 40). */
    static MlaWeights.Settings mlaSettings(Dims d) {
        RopePairing pairing = d.flag("splitHalves") ? RopePairing.SPLIT_HALVES : RopePairing.INTERLEAVED;
        double yarnFactor = d.flag("yarn") ? 40.0 : 1.0;
        return new MlaWeights.Settings(10000.0, pairing, 1e-6, 1.0, yarnFactor);
    }

    /**
     * Adds the MFA sizes M, H, C_q, C/2 (C even, 2–6) and the flag splitHalves to {@code spec}, each
     * name prefixed with {@code prefix} (to tell them from an MLA's in one shape).
     */
    static Dims.Spec mfaSizes(Dims.Spec spec, String prefix) {
        return spec.size(prefix + "M", 3, 9).size(prefix + "H", 1, 4).size(prefix + "C_q", 2, 7).size(prefix + "C/2", 1, 3)
                .flag(prefix + "splitHalves");
    }

    /** An MFA shape from {@link #mfaSizes} with no prefix. */
    static MfaShape mfaShape(Dims d, boolean keyReuse) {
        return mfaShape(d, keyReuse, "");
    }

    /** An MFA shape from {@link #mfaSizes} with {@code prefix}. */
    static MfaShape mfaShape(Dims d, boolean keyReuse, String prefix) {
        return new MfaShape(d.get(prefix + "M"), d.get(prefix + "H"), d.get(prefix + "C_q"), 2 * d.get(prefix + "C/2"),
                keyReuse);
    }

    /** Either pairing, Step-3's θ = 5·10⁵. */
    static MfaSettings mfaSettings(Dims d) {
        return mfaSettings(d, "");
    }

    /** As {@link #mfaSettings(Dims)}, the flag read with {@code prefix}. */
    static MfaSettings mfaSettings(Dims d, String prefix) {
        RopePairing pairing = d.flag(prefix + "splitHalves") ? RopePairing.SPLIT_HALVES : RopePairing.INTERLEAVED;
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
