package dev.attnref.attention;

/**
 * Which of the four projections of an attention block carry a bias ({@code nn.Linear(…, bias=…)}
 * per projection). Seed 000's labml MHA builds its value projection with a bias whatever its flag
 * says (bug catalogue, S000-MHA-VBIAS); here each flag is honoured and
 * {@link AttentionWeights} rejects weights that disagree with it.
 *
 * @param query  W_Q has a bias {@code [H·D]}
 * @param key    W_K has a bias {@code [G·D]}
 * @param value  W_V has a bias {@code [G·Dv]}
 * @param output W_O has a bias {@code [M]}
 */
public record ProjectionBias(boolean query, boolean key, boolean value, boolean output) {

    /** No projection has a bias (Llama, Mistral). */
    public static ProjectionBias none() {
        return new ProjectionBias(false, false, false, false);
    }

    /** Every projection has a bias (the original Transformer, PyTorch's {@code nn.MultiheadAttention}). */
    public static ProjectionBias all() {
        return new ProjectionBias(true, true, true, true);
    }
}
