package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every count of {@link ModelCatalogue} against a figure worked out by hand from the published
 * hyper-parameters (the sum of the terms is written above each assertion), and the published
 * figures named in docs/MATH.md.
 */
class ModelCatalogueTest {

    @Test
    void deepSeekV3AttentionParametersPerLayerAreThePublished187107328() {
        // M 7168, H 128, C_q 1536, C 512, D_nope 128, P 64, Dv 128:
        //   W_DQ  7168·1536           =  11,010,048
        //   q_norm                    =       1,536
        //   W_UQ  1536·128·(128+64)   =  37,748,736
        //   W_DKV 7168·(512+64)       =   4,128,768
        //   kv_norm                   =         512
        //   W_UKV 512·128·(128+128)   =  16,777,216
        //   W_O   128·128·7168        = 117,440,512
        //   sum                       = 187,107,328
        assertEquals(187_107_328L, ModelCatalogue.DEEPSEEK_V3.attention().parametersPerLayer());
    }

    @Test
    void deepSeekV2LiteHasNoQueryCompressionAndThePublished13763072() {
        // M 2048, H 16, no q compression, C 512, D_nope 128, P 64, Dv 128:
        //   W_Q   2048·16·(128+64)    =  6,291,456
        //   W_DKV 2048·(512+64)       =  1,179,648
        //   kv_norm                   =        512
        //   W_UKV 512·16·(128+128)    =  2,097,152
        //   W_O   16·128·2048         =  4,194,304
        //   sum                       = 13,763,072
        assertEquals(0, ((MlaShape) ModelCatalogue.DEEPSEEK_V2_LITE.attention()).qLoraRank());
        assertEquals(13_763_072L, ModelCatalogue.DEEPSEEK_V2_LITE.attention().parametersPerLayer());
    }

    @Test
    void step3MfaAttentionParametersPerLayerAreThePublished169347072() {
        // M 7168, H 64, C_q 2048, C 256, one shared key/value head:
        //   S_Q   7168·2048           =  14,680,064
        //   q_norm                    =       2,048
        //   Q_c   2048·64·256         =  33,554,432
        //   S_K   7168·256            =   1,835,008
        //   S_V   7168·256            =   1,835,008
        //   W_O   64·256·7168         = 117,440,512
        //   sum                       = 169,347,072
        assertEquals(169_347_072L, ModelCatalogue.STEP_3.attention().parametersPerLayer());
    }

    @Test
    void deepSeekV2AttentionParametersPerLayerSumEveryProjectionAndBothLatentNorms() {
        // M 5120, H 128, C_q 1536, C 512, D_nope 128, P 64, Dv 128:
        //   W_DQ  5120·1536 = 7,864,320;   q_norm 1,536;   W_UQ 1536·128·192 = 37,748,736
        //   W_DKV 5120·576  = 2,949,120;   kv_norm  512;   W_UKV 512·128·256 = 16,777,216
        //   W_O   128·128·5120 = 83,886,080
        //   sum = 149,227,520
        assertEquals(149_227_520L, ModelCatalogue.DEEPSEEK_V2.attention().parametersPerLayer());
    }

    @Test
    void gqaFamilyParametersPerLayerCountQueryKeyValueAndOutputProjections() {
        // Llama-2-7B: 4 · 4096·4096 = 67,108,864.
        assertEquals(67_108_864L, ModelCatalogue.LLAMA_2_7B.attention().parametersPerLayer());
        // Llama-2-70B and DeepSeek 67B: W_Q and W_O 8192·8192 = 67,108,864 each, W_K and W_V
        // 8192·(8·128) = 8,388,608 each; 2·67,108,864 + 2·8,388,608 = 150,994,944.
        assertEquals(150_994_944L, ModelCatalogue.LLAMA_2_70B.attention().parametersPerLayer());
        assertEquals(150_994_944L, ModelCatalogue.DEEPSEEK_67B.attention().parametersPerLayer());
        // Llama-3-8B and Mistral-7B: 2·4096·4096 + 2·4096·1024 = 33,554,432 + 8,388,608 = 41,943,040.
        assertEquals(41_943_040L, ModelCatalogue.LLAMA_3_8B.attention().parametersPerLayer());
        assertEquals(41_943_040L, ModelCatalogue.MISTRAL_7B.attention().parametersPerLayer());
        // Falcon-7B, fused query_key_value [(71 + 2)·64, 4544] = 4672·4544 = 21,229,568 and dense
        // 4544·4544 = 20,647,936; sum 41,877,504.
        assertEquals(41_877_504L, ModelCatalogue.FALCON_7B.attention().parametersPerLayer());
    }

    @Test
    void mlaCachesLatentPlusRopeKeyPerTokenAndThePublishedTotals() {
        // (C + P)·L = (512 + 64)·L = 576·L.
        assertEquals(576L, ModelCatalogue.DEEPSEEK_V3.attention().kvValuesPerTokenPerLayer());
        // V2: 576·60 = 34,560.
        assertEquals(34_560L, ModelCatalogue.DEEPSEEK_V2.kvValuesPerToken());
        // V2-Lite: 576·27 = 15,552.
        assertEquals(15_552L, ModelCatalogue.DEEPSEEK_V2_LITE.kvValuesPerToken());
        // V3: 576·61 = 35,136.
        assertEquals(35_136L, ModelCatalogue.DEEPSEEK_V3.kvValuesPerToken());
    }

