package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;

/**
 * How one generation step turns the model's logits row {@code [V]} into a token.
 *
 * <pre>
 *   l₁ = penalty(l, history)      {@link RepetitionPenalty} (none, CTRL/HF scale, or seed 001 subtract)
 *   l₂ = l₁ / T                   {@link LogitsProcessing#temperature}
 *   l₃ = topK(l₂, k)              when k &gt; 0
 *   l₄ = topP(l₃, p)              when p &lt; 1 (the nucleus of softmax(l₃))
 *   q  = softmax(l₄)              the distribution the token is drawn from (sums to 1)
 *   token = greedy ? argmax q : inverse-CDF sample of q       {@link Sampling}
 * </pre>
 * The order is HF's: logits processors (repetition penalty) before warpers (temperature, top-k,
 * top-p). Greedy picks {@code argmax l₁} (temperature, top-k and top-p never move the maximum) and
 * draws nothing from the random stream; sampling draws exactly one {@code nextDouble()} per step.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>greedy</td><td>argmax instead of sampling</td></tr>
 *   <tr><td>temperature</td><td>finite, &gt; 0 (T ≤ 0 rejected: greedy is the T → 0 limit, asked for by {@code greedy})</td></tr>
 *   <tr><td>topK</td><td>0 = off, else ≥ 1</td></tr>
 *   <tr><td>topP</td><td>in (0, 1]; 1 = off</td></tr>
 *   <tr><td>penalty</td><td>non-null</td></tr>
 * </table>
 * Checked by {@code SamplingTest}, {@code GenerationTest}.
 */
public record DecodingConfig(boolean greedy, double temperature, int topK, double topP, RepetitionPenalty penalty) {

    public DecodingConfig {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature (" + temperature + ") must be finite and > 0; "
                    + "T → 0 is greedy decoding, which is asked for as greedy, not as T = 0");
        }
        Checks.nonNegative("top-k (0 = off)", topK);
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p (" + topP + ") must be in (0, 1]; 1 = off");
        }
        Checks.notNull("penalty", penalty);
    }

    /** Greedy decoding with no penalty. */
    public static DecodingConfig greedyDecoding() {
        return new DecodingConfig(true, 1.0, 0, 1.0, RepetitionPenalty.none());
    }

    /** Plain sampling at temperature 1, no truncation, no penalty. */
    public static DecodingConfig sampling() {
        return new DecodingConfig(false, 1.0, 0, 1.0, RepetitionPenalty.none());
    }

    /** {@code l₄}: the logits after penalty, temperature, top-k and top-p. */
    public double[] processLogits(double[] logits, int[] history) {
        double[] processed = penalty.apply(logits, history);                 // l₁
        processed = LogitsProcessing.temperature(processed, temperature);    // l₂
        if (topK > 0) {
            processed = LogitsProcessing.topK(processed, topK);              // l₃
        }
        if (topP < 1) {
            processed = LogitsProcessing.topP(processed, topP);              // l₄
        }
        return processed;
    }

    /** {@code q = softmax(l₄)}. */
    public double[] probabilities(double[] logits, int[] history) {
        return LogitsProcessing.softmax(processLogits(logits, history));
    }

    /** The token for distribution {@code q}: argmax, or one inverse-CDF draw from {@code random}. */
    public int choose(double[] probabilities, SeededRandom random) {
        return greedy ? Sampling.greedy(probabilities) : Sampling.sample(probabilities, random);
    }

    public String describe() {
        return (greedy ? "greedy" : "sample") + ", T=" + temperature + ", top-k=" + (topK == 0 ? "off" : topK)
                + ", top-p=" + (topP == 1 ? "off" : topP) + ", penalty " + penalty.describe();
    }
}
