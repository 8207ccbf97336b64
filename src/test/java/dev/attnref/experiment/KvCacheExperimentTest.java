package dev.attnref.experiment;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * E01's figures against the published ones (DeepSeek-V2 Table 1 and Appendix D.2, the 93.3% claim, MFA's
 * 93.7%, Step-3 vs DeepSeek-V3), each worked by hand from the configurations.
 */
class KvCacheExperimentTest {

    private static KvCacheExperiment.Entry entry(String model, String form) {
        return KvCacheExperiment.entries().stream().filter(e -> e.model().equals(model) && e.form().equals(form))
                .findFirst().orElseThrow(() -> new AssertionError("no entry " + model + " / " + form));
    }

    private static double claim(String id, String column) {
        Table t = KvCacheExperiment.claims().table();
        for (int r = 0; r < t.rowCount(); r++) {
            if (Results.text(t, "claim", r).equals(id)) {
                return Results.number(t, column, r);
            }
        }
        throw new AssertionError("no claim " + id);
    }

    @Test
    void deepSeekV2CachesThePublished34point6KValuesPerToken() {
        // (C + P)·L = (512 + 64)·60 = 34,560 ≈ 34.6K (Appendix D.2)
        assertEquals(34_560, entry("DeepSeek-V2", "MLA (absorbed)").valuesPerToken());
        // naive: 128·(128 + 64) + 128·128 = 40,960 per layer
        assertEquals(40_960, entry("DeepSeek-V2", "MLA (naive)").valuesPerTokenPerLayer());
    }

    @Test
    void ablationPairsMatchAppendixD2() {
        // small: MLA 576·27 = 15,552 ≈ 15.6K vs MHA 2·16·128·27 = 110,592 ≈ 110.6K
        assertEquals(15_552, entry("DeepSeek-V2-Lite", "MLA (absorbed)").valuesPerToken());
        assertEquals(110_592, entry("DeepSeek-V2 ablation: small MoE, MHA", "MHA").valuesPerToken());
        // large: 2·56·128·60 = 860,160 ≈ 860.2K
        assertEquals(860_160, entry("DeepSeek-V2 ablation: large MoE, MHA", "MHA").valuesPerToken());
    }

    @Test
    void theNinetyThreePointThreePercentCountsSixBitBytesNotElements() {
        // bytes: 1 − 34,560·6 / (194,560·16) = 1 − 207,360 / 3,112,960 = 93.339%
        assertEquals(100 * (1 - 207_360.0 / 3_112_960.0), claim("deepseek-v2-vs-67b-bytes", "saving_percent"), Tolerances.SAVING_PERCENT);
        // elements: 1 − 34,560 / 194,560 = 82.237%
        assertEquals(100 * (1 - 34_560.0 / 194_560.0), claim("deepseek-v2-vs-67b-elements", "saving_percent"), Tolerances.SAVING_PERCENT);
    }

    @Test
    void mfaKeyReuseAtAnEighthOfTheWidthSavesNinetyThreePointSevenFivePercent() {
        // C / (2·M) = (M/8) / (2M) = 1/16 → 93.75%
        assertEquals(93.75, claim("mfa-kr-vs-mha-at-eighth-width", "saving_percent"), Tolerances.SAVING_PERCENT);
    }

    @Test
    void stepThreeCachesLessThanDeepSeekV3() {
        // Step-3: 2·256·61 = 31,232; V3: 576·61 = 35,136; 31,232 / 35,136 = 0.8889
        assertEquals(31_232, entry("Step-3", "MFA").valuesPerToken());
        assertEquals(35_136, entry("DeepSeek-V3", "MLA (absorbed)").valuesPerToken());
        assertEquals(31_232.0 / 35_136.0, claim("step3-vs-deepseek-v3", "fraction"), Tolerances.CACHE_FRACTION);
        // with key reuse: 256·61 = 15,616
        assertEquals(15_616, entry("Step-3 with key reuse (hypothetical)", "MFA-KR").valuesPerToken());
    }

