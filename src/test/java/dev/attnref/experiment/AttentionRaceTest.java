package dev.attnref.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.fast.AttentionDims;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The race's arithmetic (statistics of the timed rounds, the useful FLOPs and bytes it divides by) and its
 * contenders: on small shapes of every kind (prefill, decode, MLA decode, ragged batches, chunked prefill),
 * each contender (ORT, PyTorch in float32, bf16 and fp16, the fast kernel over each cache) agrees with
 * attnref's kernel on the same precision within the race's tolerance, and PyTorch's SDPA backend is
 * identified; PyTorch's padding-mask SDPA agrees with the float64 oracle on a ragged batch.
 */
class AttentionRaceTest {
    @Test
    void everyContenderAgreesWithTheFastKernelOfItsPrecision() throws Exception {
        List<AttentionRace.Config> configs = List.of(
                new AttentionRace.Config("p", AttentionRace.Kind.PREFILL, new AttentionDims(1, 4, 2, 70, 70, 32, 32)),
                new AttentionRace.Config("d", AttentionRace.Kind.DECODE, new AttentionDims(1, 4, 2, 1, 700, 32, 32)),
                new AttentionRace.Config("m", AttentionRace.Kind.MLA_DECODE, new AttentionDims(1, 4, 1, 1, 300, 80, 64)),
                new AttentionRace.Config("r", AttentionRace.Kind.RAGGED_DECODE, new AttentionDims(3, 4, 2, 1, 300, 32, 32),
                        new int[] {300, 17, 150}),
                new AttentionRace.Config("rm", AttentionRace.Kind.RAGGED_MLA_DECODE, new AttentionDims(3, 4, 1, 1, 300, 80, 64),
                        new int[] {300, 17, 150}),
                new AttentionRace.Config("c", AttentionRace.Kind.CHUNK_PREFILL, new AttentionDims(1, 4, 2, 9, 300, 32, 32)),
                new AttentionRace.Config("cm", AttentionRace.Kind.CHUNK_MLA_PREFILL, new AttentionDims(1, 4, 1, 5, 300, 80, 64)));
        List<String> seen = new ArrayList<>();
        for (AttentionRace.Config config : configs) {
            AttentionRace.Inputs inputs = AttentionRace.Inputs.draw(config, 5);
            List<AttentionRace.Contender> contenders = AttentionRace.Contender.forConfig(config, 1, inputs);
            try {
                for (AttentionRace.Contender contender : contenders) {
                    contender.run();
                    seen.add(config.id() + ": " + contender.name() + " [" + contender.precision() + "]");
                    if (contender.name().startsWith("PyTorch SDPA")) {
                        assertTrue(contender.backend().startsWith("flash"), contender.name() + " ran " + contender.backend());
                    }
                }
                for (AttentionRace.Contender contender : contenders) {
                    AttentionRace.Contender reference = contenders.stream()
                            .filter(c -> c.own() && c.precision().equals(contender.precision())).findFirst().orElseThrow();
                    double diff = AttentionRace.maxAbsDiff(reference.output().get(), contender.output().get());
                    double tolerance = AttentionRace.tolerance(contender.precision());
                    assertTrue(diff <= tolerance, config.id() + " " + contender.name() + ": max |Δ| " + diff + " > " + tolerance);
                }
            } finally {
                for (AttentionRace.Contender contender : contenders) {
                    contender.close();
                }
            }
        }
        assertEquals(List.of("p: fast (vector) [float32]", "p: ORT GroupQueryAttention [float32]",
                "p: ORT Attention-23 [float32]", "p: PyTorch SDPA (enable_gqa) [float32]",
                "p: PyTorch SDPA (repeat_interleave K/V) [float32]",
                "d: fast (vector) [float32]", "d: fast (vector, Kᵀ cache) [float32]", "d: fast (vector, bf16 cache) [bf16]",
                "d: fast (vector, fp16 cache) [fp16]", "d: ORT GroupQueryAttention [float32]", "d: ORT Attention-23 [float32]",
                "d: PyTorch SDPA (enable_gqa) [float32]", "d: PyTorch SDPA (repeat_interleave K/V) [float32]",
                "d: PyTorch SDPA bf16 (enable_gqa) [bf16]", "d: PyTorch SDPA fp16 (enable_gqa) [fp16]",
                "m: fast (vector) [float32]", "m: ORT Attention-23 [float32]", "m: PyTorch absorbed MLA (einsum) [float32]",
                "r: fast (vector) [float32]", "r: fast (vector, Kᵀ cache) [float32]", "r: fast (vector, bf16 cache) [bf16]",
                "r: ORT GroupQueryAttention (seqlens_k) [float32]", "r: PyTorch SDPA (enable_gqa, padding mask) [float32]",
                "r: PyTorch SDPA bf16 (enable_gqa, padding mask) [bf16]",
                "rm: fast (vector) [float32]", "rm: PyTorch absorbed MLA (einsum, mask) [float32]",
                "c: fast (vector) [float32]", "c: fast (vector, Kᵀ cache) [float32]", "c: ORT GroupQueryAttention [float32]",
                "c: PyTorch SDPA (enable_gqa, causal mask) [float32]",
                "c: PyTorch SDPA (repeat_interleave K/V, causal mask) [float32]",
                "cm: fast (vector) [float32]", "cm: PyTorch absorbed MLA (einsum, causal mask) [float32]"),
                seen);
    }

