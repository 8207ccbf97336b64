package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import java.util.Arrays;

/**
 * The four projections of an attention block of the GQA family, in PyTorch's {@code nn.Linear}
 * layout ({@code y = x·Wᵀ + b}, weight {@code [out, in]}). One set of weights can drive
 * {@link MultiHeadAttention}, {@link MultiQueryAttention} and {@link GroupedQueryAttention} alike,
 * which is what lets the laws compare them on equal terms.
 *
 * <table>
 *   <caption>Shapes (for a configuration with M, H, G, D, Dv)</caption>
 *   <tr><th>projection</th><th>weight</th><th>bias</th><th>rows</th></tr>
 *   <tr><td>query W_Q</td><td>[H·D, M]</td><td>[H·D]</td><td>row h·D + d is dim d of query head h</td></tr>
 *   <tr><td>key W_K</td><td>[G·D, M]</td><td>[G·D]</td><td>row g·D + d is dim d of key head g</td></tr>
 *   <tr><td>value W_V</td><td>[G·Dv, M]</td><td>[G·Dv]</td><td>row g·Dv + d is dim d of value head g</td></tr>
 *   <tr><td>output W_O</td><td>[M, H·Dv]</td><td>[M]</td><td>column h·Dv + d reads dim d of head h's output</td></tr>
 * </table>
 * A bias is present exactly when {@link ProjectionBias} says so. All weights are finite (checked by
 * {@link Linear}) and read only.
 *
 * <p>{@link #init} draws W_Q, W_K, W_V, W_O in that order, each as {@link Linear#init} does (weight
 * then bias, {@code U(−1/√in, 1/√in)}). Checked by {@code AttentionConfigTest}.
 */
public record AttentionWeights(Linear query, Linear key, Linear value, Linear output) {

    public AttentionWeights {
        Checks.notNull("query projection", query);
        Checks.notNull("key projection", key);
        Checks.notNull("value projection", value);
        Checks.notNull("output projection", output);
    }

    /** Seeded weights for {@code config}: W_Q, W_K, W_V, W_O drawn in that order from {@code random}. */
    public static AttentionWeights init(AttentionConfig config, SeededRandom random) {
        Checks.notNull("config", config);
        Checks.notNull("random", random);
        int m = config.modelWidth();
        ProjectionBias bias = config.bias();
        Linear query = Linear.init(m, config.numHeads() * config.headDim(), bias.query(), random);
        Linear key = Linear.init(m, config.numKvHeads() * config.headDim(), bias.key(), random);
        Linear value = Linear.init(m, config.numKvHeads() * config.valueDim(), bias.value(), random);
        Linear output = Linear.init(config.numHeads() * config.valueDim(), m, bias.output(), random);
        return new AttentionWeights(query, key, value, output);
    }

    /** Throws unless every projection has the shape and bias {@code config} asks for. */
    public void requireFits(AttentionConfig config) {
        int m = config.modelWidth();
        int h = config.numHeads();
        int g = config.numKvHeads();
        int d = config.headDim();
        int dv = config.valueDim();
        ProjectionBias bias = config.bias();
        requireProjection("query projection W_Q", query, "[H·D, M]", h * d, m, bias.query(), "bias.query");
        requireProjection("key projection W_K", key, "[G·D, M]", g * d, m, bias.key(), "bias.key");
        requireProjection("value projection W_V", value, "[G·Dv, M]", g * dv, m, bias.value(), "bias.value");
        requireProjection("output projection W_O", output, "[M, H·Dv]", m, h * dv, bias.output(), "bias.output");
    }

    private static void requireProjection(String name, Linear layer, String symbolic, int out, int in,
            boolean wantsBias, String flag) {
        int[] actual = layer.weight().shape();
        if (actual[0] != out || actual[1] != in) {
            throw new IllegalArgumentException(name + " weight has shape " + Arrays.toString(actual) + "; expected "
                    + symbolic + " = [" + out + ", " + in + "]");
        }
        if (layer.hasBias() != wantsBias) {
            throw new IllegalArgumentException(name + (layer.hasBias() ? " has a bias" : " has no bias")
                    + " but the configuration says " + flag + " = " + wantsBias);
        }
    }
}
