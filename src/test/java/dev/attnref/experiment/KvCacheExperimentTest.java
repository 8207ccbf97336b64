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
        assertEquals(100 * (1 - 207_360.0 / 3_112_960.0), claim("deepseek-v2-vs-67b-bytes", "saving_percent"), 1e-9);
        // elements: 1 − 34,560 / 194,560 = 82.237%
        assertEquals(100 * (1 - 34_560.0 / 194_560.0), claim("deepseek-v2-vs-67b-elements", "saving_percent"), 1e-9);
    }

    @Test
    void mfaKeyReuseAtAnEighthOfTheWidthSavesNinetyThreePointSevenFivePercent() {
        // C / (2·M) = (M/8) / (2M) = 1/16 → 93.75%
        assertEquals(93.75, claim("mfa-kr-vs-mha-at-eighth-width", "saving_percent"), 1e-9);
    }

    @Test
    void stepThreeCachesLessThanDeepSeekV3() {
        // Step-3: 2·256·61 = 31,232; V3: 576·61 = 35,136; 31,232 / 35,136 = 0.8889
        assertEquals(31_232, entry("Step-3", "MFA").valuesPerToken());
        assertEquals(35_136, entry("DeepSeek-V3", "MLA (absorbed)").valuesPerToken());
        assertEquals(31_232.0 / 35_136.0, claim("step3-vs-deepseek-v3", "fraction"), 1e-12);
        // with key reuse: 256·61 = 15,616
        assertEquals(15_616, entry("Step-3 with key reuse", "MFA-KR").valuesPerToken());
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
    void llama2SevenBFitsOneHundredFiftyTwoThousandTokensOnAnH100() {
        // bf16 bytes per token 2·32·128·32·2 = 524,288; ⌊80e9 / 524,288⌋ = ⌊152,587.89⌋ = 152,587
        KvCacheExperiment.Entry e = entry("Llama-2-7B", "MHA");
        assertEquals(524_288, e.bytesPerToken(KvPrecision.BF16));
        assertEquals(152_587, (long) Math.floor(HardwareCatalogue.H100_SXM.capacity() / e.bytesPerToken(KvPrecision.BF16)));
    }
}
