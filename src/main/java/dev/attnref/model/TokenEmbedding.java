package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Token embedding: a lookup table of {@code V} rows ("模型持有一个 (V, D) 的大矩阵 … 把对应的行取出来",
 * seed 001), as {@code torch.nn.Embedding}.
 *
 * <pre>
 *   X[b, t, :] = E[ids[b][t], :]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>E (weight)</td><td>[V, M]</td><td>finite; read only; shared with a tied {@link LmHead}</td></tr>
 *   <tr><td>ids</td><td>[B][T] ints</td><td>rectangular; every id in [0, V), else IllegalArgumentException naming it</td></tr>
 *   <tr><td>X</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>{@link #random} draws {@code E ~ N(0, std²)} ({@code std = 1} is PyTorch's default
 * {@code nn.Embedding} initialisation). Checked by {@code EmbeddingTest}.
 */
public final class TokenEmbedding {
    private final Tensor weight;

    /** An embedding with table {@code weight [V, M]}. */
    public TokenEmbedding(Tensor weight) {
        Checks.notNull("embedding weight", weight);
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding weight has shape " + Arrays.toString(weight.shape())
                    + "; expected [vocabSize, modelWidth]");
        }
        Checks.positive("vocabSize", weight.size(0));
        Checks.positive("modelWidth", weight.size(1));
        Checks.allFinite("embedding weight", weight.toArray());
        this.weight = weight;
    }

    /** {@code E ~ N(0, std²)} of shape {@code [V, M]}, row-major draws. */
    public static TokenEmbedding random(int vocabSize, int modelWidth, double std, SeededRandom random) {
        Checks.positive("vocabSize", vocabSize);
        Checks.positive("modelWidth", modelWidth);
        Checks.positiveFinite("embedding std", std);
        return new TokenEmbedding(Tensor.randn(random, std, vocabSize, modelWidth));
    }

    /** The table {@code E [V, M]}. */
    public Tensor weight() {
        return weight;
    }

    public int vocabSize() {
        return weight.size(0);
    }

    public int modelWidth() {
        return weight.size(1);
    }

    /** Checks that {@code id} is a token of this vocabulary; {@code where} locates it in the caller's input. */
    public void checkTokenId(int id, String where) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " " + where + " is outside the vocabulary: expected 0 ≤ id < "
                    + "vocabSize (" + vocabSize() + ")");
        }
    }

    /** {@code ids [B][T] → X [B, T, M]}. */
    public Tensor forward(int[][] ids) {
        int[] shape = tokenShape(ids);
        int batch = shape[0];
        int length = shape[1];
        int width = modelWidth();
        double[] table = weight.toArray();                          // [V, M]
        double[] out = new double[batch * length * width];          // [B, T, M]
        // X[b, t, :] = E[ids[b][t], :]
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int id = ids[b][t];
                checkTokenId(id, "at (b=" + b + ", t=" + t + ")");
                System.arraycopy(table, id * width, out, (b * length + t) * width, width);
            }
        }
        return Tensor.of(out, batch, length, width);
    }

    /** The shape {@code [B, T]} of a rectangular batch of token ids. */
    public static int[] tokenShape(int[][] ids) {
        Checks.notNull("token ids", ids);
        Checks.positive("batch size", ids.length);
        for (int b = 0; b < ids.length; b++) {
            Checks.notNull("token row " + b, ids[b]);
            if (ids[b].length != ids[0].length) {
                throw new IllegalArgumentException("token rows must have one length: row " + b + " has " + ids[b].length
                        + " tokens, row 0 has " + ids[0].length);
            }
        }
        Checks.positive("sequence length", ids[0].length);
        return new int[] {ids.length, ids[0].length};
    }
}