    @Test
    void pyTorchPaddingMaskContendersAgreeWithTheOracleOnARaggedBatch() throws Exception {
        // Three rows of lengths 300 (all), 17 and 150 of S = 300: a contender that ignores or misplaces the
        // padding mask averages other keys' values and misses by ~10⁻², a hundred times the tolerance.
        int[] lengths = {300, 17, 150};
        AttentionDims dims = new AttentionDims(3, 4, 2, 1, 300, 32, 32);
        AttentionRace.Config config = new AttentionRace.Config("r", AttentionRace.Kind.RAGGED_DECODE, dims, lengths);
        AttentionRace.Inputs in = AttentionRace.Inputs.draw(config, 7);
        double[] oracle = OracleAttention.attend(AttentionProblem.builder().batch(3).numHeads(4).numKvHeads(2).qLen(1)
                .newKvLen(300).headDim(32).valueHeadDim(32).query(widen(in.q())).key(widen(in.k())).value(widen(in.v()))
                .keyLengths(lengths).build()).output();
        List<AttentionRace.Contender> contenders = AttentionRace.Contender.forConfig(config, 1, in);
        try {
            List<String> checked = new ArrayList<>();
            for (AttentionRace.Contender contender : contenders) {
                if (contender.name().startsWith("PyTorch") && contender.precision().equals(AttentionRace.FLOAT32)) {
                    contender.run();
                    double error = maxAbsError(contender.output().get(), oracle);
                    assertTrue(error <= AttentionRace.TOLERANCE, contender.name() + ": max |Δ| from the oracle " + error);
                    checked.add(contender.name());
                }
            }
            assertEquals(List.of("PyTorch SDPA (enable_gqa, padding mask)"), checked);
        } finally {
            for (AttentionRace.Contender contender : contenders) {
                contender.close();
            }
        }
    }

    static double[] widen(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    static double maxAbsError(float[] actual, double[] expected) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }

    @Test
    void statsAreMedianExtremesAndInterpolatedQuartiles() {
        // Sorted 1, 2, 3, 4, 5: median at position 2 → 3; q1 at position 1 → 2; q3 at position 3 → 4.
        AttentionRace.Stats stats = AttentionRace.Stats.of(new double[] {5, 1, 4, 2, 3});
        assertEquals(new AttentionRace.Stats(3, 1, 5, 2, 4), stats);
        // Sorted 10, 20, 30, 40: median at position 1.5 → 25; q1 at 0.75 → 17.5; q3 at 2.25 → 32.5.
        assertEquals(new AttentionRace.Stats(25, 10, 40, 17.5, 32.5),
                AttentionRace.Stats.of(new double[] {40, 10, 30, 20}));
    }

    @Test
    void causalPrefillCountsOnlyVisiblePairs() {
        // S = 4 causal: 1 + 2 + 3 + 4 = 10 visible pairs per head; H = 2, D + Dv = 3 + 5 = 8:
        // FLOPs = 2 · 2 heads · 10 · 8 = 320.
        AttentionRace.Config prefill = new AttentionRace.Config("p", AttentionRace.Kind.PREFILL,
                new AttentionDims(1, 2, 1, 4, 4, 3, 5));
        assertEquals(320.0, prefill.flops());
        // Decode over S = 4: 4 pairs per head → 2 · 2 · 4 · 8 = 128 FLOPs; K/V bytes = 4 · G·S·(D + Dv) = 4·1·4·8 = 128.
        AttentionRace.Config decode = new AttentionRace.Config("d", AttentionRace.Kind.DECODE,
                new AttentionDims(1, 2, 1, 1, 4, 3, 5));
        assertEquals(128.0, decode.flops());
        assertEquals(128.0, decode.cacheBytes());
        // A chunk of T = 2 after P = 3 (S = 5): query 0 sees 4 keys, query 1 sees 5 → 9 pairs per head;
        // H = 2, D + Dv = 8: 2 · 2 · 9 · 8 = 288.
        AttentionRace.Config chunk = new AttentionRace.Config("c", AttentionRace.Kind.CHUNK_PREFILL,
                new AttentionDims(1, 2, 1, 2, 5, 3, 5));
        assertEquals(288.0, chunk.flops());
    }
}
