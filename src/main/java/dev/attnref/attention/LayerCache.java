package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.List;

/**
 * What one attention layer keeps between calls for {@code B} sequences of equal length: the
 * tensors it stores per cached token, and the absolute positions those tokens sit at.
 *
 * <table>
 *   <caption>Contract</caption>
 *   <tr><th>method</th><th>contract</th></tr>
 *   <tr><td>{@link #batchSize()}</td><td>B, fixed at creation</td></tr>
 *   <tr><td>{@link #firstPosition()}</td><td>absolute position of cached token 0, fixed at creation</td></tr>
 *   <tr><td>{@link #length()}</td><td>S, tokens cached so far; grows only through the owning module's forward</td></tr>
 *   <tr><td>{@link #storedTensors()}</td><td>every tensor the cache holds, each with axes B and S; read only</td></tr>
 * </table>
 *
 * <p>{@link #valuesPerToken()} is measured from {@link #storedTensors()}, not declared: it is what
 * the cache actually holds per token, to be compared with the catalogue's formulas
 * ({@link AttentionShape#kvValuesPerTokenPerLayer()}). Checked by {@code CacheSizeLawTest}.
 */
public interface LayerCache {
    /** B, the number of sequences. */
    int batchSize();

    /** Absolute position of the first cached token. */
    int firstPosition();

    /** S, the number of tokens cached so far. */
    int length();

    /** Absolute position the next token will take: {@code firstPosition() + length()}. */
    default int nextPosition() {
        return firstPosition() + length();
    }

    /** Every tensor this cache holds (views of its current state; read only). */
    List<Tensor> storedTensors();

    /** Values held per cached token: {@code Σ numel / (B·S)} over {@link #storedTensors()}; 0 when empty. */
    default long valuesPerToken() {
        long tokens = (long) batchSize() * length();
        if (tokens == 0) {
            return 0;
        }
        long total = 0;
        for (Tensor t : storedTensors()) {
            total += t.numel();
        }
        if (total % tokens != 0) {
            throw new IllegalStateException("cache holds " + total + " values for " + tokens
                    + " tokens; expected a whole number per token");
        }
        return total / tokens;
    }
}
