package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Steps shared by the latent and factorized attention modules ({@link NaiveMla},
 * {@link AbsorbedMla}, {@link SimplifiedMla}, {@link Mfa}, {@link MfaKeyReuse}): RMSNorm, the
 * causal softmax over a cache, merging heads, argument checks and the seeded weight draw. Tensor
 * operations only; every method returns new tensors and leaves its arguments untouched.
 */
final class LatentSteps {
    private LatentSteps() {
    }

    /** {@code y = x / √(mean_d x² + ε) ⊙ w} over the last axis: {@code [..., W] → [..., W]}. */
    static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor rms = x.mul(x).mean(-1, true).add(eps).sqrt();   // [..., 1]
        return x.div(rms).mul(weight);                           // [..., W]
    }

    /** Masked logits and the probabilities softmax gives them, both {@code [B, H, T, S]}. */
    record Attention(Tensor logits, Tensor probabilities) {
    }

    /**
     * Masked logits and probabilities for T new queries over S = S₀ + T keys, query t at cache
     * index S₀ + t: {@code logit[…, t, s] = −∞} for {@code s > S₀ + t}, {@code p = softmax_s(logit)}.
     * Every query sees at least itself, so no row is empty.
     */
    static Attention causalSoftmax(Tensor scores, int cachedBefore) {
        int qLen = scores.size(-2);
        int kvLen = scores.size(-1);
        Tensor hidden = Masks.causal(qLen, kvLen, cachedBefore).eq(0.0);            // [T, S], 1 = hidden
        Tensor logits = scores.maskedFill(hidden, Double.NEGATIVE_INFINITY);        // [B, H, T, S]
        return new Attention(logits, logits.softmax(-1));
    }

    /** {@code [B, H, T, W] → [B, T, H·W]}: head h's W values become columns {@code h·W … h·W + W − 1}. */
    static Tensor mergeHeads(Tensor heads) {
        int batch = heads.size(0);
        int qLen = heads.size(2);
        return heads.transpose(1, 2).reshape(batch, qLen, heads.size(1) * heads.size(3));   // [B, T, H·W]
    }

    /** Checks x is {@code [B, T, M]} with T ≥ 1, finite, and B matches the cache. */
    static void checkInput(String module, Tensor x, int modelWidth, LayerCache cache) {
        Checks.notNull("input x", x);
        Checks.notNull("cache", cache);
        if (x.dim() != 3 || x.size(2) != modelWidth || x.size(1) == 0) {
            throw new IllegalArgumentException(module + " of width " + modelWidth + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B, T ≥ 1, " + modelWidth + "]");
        }
        if (x.size(0) != cache.batchSize()) {
            throw new IllegalArgumentException("cache holds " + cache.batchSize() + " sequences but the input has batch "
                    + x.size(0));
        }
        Checks.allFinite("input x", x.toArray());
    }

    /** A weight present, of the given shape, finite; returned contiguous so that head views can be taken. */
    static Tensor weight(String name, Tensor value, int... shape) {
        Checks.notNull(name, value);
        Checks.sameShape(name, value.shape(), shape);
        Checks.allFinite(name, value.toArray());
        return value.contiguous();
    }

    /** {@code N(0, 1/fanIn)} draws {@code [out, in]}, the fan-in scaled Gaussian the seeded modules use. */
    static Tensor gaussianLinear(SeededRandom random, int out, int in) {
        return Tensor.randn(random, 1.0 / Math.sqrt(in), out, in);
    }
}
