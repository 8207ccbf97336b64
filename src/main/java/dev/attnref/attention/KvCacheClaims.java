package dev.attnref.attention;

import java.util.List;

/**
 * The KV-cache claims of docs/MATH.md ("Headline claims and what they measure"), each rebuilt from
 * {@link ModelCatalogue} entries or from the shapes the claim names. Checked by
 * {@code KvCacheClaimsTest}, which works every ratio out by hand.
 */
public final class KvCacheClaims {
    private KvCacheClaims() {
    }

    /** Bits per value of a 16-bit (bf16/fp16) cache. */
    public static final int BITS_16 = 16;

    /** DeepSeek-V2's average bits per KV element after its KV quantisation (arXiv:2405.04434, §3.2.3). */
    public static final int DEEPSEEK_V2_KV_BITS = 6;

    /** DeepSeek-V2 vs DeepSeek 67B by element count: the saving the architecture alone gives. */
    public static final KvCacheClaim V2_VS_67B_ELEMENTS = between("deepseek-v2-vs-67b-elements",
            "(element count; the published 93.3% counts bytes)",
            "arXiv:2405.04434, Figure 1(b) and §1; computed here by element count",
            ModelCatalogue.DEEPSEEK_V2, BITS_16, ModelCatalogue.DEEPSEEK_67B, BITS_16);

    /** The published "93.3%": V2's 6-bit quantised cache against 67B's 16-bit cache. */
    public static final KvCacheClaim V2_VS_67B_BYTES = between("deepseek-v2-vs-67b-bytes",
            "KV cache reduced by 93.3%",
            "arXiv:2405.04434, Figure 1(b) and §1; 6 bits per element after KV quantisation (§3.2.3)",
            ModelCatalogue.DEEPSEEK_V2, DEEPSEEK_V2_KV_BITS, ModelCatalogue.DEEPSEEK_67B, BITS_16);

    /** Appendix D.2, small MoE: MLA needs 14% of MHA's cache. */
    public static final KvCacheClaim V2_SMALL_MLA_VS_MHA = between("deepseek-v2-small-mla-vs-mha",
            "15.6K vs 110.6K KV elements per token",
            "arXiv:2405.04434, Appendix D.2",
            ModelCatalogue.DEEPSEEK_V2_LITE, BITS_16, ModelCatalogue.DEEPSEEK_V2_SMALL_MHA_ABLATION, BITS_16);

    /** Appendix D.2, large MoE: MLA needs 4% of MHA's cache. */
    public static final KvCacheClaim V2_LARGE_MLA_VS_MHA = between("deepseek-v2-large-mla-vs-mha",
            "34.6K vs 860.2K KV elements per token",
            "arXiv:2405.04434, Appendix D.2",
            ModelCatalogue.DEEPSEEK_V2, BITS_16, ModelCatalogue.DEEPSEEK_V2_LARGE_MHA_ABLATION, BITS_16);

    /**
     * MFA's "up to 93.7%": MFA-KR caching C = M/8 values per layer against MHA caching 2·H·D = 2·M.
     * The ratio C / 2M = 1/16 depends on neither M nor L; the shapes below use Step-3's M = 7168 and
     * L = 61, with MHA heads of 128 (H = 56) and MFA-KR's C = 7168 / 8 = 896.
     */
    public static final KvCacheClaim MFA_KR_VS_MHA = between("mfa-kr-vs-mha-at-eighth-width",
            "KV cache reduced by up to 93.7% (MFA-KR)",
            "Hu et al., \"Multi-matrix Factorization Attention\", arXiv:2412.19255, abstract",
            new ModelConfig("MFA-KR, C = M/8", 61, new MfaShape(7168, 64, 2048, 7168 / 8, true),
                    "docs/MATH.md: the claim's reading, C = M/8"),
            BITS_16,
            new ModelConfig("MHA, H·D = M", 61, GqaShape.of(7168, 56, 56, 128),
                    "docs/MATH.md: the claim's baseline, H·D = M"),
            BITS_16);

    /** Every claim, in the order of docs/MATH.md. */
    public static List<KvCacheClaim> all() {
        return List.of(V2_VS_67B_ELEMENTS, V2_VS_67B_BYTES, V2_SMALL_MLA_VS_MHA, V2_LARGE_MLA_VS_MHA, MFA_KR_VS_MHA);
    }

    private static KvCacheClaim between(String id, String published, String source,
            ModelConfig reduced, int reducedBits, ModelConfig baseline, int baselineBits) {
        return new KvCacheClaim(id, published, source, reduced.name(), baseline.name(),
                reduced.kvValuesPerToken(), reducedBits, baseline.kvValuesPerToken(), baselineBits);
    }
}
