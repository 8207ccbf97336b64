package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;

/**
 * Settings of {@link Mfa} and {@link MfaKeyReuse} that are not weights: RoPE base θ and pairing,
 * RMSNorm ε of the query path. Step-3 publishes θ = 5·10⁵ ({@code rope_theta}); its pairing is
 * not part of {@code config.json}, so no factory claims one.
 */
public record MfaSettings(double ropeTheta, RopePairing pairing, double rmsEps) {
    public MfaSettings {
        Checks.positiveFinite("ropeTheta", ropeTheta);
        Checks.notNull("pairing", pairing);
        Checks.positiveFinite("rmsEps", rmsEps);
    }
}
