package dev.attnref.model;

import dev.attnref.core.Checks;
import java.util.BitSet;

/**
 * Repetition penalty on the logits of tokens already in the sequence, in the two published forms.
 * {@code U} is the set of distinct token ids in the history (prompt and generated tokens, as HF
 * passes {@code input_ids}); each token of U is penalised once, however often it occurred.
 *
 * <table>
 *   <caption>Forms</caption>
 *   <tr><th>form</th><th>for v ∈ U</th><th>value</th><th>source</th></tr>
 *   <tr><td>{@link Form#SCALE}</td><td>{@code lᵥ > 0 ? lᵥ / θ : lᵥ · θ}</td><td>θ finite, &gt; 0; θ &gt; 1 penalises,
 *       θ = 1 is the identity</td><td>Keskar et al. 2019 (CTRL, §4.1) with HF's sign fix: CTRL divides every
 *       logit by θ, which raises a negative logit; HF's {@code RepetitionPenaltyLogitsProcessor} multiplies
 *       negative ones instead ({@code lᵥ = 0} stays 0)</td></tr>
 *   <tr><td>{@link Form#SUBTRACT}</td><td>{@code lᵥ − α}</td><td>α finite; α &gt; 0 penalises</td><td>seed 001
 *       ("把它们对应的 Logits 强行减去一个值(比如减 2.0)"); the same shift as OpenAI's presence penalty</td></tr>
 *   <tr><td>{@link Form#NONE}</td><td>{@code lᵥ}</td><td>—</td><td></td></tr>
 * </table>
 * Tokens outside U are unchanged; −∞ stays −∞. Checked by {@code LogitsProcessingTest}.
 */
public record RepetitionPenalty(Form form, double value) {
    /** Which published rule the penalty follows. */
    public enum Form {
        NONE,
        SCALE,
        SUBTRACT
    }

    public RepetitionPenalty {
        Checks.notNull("penalty form", form);
        if (form == Form.SCALE) {
            Checks.positiveFinite("repetition penalty θ", value);
        } else {
            Checks.finite("repetition penalty α", value);
        }
    }

    public static RepetitionPenalty none() {
        return new RepetitionPenalty(Form.NONE, 0.0);
    }

    /** The CTRL / HF form: divide positive logits by θ, multiply negative ones by θ. */
    public static RepetitionPenalty scale(double theta) {
        return new RepetitionPenalty(Form.SCALE, theta);
    }

    /** Seed 001's form: subtract α from the logit of every token already seen. */
    public static RepetitionPenalty subtract(double alpha) {
        return new RepetitionPenalty(Form.SUBTRACT, alpha);
    }

    /** The penalised copy of {@code logits [V]} given the token {@code history}. */
    public double[] apply(double[] logits, int[] history) {
        LogitsProcessing.checkRow(logits);
        Checks.notNull("history", history);
        // U = distinct ids of the history
        BitSet seen = new BitSet(logits.length);
        for (int i = 0; i < history.length; i++) {
            if (history[i] < 0 || history[i] >= logits.length) {
                throw new IllegalArgumentException("history token " + history[i] + " at index " + i
                        + " is outside the vocabulary: expected 0 ≤ id < " + logits.length);
            }
            seen.set(history[i]);
        }
        double[] out = logits.clone();
        if (form == Form.NONE) {
            return out;
        }
        for (int v = seen.nextSetBit(0); v >= 0; v = seen.nextSetBit(v + 1)) {
            if (form == Form.SCALE) {
                // lᵥ ← lᵥ / θ if lᵥ > 0, lᵥ · θ otherwise
                out[v] = out[v] > 0 ? out[v] / value : out[v] * value;
            } else {
                // lᵥ ← lᵥ − α
                out[v] = out[v] - value;
            }
        }
        return out;
    }

    public String describe() {
        return switch (form) {
            case NONE -> "none";
            case SCALE -> "scale θ=" + value + " (÷θ if > 0, ×θ if ≤ 0)";
            case SUBTRACT -> "subtract α=" + value;
        };
    }
}
