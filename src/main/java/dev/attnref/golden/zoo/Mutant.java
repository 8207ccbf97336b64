package dev.attnref.golden.zoo;

/**
 * The classic porting bugs of attention code, each a switch of {@link PlainPort}: the port with one of
 * them switched on is a mutant, and the golden vectors must tell it from the correct port (issue 14,
 * "Proof that the vectors catch bugs"). Each description says what the wrong port does; the conventions it
 * breaks are those of reference-data/README.md ("Conventions that change results").
 */
public enum Mutant {
    TILED_GROUPING("tiled-grouping", "query head h reads key/value head h mod G instead of ⌊h / R⌋"),
    CAUSAL_TOP_LEFT("causal-top-left", "causal mask aligned top-left (first = 0) where bottom-right is meant: "
            + "T < S, or later calls on a KV cache"),
    CAUSAL_OFF_BY_ONE("causal-off-by-one", "key s visible iff s < first + t: the diagonal is hidden too"),
    ROPE_PAIRING_SWAPPED("rope-pairing-swapped", "RoPE turns pairs (i, i + P/2) where (2i, 2i + 1) is meant, and "
            + "the reverse"),
    DECODE_POSITIONS_RESTART("decode-positions-restart", "every call on the KV cache rotates its tokens from position 0 "
            + "instead of the number of cached tokens"),
    KEYS_CACHED_BEFORE_ROPE("keys-cached-before-rope", "the KV cache stores keys before RoPE, and later calls attend to "
            + "them unrotated"),
    SCALE_ONE_OVER_D("scale-1-over-d", "default softmax scale 1/D instead of 1/√D"),
    SOFTMAX_NO_MAX("softmax-no-max", "softmax as exp(l) / Σ exp(l), without subtracting the row maximum: exp "
            + "overflows above 88.7 in float32 and bf16"),
    SOFTCAP_AFTER_MASK("softcap-after-mask", "softcap applied after the mask fill and the additive mask: a hidden logit "
            + "becomes −c, finite"),
    INVERTED_MASK("inverted-mask", "boolean masks read with the opposite convention (1 = keep and 1 = hide swapped)"),
    RANK3_MASK_AS_BTS("rank3-mask-as-bts", "a rank-3 mask read as [B, T, S] instead of [H, T, S]"),
    FINITE_FILL("finite-fill", "hidden logits filled with −10000 (BERT's extended attention mask) instead of −∞: "
            + "a fully hidden row becomes uniform"),
    KEY_LENGTHS_IGNORED("key-lengths-ignored", "key_lengths ignored: padded keys stay visible"),
    PARTIAL_ROTARY_WRONG_SLICE("partial-rotary-wrong-slice", "partial RoPE (P < D) turns the last P dims of a head "
            + "instead of the first P"),
    LAYERNORM_UNBIASED("layernorm-unbiased-variance", "LayerNorm with the unbiased variance Σ(x − μ)² / (M − 1) "
            + "(torch.var's default) instead of / M"),
    GELU_TANH_FOR_ERF("gelu-tanh-for-erf", "GELU computed with the tanh approximation where the exact erf form is "
            + "meant"),
    YARN_MSCALE_ONCE("yarn-mscale-once", "MLA's YaRN softmax multiplier (0.1·m·ln f + 1) applied once instead of "
            + "squared"),
    MLA_PER_HEAD_ROPE_KEY("mla-per-head-rope-key", "MLA's shared rope key k_R rotated in place inside the head loop: "
            + "head h sees it turned h + 1 times");

    private final String id;
    private final String description;

    Mutant(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The id in tables and JSON, e.g. {@code tiled-grouping}. */
    public String id() {
        return id;
    }

    /** What the wrong port does. */
    public String description() {
        return description;
    }
}
