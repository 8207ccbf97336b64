package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Absolute learned position embedding (GPT-2's {@code wpe}): row {@code p} of a table is added to
 * the token embedding at absolute position {@code p} ("如果是绝对位置编码(如 GPT-2)，直接加：X = X + P",
 * seed 001).
 *
 * <pre>
 *   Y[b, t, :] = X[b, t, :] + P[start + t, :]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>P (weight)</td><td>[maxPositions, M]</td><td>finite; read only</td></tr>
 *   <tr><td>X</td><td>[B, T, M]</td><td>read only</td></tr>
 *   <tr><td>start</td><td>scalar</td><td>absolute position of t = 0 (the cache length when decoding); start + T ≤ maxPositions</td></tr>
 *   <tr><td>Y</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>{@link #random} draws {@code P ~ N(0, std²)} ({@code std = 1} is PyTorch's {@code nn.Embedding} default).
 * Checked by {@code EmbeddingTest}.
 */
public final class LearnedPositionEmbedding {
    private final Tensor weight;

    public LearnedPositionEmbedding(Tensor weight) {
        Checks.notNull("position embedding weight", weight);
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("position embedding weight has shape " + Arrays.toString(weight.shape())
                    + "; expected [maxPositions, modelWidth]");
        }
        Checks.positive("maxPositions", weight.size(0));
        Checks.allFinite("position embedding weight", weight.toArray());
        this.weight = weight;
    }

    /** {@code P ~ N(0, std²)} of shape {@code [maxPositions, M]}, row-major draws. */
    public static LearnedPositionEmbedding random(int maxPositions, int modelWidth, double std, SeededRandom random) {
        Checks.positive("maxPositions", maxPositions);
        Checks.positive("modelWidth", modelWidth);
        Checks.positiveFinite("position embedding std", std);
        return new LearnedPositionEmbedding(Tensor.randn(random, std, maxPositions, modelWidth));
    }

    public Tensor weight() {
        return weight;
    }

    public int maxPositions() {
        return weight.size(0);
    }

    public int modelWidth() {
        return weight.size(1);
    }

    /** {@code X [B, T, M]} plus rows {@code start … start+T−1} of the table. */
    public Tensor forward(Tensor x, int start) {
        if (x.dim() != 3 || x.size(2) != modelWidth()) {
            throw new IllegalArgumentException("position embedding of width " + modelWidth() + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B, T, " + modelWidth() + "]");
        }
        Checks.nonNegative("start position", start);
        int length = x.size(1);
        if ((long) start + length > maxPositions()) {
            throw new IllegalArgumentException("position " + (start + length - 1) + " (start " + start + " + T " + length
                    + " − 1) is beyond the learned table: expected positions < maxPositions (" + maxPositions() + ")");
        }
        // Y = X + P[start : start+T]   (bt m + t m → bt m, broadcast over b)
        return x.add(weight.narrow(0, start, length));              // [B, T, M]
    }
}
