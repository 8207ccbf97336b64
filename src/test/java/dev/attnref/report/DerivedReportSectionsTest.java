package dev.attnref.report;

import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.experiment.KvCacheExperiment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The new derived sections, each figure worked by hand: deployment memory, the quoted ablations and the GPU
 * calibration (roofline predictions and the recomputed Step-3 counts).
 */
class DerivedReportSectionsTest {
    private static final double GIB = 1024.0 * 1024 * 1024;

    private static DeploymentMemory.Row deployment(String model, String precision) {
        return DeploymentMemory.rows().stream()
                .filter(r -> r.entry().model().equals(model) && r.precision().equals(precision)).findFirst().orElseThrow();
    }

    @Test
    void flashMlaFp8RowIs656BytesForDeepSeekShapes() {
        // 512 fp8 values + 4 fp32 scales + 64 bf16 RoPE values
        assertEquals(656, KvCacheExperiment.flashMlaFp8BytesPerTokenPerLayer((MlaShape) ModelCatalogue.DEEPSEEK_V3.attention()));
        assertEquals(656, KvCacheExperiment.flashMlaFp8BytesPerTokenPerLayer((MlaShape) ModelCatalogue.DEEPSEEK_V2.attention()));
    }

    @Test
    void deploymentMemoryByHand() {
        // Llama-2-7B, t = 1: 2·32·128·32 values · 2 B = 512 KiB per token; 4K tokens = 2 GiB; weights 6.74e9·2 B
        DeploymentMemory.Row llama = deployment("Llama-2-7B", "bf16");
        assertEquals(1, llama.tensorParallel());
        assertEquals(2.0, llama.cacheGib(4096), 1e-12);
        assertEquals(6.74e9 * 2 / GIB, llama.weightGib(2), 1e-9);
        // Llama-2-70B: 137.96 GB of bf16 weights need t = 2 on 80 GB; its 8 K/V heads split 2 ways
        DeploymentMemory.Row llama70 = deployment("Llama-2-70B", "bf16");
        assertEquals(2, llama70.tensorParallel());
        assertEquals(2.0 * 8 * 128 * 80 * 2 / 2 * 131072 / GIB, llama70.cacheGib(131072), 1e-9);
        // DeepSeek-V3: no t ≤ 8 holds 1.34 TB of bf16 weights, so t = 8; the latent is replicated, not split
        DeploymentMemory.Row v3 = deployment("DeepSeek-V3", "FlashMLA fp8 (656 B/layer)");
        assertEquals(8, v3.tensorParallel());
        assertEquals(656.0 * 61 * 131072 / GIB, v3.cacheGib(131072), 1e-9);
        assertEquals(671e9 / 8 / GIB, v3.weightGib(1), 1e-9);
    }

    @Test
    void deploymentMemoryCoversThePublishedModelsAndNotTheAblations() {
        Map<String, Long> precisions = DeploymentMemory.rows().stream()
                .collect(Collectors.groupingBy(r -> r.entry().model(), Collectors.counting()));
        assertEquals(10, precisions.size(), precisions.toString());
        assertEquals(4L, precisions.get("DeepSeek-V2"));
        assertEquals(3L, precisions.get("Step-3"));
        assertTrue(DeploymentMemory.section().contains("| Falcon-7B | MQA | 1 |"));
    }

    @Test
    void quotedDeltasAndFractionsByHand() {
        List<QuotedResults.Row> rows = QuotedResults.rows();
        QuotedResults.Row largeMha = rows.stream().filter(r -> r.id().equals("dsv2-t9-large-mha")).findFirst().orElseThrow();
        QuotedResults.Row largeMla = rows.stream().filter(r -> r.id().equals("dsv2-t9-large-mla")).findFirst().orElseThrow();
        // BBH 50.7 − 46.6, MMLU 59.0 − 57.5, C-Eval 59.2 − 57.9, CMMLU 62.5 − 60.7
        assertEquals((4.1 + 1.5 + 1.3 + 1.8) / 4, QuotedResults.delta(largeMla, largeMha), 1e-9);
        assertEquals(34.6 / 860.2, largeMla.kvFraction(), 1e-12);
        QuotedResults.Row mha = rows.stream().filter(r -> r.id().equals("dsv2-t8-mha")).findFirst().orElseThrow();
        QuotedResults.Row mqa = rows.stream().filter(r -> r.id().equals("dsv2-t8-mqa")).findFirst().orElseThrow();
        assertEquals((-3.8 - 7.3 - 12.9 - 8.9) / 4, QuotedResults.delta(mqa, mha), 1e-9);
        QuotedResults.Row gqaBase = rows.stream().filter(r -> r.id().equals("gqa-t1-mha-xxl")).findFirst().orElseThrow();
        QuotedResults.Row gqa8 = rows.stream().filter(r -> r.id().equals("gqa-t1-gqa8-xxl")).findFirst().orElseThrow();
        assertEquals(-0.1, QuotedResults.delta(gqa8, gqaBase), 1e-9, "the GQA paper's own average column");
        // MFA paper, MoE 7B (secondhand): MFA 24.6K of MHA's 196.6K per token, 49.9 − 49.0 points; MFA-KR 12.3K, 48.0 − 49.0
        QuotedResults.Row mfaBase = rows.stream().filter(r -> r.id().equals("mfa-7b-mha")).findFirst().orElseThrow();
        QuotedResults.Row mfa = rows.stream().filter(r -> r.id().equals("mfa-7b-mfa")).findFirst().orElseThrow();
        QuotedResults.Row mfaKr = rows.stream().filter(r -> r.id().equals("mfa-7b-mfa-kr")).findFirst().orElseThrow();
        assertEquals(24.6 / 196.6, mfa.kvFraction(), 1e-12);
        assertEquals(0.9, QuotedResults.delta(mfa, mfaBase), 1e-9);
        assertEquals(1 - 0.937, mfaKr.kvFraction(), 5e-4, "the abstract's \"up to 93.7%\" for MFA-KR, rounded to 0.1 point");
        assertEquals(-1.0, QuotedResults.delta(mfaKr, mfaBase), 1e-9);
    }

