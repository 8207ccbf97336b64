package dev.attnref.golden.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.golden.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The golden vectors catch the classic porting bugs: the bug-free plain port passes every case it runs, in
 * float32 at each case's tolerance and in bf16 within a bf16 port's error; every mutant fails at least one
 * case in each precision; and a catch happens where the bug acts, not elsewhere.
 */
class BugZooTest {
    private static final Set<String> PORTED = Set.of("attention", "gqa", "rope", "mla", "norm", "ffn");
    private static BugZoo.Result zoo;

    @BeforeAll
    static void runTheZoo() {
        zoo = BugZoo.run(BugZoo.manifests(BugZoo.versions(Path.of("."))));
    }

    private static List<String> caught(Mutant m, Precision p) {
        return zoo.mutants().stream().filter(c -> c.mutant() == m).findFirst().orElseThrow().caughtBy().get(p);
    }

    @Test
    void theControlPortPassesEveryCaseItRuns() {
        assertEquals(Map.of(Precision.FP32, List.of(), Precision.BF16, List.of()), zoo.controlFailures());
        // v1 alone has 60 cases of the ported variants: 27 attention, 13 gqa, 5 rope, 6 mla, 4 norm, 5 ffn
        long ported = zoo.expressed().stream().filter(id -> PORTED.stream().anyMatch(v -> id.startsWith(v + "-"))).count();
        assertTrue(ported >= 60, "ported cases run: " + ported);
        // and every case of a ported variant, v2's RoPE-scaling ones included
        assertTrue(zoo.notExpressed().keySet().stream().noneMatch(id -> PORTED.stream().anyMatch(v -> id.startsWith(v + "-"))),
                "cases of ported variants the port skipped: " + zoo.notExpressed());
    }

    @Test
    void everyMutantIsCaughtInBothPrecisions() {
        for (Precision p : BugZoo.PRECISIONS) {
            List<String> missed = zoo.mutants().stream().filter(c -> c.caughtBy().get(p).isEmpty())
                    .map(c -> c.mutant().id()).toList();
            assertEquals(List.of(), missed, "mutants no case catches in " + p.label());
        }
        assertTrue(zoo.mutants().size() >= 17, "the zoo holds " + zoo.mutants().size() + " mutants");
    }

    @Test
    void geluTanhIsCaughtInBf16OnlyWhereItsErrorAddsUp() {
        // on O(1) pre-activations the two forms differ by ≤ 5e-4, below bf16's rounding; in the negative tail the
        // tanh form is 10–45% off, and 64 such units summed with unit weights move the output by ≈ 2e-2
        assertEquals(List.of("ffn-mlp-gelu-negative-tail"), caught(Mutant.GELU_TANH_FOR_ERF, Precision.BF16));
        assertTrue(caught(Mutant.GELU_TANH_FOR_ERF, Precision.FP32).contains("ffn-mlp-gelu"));
    }

    @Test
    void tiledGroupingIsCaughtOnlyWhereTheTwoMapsDiffer() {
        // h mod G = ⌊h / R⌋ for every h when G = H (MHA) or G = 1 (MQA); they differ for 1 < G < H
        List<String> f32 = caught(Mutant.TILED_GROUPING, Precision.FP32);
        assertTrue(f32.contains("attention-gqa-h6-g2"), f32.toString());
        assertFalse(f32.contains("attention-mha-h3"), f32.toString());
        assertFalse(f32.contains("attention-mqa-h4"), f32.toString());
    }

    @Test
    void aRank3MaskReadAsBtsIsCaughtByTheRank3Case() {
        assertTrue(caught(Mutant.RANK3_MASK_AS_BTS, Precision.FP32).contains("attention-bool-keep-rank3-hts"));
        assertTrue(caught(Mutant.RANK3_MASK_AS_BTS, Precision.BF16).contains("attention-bool-keep-rank3-hts"));
    }

    @Test
    void aSoftmaxWithoutItsMaximumOverflowsOnLargeLogitsAndUnderflowsOnAHiddenRow() {
        // attention-large-logits: logits above 88.7 make exp(l) = ∞ and ∞/∞ = NaN; attention-finite-fill: a row hidden
        // by −1e9 everywhere gives exp(−1e9) = 0 for every key and 0/0 = NaN, not uniform
        for (Precision p : BugZoo.PRECISIONS) {
            List<String> caught = caught(Mutant.SOFTMAX_NO_MAX, p);
            assertTrue(caught.containsAll(List.of("attention-large-logits", "attention-finite-fill")), p + ": " + caught);
            assertFalse(caught.contains("attention-mha-h3"), "small logits neither overflow nor underflow");
        }
    }

    @Test
    void bf16KeepsEightSignificantBitsRoundingTiesToEven() {
        assertEquals(1.0, Precision.BF16.round(1.00390625));           // 1 + 2⁻⁸: halfway, down to the even 1
        assertEquals(1.015625, Precision.BF16.round(1.01171875));      // 1 + 3·2⁻⁸: halfway, up to the even 1 + 2⁻⁶
        assertEquals(1.0078125, Precision.BF16.round(1.0078));         // nearest of 1 + 2⁻⁷
        assertEquals(Double.POSITIVE_INFINITY, Precision.BF16.round(3.4e38));   // above bf16's largest 3.3895e38
        assertEquals((double) (float) 0.1, Precision.FP32.round(0.1));
    }
}
