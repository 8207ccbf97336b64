package dev.attnref.attention;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Checks;
import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * The steps the attention modules share because they do not depend on how query heads map to
 * key/value heads. For the GQA family: validating a call, splitting heads, RoPE, masking the logits
 * and the softmax with its empty-row guard. The head mapping itself (scores {@code q·k} and the
 * weighted sum {@code p·v}) is written separately in {@link MultiHeadAttention},
 * {@link MultiQueryAttention} and {@link GroupedQueryAttention}, so that "MHA and MQA are degenerate
 * GQA" stays a law the tests check rather than a fact of construction. For the latent and factorized
 * modules ({@link NaiveMla}, {@link AbsorbedMla}, {@link SimplifiedMla}, {@link Mfa},
 * {@link MfaKeyReuse}): RMSNorm, the causal mask over a cache, argument checks and the seeded weight
 * draw. For all: merging heads. Tensor operations only; every method returns new tensors and leaves
 * its arguments untouched.
 */
final class AttentionSteps {
    private AttentionSteps() {
    }

    /**
     * A validated call. New token t sits at absolute position {@code startPosition + t} (RoPE) and at
     * key index {@code pastLen + t}; {@code hidden} ({@code 1} = hidden, broadcasting to
     * {@code [B, H, T, S]}) and {@code additive} are null when absent.
     */
    record Call(int batch, int qLen, int pastLen, int kvLen, int startPosition, Tensor hidden, Tensor additive) {
    }

    /**
     * Checks {@code x}, the cache and the options against {@code config} before anything is computed
     * or appended, so that a failing call leaves the cache untouched.
     */
    static Call plan(String module, AttentionConfig config, Tensor x, KvCache cache, AttentionOptions options) {
        Checks.notNull("input x", x);
        Checks.notNull("options", options);
        if (x.dim() != 3 || x.size(2) != config.modelWidth()) {
            throw new IllegalArgumentException(module + " input x has shape " + Arrays.toString(x.shape())
                    + "; expected [B, T, M] with M = " + config.modelWidth());
        }
        int batch = Checks.positive("batch B of input x", x.size(0));
        int qLen = Checks.positive("query length T of input x", x.size(1));
        Checks.allFinite(module + " input x", x.toArray());

        int pastLen = 0;
        if (cache != null) {
            cache.requireHeads(module, config.numKvHeads(), config.headDim(), config.valueDim());
            if (cache.batch() != batch) {
                throw new IllegalArgumentException("input batch B (" + batch + ") does not match the cache's batch ("
                        + cache.batch() + ")");
            }
            cache.requireRoomFor(qLen);
            pastLen = cache.length();
        }
        int kvLen = pastLen + qLen;

        Integer requestedStart = options.startPosition();
        if (cache != null && requestedStart != null && requestedStart != cache.nextPosition()) {
            throw new IllegalArgumentException("start position (" + requestedStart + ") contradicts the cache, whose "
                    + pastLen + " positions put the new tokens at " + cache.nextPosition());
        }
        int startPosition = cache != null ? cache.nextPosition() : requestedStart == null ? 0 : requestedStart;

        int[] scoreShape = {batch, config.numHeads(), qLen, kvLen};   // [B, H, T, S]
        Tensor keep = null;                                          // 1 = visible, broadcasts to [B, H, T, S]
        if (options.booleanMask() != null) {
            requireBroadcasts("boolean mask", options.booleanMask(), scoreShape);
            keep = Masks.toKeep(options.booleanMask(), options.maskConvention());
        }
        boolean numbered = options.causalAlignment() != null || options.causalQueryStart() != null;
        if (numbered && !config.causal()) {
            throw new IllegalArgumentException("causal query numbering ("
                    + (options.causalAlignment() != null ? options.causalAlignment() : "start " + options.causalQueryStart())
                    + ") given, but the configuration is not causal");
        }
        if (config.causal()) {
            CausalAlignment alignment = options.causalAlignment() == null
                    ? CausalAlignment.BOTTOM_RIGHT : options.causalAlignment();
            int first = options.causalQueryStart() != null
                    ? options.causalQueryStart() : alignment.queryStart(qLen, kvLen);
            Tensor causal = Masks.causal(qLen, kvLen, first);                            // [T, S]
            keep = keep == null ? causal : Masks.and(keep, causal);
        }
        int[] lengths = options.keyLengths();
        if (lengths != null) {
            if (lengths.length != batch) {
                throw new IllegalArgumentException("keyLengths has " + lengths.length
                        + " entries; expected one per batch row (" + batch + ")");
            }
            Tensor padding = Masks.keyPadding(lengths, kvLen);                           // [B, 1, 1, S]
            keep = keep == null ? padding : Masks.and(keep, padding);
        }
        Tensor additive = options.additiveMask();
        if (additive != null) {
            requireBroadcasts("additive mask", additive, scoreShape);
            double[] bias = additive.toArray();
            for (int i = 0; i < bias.length; i++) {
                if (Double.isNaN(bias[i]) || bias[i] == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("additive mask holds " + bias[i] + " at flat index " + i
                            + "; expected finite values or -Infinity");
                }
            }
        }
        return new Call(batch, qLen, pastLen, kvLen, startPosition, keep == null ? null : keep.eq(0.0), additive);
    }