    private static GpuCalibration.Prediction prediction(String id) {
        return GpuCalibration.predict(GpuCalibration.published().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow());
    }

    @Test
    void rooflinePredictionsByHand() {
        // FlashMLA, h_q = 16: intensity 2·16·1088·8192·128 / ((8192·576 + 16·1088)·128·2) ≈ 30 FLOP/B, far under
        // H800's ridge: memory-bound, so the roofline moves bytes at the full 3.35 TB/s
        GpuCalibration.Prediction bandwidth = prediction("flashmla-bandwidth");
        assertTrue(bandwidth.memoryBound());
        assertEquals(3350, bandwidth.value(), 1e-9);
        // FlashAttention-2 forward, no mask, T = 16384: compute-bound at the A100's 312 TFLOP/s
        GpuCalibration.Prediction fa2 = prediction("fa2-forward-a100");
        assertTrue(!fa2.memoryBound());
        assertEquals(312, fa2.value(), 1e-9);
        // Step-3 MFA layer at 8K on H800, 64 sequences: bytes = KV read 64·8191·512·2 + weights 169,345,024 (fp8)
        // + KV written 64·512·2 + activations 2·64·7168·2, over 3.35e12 B/s
        double bytes = 64.0 * 8191 * 512 * 2 + 169_345_024 + 64 * 512 * 2 + 2.0 * 64 * 7168 * 2;
        GpuCalibration.Prediction mfa = prediction("step3-mfa-8k-h800");
        assertTrue(mfa.memoryBound());
        assertEquals(bytes / 3.35e12 * 1e6, mfa.value(), 1e-6);
    }

    @Test
    void step3CountsAreRecomputedWithinTheirRounding() {
        String counts = GpuCalibration.counts();
        // DeepSeek-V3 at 8K: KV 576·61·8192 = 2.88e8 bytes; projections 2·187,105,280·61 = 2.28e10
        assertTrue(counts.contains("2.88e+08 / 2.88e+08 = 0.999"), counts);
        assertTrue(counts.contains("2.28e+10 / 2.28e+10 = 1.001"), counts);
        // Step-3 at 8K: attention 8192·2·64·(256 + 256)·61 = 3.2749e10 against the printed 3.27e10
        assertTrue(counts.contains("3.27e+10 / 3.27e+10 = 1.002"), counts);
    }

    @Test
    void aBadCalibrationRowIsRefusedByNameNotWithAStackOfNulls() throws Exception {
        GpuCalibration.Device device = new GpuCalibration.Device("H800 SXM5", 9.89e14, 1.98e15, 3.35e12, "step-3: Table 4");
        com.fasterxml.jackson.databind.JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"model\": \"Step-3\", \"context\": 8192}");
        GpuCalibration.Published noDegree = new GpuCalibration.Published("x", "k", device, "layer", "µs per layer", 1, config,
                "n", "step-3: Table 9", "g");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuCalibration.predict(noDegree));
        assertTrue(e.getMessage().contains("row x: config.tensor_parallel is missing"), e.getMessage());
        GpuCalibration.Published badKind = new GpuCalibration.Published("y", "k", device, "train", "µs per layer", 1, config,
                "n", "step-3: Table 9", "g");
        e = assertThrows(IllegalArgumentException.class, () -> GpuCalibration.predict(badKind));
        assertTrue(e.getMessage().contains("kind (train) must be mla-decode, prefill-core or layer"), e.getMessage());
    }

    @Test
    void octaveTickLabels() {
        assertEquals("4K", OctaveAxes.tokens(4096));
        assertEquals("128K", OctaveAxes.tokens(131072));
        assertEquals("1/64", OctaveAxes.power(1.0 / 64));
        assertEquals("8", OctaveAxes.power(8));
        assertThrows(IllegalArgumentException.class, () -> OctaveAxes.log2(new double[] {1, 0}));
    }
}
