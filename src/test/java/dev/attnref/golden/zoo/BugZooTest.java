package dev.attnref.golden.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The golden vectors catch the classic porting bugs: the bug-free plain port passes every case it runs, in
 * float32 at each case's tolerance and in bf16 within a bf16 port's error; every mutant fails at least one
 * case in float32, and in bf16 all but the one whose effect is below bf16's resolution; and a catch happens
 * where the bug acts, not elsewhere.
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
        assertEquals(Map.of(Precision.FLOAT32, List.of(), Precision.BF16, List.of()), zoo.controlFailures());
        // every v1 case of a ported variant runs: 27 attention, 13 gqa, 5 rope, 6 mla, 4 norm, 5 ffn
        long v1Ported = zoo.expressed().stream().filter(id -> PORTED.stream().anyMatch(v -> id.startsWith(v + "-"))).count();
        assertTrue(v1Ported >= 60, "ported cases run: " + v1Ported);
        assertTrue(zoo.notExpressed().keySet().stream().noneMatch(id -> id.startsWith("attention-") || id.startsWith("gqa-")),
                "attention and gqa cases the port skipped: " + zoo.notExpressed());
    }

    @Test
    void everyMutantIsCaughtInFloat32AtTheCasesTolerance() {
        List<String> missed = zoo.mutants().stream().filter(c -> c.caughtBy().get(Precision.FLOAT32).isEmpty())
                .map(c -> c.mutant().id()).toList();
        assertEquals(List.of(), missed, "mutants no case catches in float32");
        assertTrue(zoo.mutants().size() >= 17, "the zoo holds " + zoo.mutants().size() + " mutants");
    }

    @Test
    void everyMutantButGeluTanhIsCaughtInBf16() {
        // GELU's tanh form differs from the erf form by at most ≈ 5e-4 on O(1) values, below bf16's 2⁻⁸ rounding:
        // a bf16 port cannot be told from one with the other GELU, and the rule rightly lets it pass.
        Set<Mutant> missed = zoo.mutants().stream().filter(c -> c.caughtBy().get(Precision.BF16).isEmpty())
                .map(BugZoo.Catches::mutant).collect(Collectors.toCollection(() -> EnumSet.noneOf(Mutant.class)));
        assertEquals(EnumSet.of(Mutant.GELU_TANH_FOR_ERF), missed);
    }

    @Test
    void tiledGroupingIsCaughtOnlyWhereTheTwoMapsDiffer() {
        // h mod G = ⌊h / R⌋ for every h when G = H (MHA) or G = 1 (MQA); they differ for 1 < G < H
        List<String> f32 = caught(Mutant.TILED_GROUPING, Precision.FLOAT32);
        assertTrue(f32.contains("attention-gqa-h6-g2"), f32.toString());
        assertFalse(f32.contains("attention-mha-h3"), f32.toString());
        assertFalse(f32.contains("attention-mqa-h4"), f32.toString());
    }

    @Test
    void aRank3MaskReadAsBtsIsCaughtByTheRank3Case() {
        assertTrue(caught(Mutant.RANK3_MASK_AS_BTS, Precision.FLOAT32).contains("attention-bool-keep-rank3-hts"));
        assertTrue(caught(Mutant.RANK3_MASK_AS_BTS, Precision.BF16).contains("attention-bool-keep-rank3-hts"));
    }

    @Test
    void aSoftmaxWithoutItsMaximumFailsWhereExpUnderflowsEveryKey() {
        // attention-finite-fill has a row hidden by −1e9 everywhere: exp(−1e9) = 0 for every key, 0/0 = NaN, not uniform
        for (Precision p : Precision.values()) {
            assertTrue(caught(Mutant.SOFTMAX_NO_MAX, p).contains("attention-finite-fill"), p + ": "
                    + caught(Mutant.SOFTMAX_NO_MAX, p));
            assertFalse(caught(Mutant.SOFTMAX_NO_MAX, p).contains("attention-mha-h3"), "small logits neither overflow "
                    + "nor underflow");
        }
    }

    @Test
    void bf16KeepsEightSignificantBitsRoundingTiesToEven() {
        assertEquals(1.0, Precision.BF16.round(1.00390625));           // 1 + 2⁻⁸: halfway, down to the even 1
        assertEquals(1.015625, Precision.BF16.round(1.01171875));      // 1 + 3·2⁻⁸: halfway, up to the even 1 + 2⁻⁶
        assertEquals(1.0078125, Precision.BF16.round(1.0078));         // nearest of 1 + 2⁻⁷
        assertEquals(Double.POSITIVE_INFINITY, Precision.BF16.round(3.4e38));   // above bf16's largest 3.3895e38
        assertEquals((double) (float) 0.1, Precision.FLOAT32.round(0.1));
    }
}
