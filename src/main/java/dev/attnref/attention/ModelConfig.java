package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * One real model's attention configuration: its per-layer {@link AttentionShape}, its layer count
 * L, and where the numbers come from.
 *
 * <pre>
 *   KV values per token     = (values per token per layer) · L
 *   KV bytes per token      = KV values per token · bytes per value      (bf16: 2)
 *   attention parameters    = parameters per layer · L
 * </pre>
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>name</td><td>non-blank; unique in {@link ModelCatalogue}</td></tr>
 *   <tr><td>numLayers</td><td>L ≥ 1</td></tr>
 *   <tr><td>attention</td><td>non-null</td></tr>
 *   <tr><td>source</td><td>non-blank: the paper (arXiv id) and the {@code config.json} keys the numbers were
 *       read from, a file read at a commit as its permalink, and what was inferred rather than published</td></tr>
 * </table>
 */
public record ModelConfig(String name, int numLayers, AttentionShape attention, String source) {

    /** Bytes per value of bf16 (and fp16), the dtype the catalogue's byte column assumes. */
    public static final int BF16_BYTES = 2;

    public ModelConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("model name (" + name + ") must be non-blank");
        }
        Checks.positive("numLayers of " + name, numLayers);
        Checks.notNull("attention shape of " + name, attention);
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("source of " + name + " must be non-blank: every figure names where it comes from");
        }
    }

    public AttentionVariant variant() {
        return attention.variant();
    }

    /** KV values cached per token over all L layers. */
    public long kvValuesPerToken() {
        return attention.kvValuesPerTokenPerLayer() * numLayers;
    }

    /** KV bytes cached per token over all layers at {@code bytesPerValue} bytes each. */
    public long kvBytesPerToken(int bytesPerValue) {
        Checks.positive("bytesPerValue", bytesPerValue);
        return kvValuesPerToken() * bytesPerValue;
    }

    /** Attention parameters over all L layers. */
    public long attentionParameters() {
        return attention.parametersPerLayer() * numLayers;
    }
}