    /** {@code [B, T, n·w] → [B, n, T, w]}: head i takes columns {@code i·w … i·w+w−1}. */
    static Tensor splitHeads(Tensor projected, int numHeads, int width) {
        int batch = projected.size(0);
        int qLen = projected.size(1);
        return projected.view(batch, qLen, numHeads, width)   // [B, T, n, w]
                .transpose(1, 2);                              // [B, n, T, w]
    }

    /** {@code [B, H, T, W] → [B, T, H·W]}: head h fills columns {@code h·W … h·W+W−1}. */
    static Tensor mergeHeads(Tensor heads) {
        int batch = heads.size(0);
        int numHeads = heads.size(1);
        int qLen = heads.size(2);
        int width = heads.size(3);
        return heads.transpose(1, 2)                           // [B, T, H, W]
                .reshape(batch, qLen, numHeads * width);   // [B, T, H·W]
    }

    /** RoPE on the first P dims of each row of {@code [..., T, D]}, row t at position {@code start + t}; identity without RoPE. */
    static Tensor rotate(AttentionConfig config, Tensor headsByPosition, int start) {
        return config.hasRope() ? config.rope().apply(headsByPosition, start) : headsByPosition;
    }

    /**
     * From scaled scores to logits, in docs/MATH.md's order:
     * <pre>
     *   logit = c·tanh(score / c)       when softcap c &gt; 0
     *   logit = logit + bias            additive mask
     *   logit = −∞                      where a boolean, causal or padding mask hides the key
     * </pre>
     */
    static Tensor logits(AttentionConfig config, Call call, Tensor scores) {
        Checks.allFinite("scaled scores scale·q·k", scores.toArray());
        double softcap = config.softcap();
        Tensor logits = softcap > 0 ? scores.map(z -> softcap * Math.tanh(z / softcap)) : scores;   // [B, H, T, S]
        if (call.additive() != null) {
            logits = logits.add(call.additive());                                                  // [B, H, T, S]
        }
        if (call.hidden() != null) {
            logits = logits.maskedFill(call.hidden(), Double.NEGATIVE_INFINITY);                  // [B, H, T, S]
        }
        return logits;
    }

    /**
     * {@code p[·, s] = exp(logit_s − m) / Σ_s' exp(logit_s' − m)}, {@code m = max_s logit_s}, over the
     * last axis. A row whose logits are all −∞ has no visible key: it becomes all zeros (its output
     * row is then 0), where a plain softmax would give 0/0 = NaN.
     */
    static Tensor softmaxOverKeys(Tensor logits) {
        Tensor emptyRow = logits.max(-1, true).eq(Double.NEGATIVE_INFINITY);   // [B, H, T, 1], 1 = no visible key
        return logits.maskedFill(emptyRow, 0.0)                                // empty rows → finite, so no NaN
                .softmax(-1)                                                    // [B, H, T, S]
                .maskedFill(emptyRow, 0.0);                                     // empty rows → 0
    }

    // ---------------------------------------------------------------- latent and factorized modules

    /** {@code y = x / √(mean_d x² + ε) ⊙ w} over the last axis: {@code [..., W] → [..., W]}. */
    static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor rms = x.mul(x).mean(-1, true).add(eps).sqrt();   // [..., 1]
        return x.div(rms).mul(weight);                           // [..., W]
    }

    /**
     * Causal logits for T new queries over S = S₀ + T keys, query t at cache index S₀ + t:
     * {@code logit[…, t, s] = −∞} for {@code s > S₀ + t}. Every query sees at least itself, so no row is empty.
     */
    static Tensor causalLogits(Tensor scores, int cachedBefore) {
        int qLen = scores.size(-2);
        int kvLen = scores.size(-1);
        Tensor hidden = Masks.causal(qLen, kvLen, cachedBefore).eq(0.0);            // [T, S], 1 = hidden
        return scores.maskedFill(hidden, Double.NEGATIVE_INFINITY);                 // [B, H, T, S]
    }

    /** Checks x is {@code [B, T, M]} with T ≥ 1, finite, B matching the cache's, and that no options are asked for. */
    static void checkInput(String module, Tensor x, int modelWidth, int cacheBatch, AttentionOptions options) {
        Checks.notNull("input x", x);
        Checks.notNull("options", options);
        if (!options.isNone()) {
            throw new IllegalArgumentException(module + " attends causally over its cache and takes no masks, padding "
                    + "or position options; expected AttentionOptions.none()");
        }
        if (x.dim() != 3 || x.size(2) != modelWidth || x.size(1) == 0) {
            throw new IllegalArgumentException(module + " of width " + modelWidth + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B, T ≥ 1, " + modelWidth + "]");
        }
        if (x.size(0) != cacheBatch) {
            throw new IllegalArgumentException("cache holds " + cacheBatch + " sequences but the input has batch "
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

    private static void requireBroadcasts(String name, Tensor mask, int[] target) {
        int[] shape = mask.shape();
        boolean fits = shape.length <= target.length;
        for (int i = 1; fits && i <= shape.length; i++) {
            int have = shape[shape.length - i];
            fits = have == 1 || have == target[target.length - i];
        }
        if (!fits) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape)
                    + "; expected a shape that broadcasts to [B, H, T, S] = " + Arrays.toString(target)
                    + " (aligned from the right)");
        }
    }
}
