package dev.attnref.golden.judge;

/**
 * Why a golden variant other than {@code attention} reaches no runtime's attention operator: each computes more
 * than attention on given q, k, v (reference-data/README.md, "Variants"), and the judge hands a runtime only
 * what its operator takes.
 */
final class VariantReasons {
    private VariantReasons() {
    }

    static String of(String variant) {
        if (variant.startsWith("mirror.")) {
            return "a seed article's whole module as published or fixed (projections, its own masking), not one operator call";
        }
        return switch (variant) {
            case "gqa" -> "projections, RoPE and a KV cache around attention; the operator takes q, k, v";
            case "rope" -> "rotary embedding alone, no attention";
            case "mla" -> "MLA's latent projections, decoupled RoPE and absorbed or naive products; no runtime op has them";
            case "mfa" -> "MFA's factorised query heads and shared key/value; no runtime op has them";
            case "norm", "ffn" -> "a decoder part without attention";
            case "decoder_block", "generation" -> "a whole decoder block or model, not one attention call";
            default -> "not an attention call on given q, k, v";
        };
    }
}