    @Test
    void tableOneGivesMlaFourAndAHalfHeadWidthsPerLayer() {
        // (d_c + d_R) / d_h = (512 + 64) / 128 = 4.5; MHA 2·n_h = 256; GQA 2·n_g = 16; MQA 2
        Table t = KvCacheExperiment.table1().table();
        assertEquals(List.of(256.0, 16.0, 2.0, 4.5), List.of(Results.number(t, "in_units_of_dh_l", 0),
                Results.number(t, "in_units_of_dh_l", 1), Results.number(t, "in_units_of_dh_l", 2),
                Results.number(t, "in_units_of_dh_l", 3)));
    }

    @Test
    void stepThreeAgainstAnMhaOfItsWidthSavesMoreThanTheEighthWidthReading() {
        // MHA with H·D = M = 7,168: 2·7,168 = 14,336 per layer; MFA 2·256 = 512 → 1 − 512/14,336 = 96.43%;
        // MFA-KR 256 → 1 − 256/14,336 = 98.21%
        assertEquals(100 * (1 - 512.0 / 14_336), claim("step3-mfa-vs-mha-same-width", "saving_percent"), Tolerances.SAVING_PERCENT);
        assertEquals(100 * (1 - 256.0 / 14_336), claim("step3-mfa-kr-vs-mha-same-width", "saving_percent"), Tolerances.SAVING_PERCENT);
    }

    @Test
    void llama2SevenBFitsBesideItsWeightsOnOneH100() {
        // bf16 bytes per token 2·32·128·32·2 = 524,288; weights 6.74e9·2 = 13.48e9 B;
        // ⌊(80e9 − 13.48e9) / 524,288⌋ = ⌊126,876.8⌋ = 126,876 on t = 1
        KvCacheExperiment.Entry e = entry("Llama-2-7B", "MHA");
        assertEquals(524_288, e.bytesPerToken(KvPrecision.BF16));
        KvCacheExperiment.Fit fit = KvCacheExperiment.fit(e, HardwareCatalogue.H100_SXM, KvPrecision.BF16, 8);
        assertEquals(1, fit.tensorParallel());
        assertEquals(126_876, fit.tokens());
    }

    @Test
    void deepSeekV2NeedsEightH100sAndReplicatesItsLatentOnEach() {
        // weights 236e9·2 = 472e9 B: 236e9 on 2, 118e9 on 4 exceed 80e9; 59e9 on 8 leaves 21e9 per device.
        // The latent cache (576·60·2 = 69,120 B per token) is not split: ⌊21e9 / 69,120⌋ = 303,819
        KvCacheExperiment.Fit fit = KvCacheExperiment.fit(entry("DeepSeek-V2", "MLA (absorbed)"),
                HardwareCatalogue.H100_SXM, KvPrecision.BF16, 8);
        assertEquals(8, fit.tensorParallel());
        assertEquals(69_120, fit.cacheBytes());
        assertEquals(303_819, fit.tokens());
    }

    @Test
    void deepSeekV3AtBf16DoesNotFitOnEightH100s() {
        // 671e9·2 = 1,342e9 B; / 8 = 167.75e9 > 80e9
        assertEquals(0, KvCacheExperiment.fit(entry("DeepSeek-V3", "MLA (absorbed)"), HardwareCatalogue.H100_SXM,
                KvPrecision.BF16, 8).tensorParallel());
    }

    @Test
    void gqaSplitsItsCacheOverAtMostGDevices() {
        // Llama-2-70B: 137.96e9 B of weights → t = 2 on H100 (68.98e9 each, 11.02e9 free); G = 8 ≥ 2 → cache / 2:
        // 2·8·128·80·2 / 2 = 163,840 B per device; ⌊11.02e9 / 163,840⌋ = 67,260
        KvCacheExperiment.Fit fit = KvCacheExperiment.fit(entry("Llama-2-70B", "GQA"), HardwareCatalogue.H100_SXM,
                KvPrecision.BF16, 8);
        assertEquals(2, fit.tensorParallel());
        assertEquals(163_840, fit.cacheBytes());
        assertEquals(67_260, fit.tokens());
    }
}