    @Test
    void naiveMlaWouldCacheEveryHeadsKeyAndValue() {
        // V3: H·(D_nope + P) + H·Dv = 128·192 + 128·128 = 24,576 + 16,384 = 40,960.
        assertEquals(40_960L, ((MlaShape) ModelCatalogue.DEEPSEEK_V3.attention()).naiveKvValuesPerTokenPerLayer());
    }

    @Test
    void step3MfaCachesOneKeyAndOneValueOfWidthC() {
        // 2·C·L = 2·256·61 = 31,232.
        assertEquals(512L, ModelCatalogue.STEP_3.attention().kvValuesPerTokenPerLayer());
        assertEquals(31_232L, ModelCatalogue.STEP_3.kvValuesPerToken());
    }

    @Test
    void mfaKeyReuseCachesHalfOfMfa() {
        // MFA-KR caches only k̄: C per layer. With Step-3's shape, 256·61 = 15,616.
        ModelConfig keyReuse = new ModelConfig("Step-3 shape, MFA-KR", 61, new MfaShape(7168, 64, 2048, 256, true), "test");
        assertEquals(AttentionVariant.MFA_KR, keyReuse.variant());
        assertEquals(15_616L, keyReuse.kvValuesPerToken());
    }

    @Test
    void gqaFamilyCachesTwoTimesKvHeadsTimesHeadDimPerLayer() {
        // Llama-2-7B, MHA: 2·32·128·32 = 262,144 values = 524,288 bytes at bf16 (the quoted 0.5 MiB per token).
        assertEquals(262_144L, ModelCatalogue.LLAMA_2_7B.kvValuesPerToken());
        assertEquals(524_288L, ModelCatalogue.LLAMA_2_7B.kvBytesPerToken(ModelConfig.BF16_BYTES));
        // Llama-2-70B, GQA: 2·8·128·80 = 163,840.
        assertEquals(163_840L, ModelCatalogue.LLAMA_2_70B.kvValuesPerToken());
        // DeepSeek 67B, GQA: 2·8·128·95 = 194,560.
        assertEquals(194_560L, ModelCatalogue.DEEPSEEK_67B.kvValuesPerToken());
        // Falcon-7B, MQA: 2·64·32 = 4,096.
        assertEquals(4_096L, ModelCatalogue.FALCON_7B.kvValuesPerToken());
    }

    @Test
    void ablationEntriesReproduceAppendixD2ElementCounts() {
        // Small: 2·16·128·27 = 110,592 (110.6K). Large: 2·56·128·60 = 860,160 (860.2K).
        assertEquals(110_592L, ModelCatalogue.DEEPSEEK_V2_SMALL_MHA_ABLATION.kvValuesPerToken());
        assertEquals(860_160L, ModelCatalogue.DEEPSEEK_V2_LARGE_MHA_ABLATION.kvValuesPerToken());
    }

    @Test
    void variantFollowsFromTheNumberOfKvHeads() {
        assertEquals(AttentionVariant.MHA, ModelCatalogue.LLAMA_2_7B.variant());
        assertEquals(AttentionVariant.GQA, ModelCatalogue.LLAMA_3_8B.variant());
        assertEquals(AttentionVariant.MQA, ModelCatalogue.FALCON_7B.variant());
        assertEquals(AttentionVariant.MLA, ModelCatalogue.DEEPSEEK_V2.variant());
        assertEquals(AttentionVariant.MFA, ModelCatalogue.STEP_3.variant());
    }

    @Test
    void everyEntryHasAUniqueNameAndASource() {
        Set<String> names = new HashSet<>();
        for (ModelConfig model : ModelCatalogue.all()) {
            assertTrue(names.add(model.name()), "duplicate name " + model.name());
            assertTrue(model.source().length() > 20, "source of " + model.name() + " is too short to trace");
        }
        assertEquals(12, names.size());
        assertEquals(ModelCatalogue.STEP_3, ModelCatalogue.byName("Step-3"));
    }

    @Test
    void badShapesAreRejectedWithTheValueAndWhatWasExpected() {
        assertEquals("numKvHeads (3) must divide numHeads (8)",
                assertThrows(IllegalArgumentException.class, () -> GqaShape.of(64, 8, 3, 8)).getMessage());
        assertEquals("qkRopeHeadDim (63) must be even: rotary dimensions rotate in pairs",
                assertThrows(IllegalArgumentException.class, () -> new MlaShape(64, 2, 0, 16, 8, 63, 8)).getMessage());
        assertEquals("qLoraRank (-1) must be non-negative",
                assertThrows(IllegalArgumentException.class, () -> new MlaShape(64, 2, -1, 16, 8, 4, 8)).getMessage());
        assertEquals("headDim (7) must be even: RoPE rotates every pair of the shared head",
                assertThrows(IllegalArgumentException.class, () -> new MfaShape(64, 2, 16, 7, false)).getMessage());
        assertEquals("numLayers of tiny (0) must be positive",
                assertThrows(IllegalArgumentException.class,
                        () -> new ModelConfig("tiny", 0, GqaShape.of(8, 2, 1, 4), "test")).getMessage());
        String unknown = assertThrows(IllegalArgumentException.class, () -> ModelCatalogue.byName("GPT-5")).getMessage();
        assertTrue(unknown.startsWith("unknown model (GPT-5); expected one of Llama-2-7B, "), unknown);
    }
}
