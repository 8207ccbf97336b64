package dev.attnref.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.CausalAlignment;
import dev.attnref.fast.AttentionDims;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code race --phases}: its configurations are the three paths at full widths and with one phase's width
 * shrunk to 16, and the one contender of each (attnref's kernel of the path) is right at those widths,
 * against the float64 oracle on small shapes.
 */
class AttentionRacePhasesTest {
    @Test
    void phaseConfigsAreEachPathAtFullWidthsAndWithLogitsValuesOrBothShrunkTo16() {
        List<String> described = AttentionRace.phaseConfigs().stream().map(c -> {
            AttentionDims d = c.dims();
            return c.id() + " " + c.kind() + " B" + d.batch() + " H" + d.numHeads() + " G" + d.numKvHeads() + " T"
                    + d.qLen() + " S" + d.kvLen() + " D" + d.headDim() + " Dv" + d.valueHeadDim();
        }).toList();
        assertEquals(List.of(
                "prefill-gqa-S2048 PREFILL B1 H32 G8 T2048 S2048 D128 Dv128",
                "prefill-gqa-S2048-logits PREFILL B1 H32 G8 T2048 S2048 D128 Dv16",
                "prefill-gqa-S2048-values PREFILL B1 H32 G8 T2048 S2048 D16 Dv128",
                "prefill-gqa-S2048-softmax PREFILL B1 H32 G8 T2048 S2048 D16 Dv16",
                "decode-gqa-S16384 DECODE B1 H32 G8 T1 S16384 D128 Dv128",
                "decode-gqa-S16384-logits DECODE B1 H32 G8 T1 S16384 D128 Dv16",
                "decode-gqa-S16384-values DECODE B1 H32 G8 T1 S16384 D16 Dv128",
                "decode-gqa-S16384-softmax DECODE B1 H32 G8 T1 S16384 D16 Dv16",
                // MLA: values are the first C columns of the key rows, so its P-values has D = Dv (no rope part)
                "decode-mla-S4096 MLA_DECODE B1 H128 G1 T1 S4096 D576 Dv512",
                "decode-mla-S4096-logits MLA_DECODE B1 H128 G1 T1 S4096 D576 Dv16",
                "decode-mla-S4096-values MLA_DECODE B1 H128 G1 T1 S4096 D512 Dv512",
                "decode-mla-S4096-softmax MLA_DECODE B1 H128 G1 T1 S4096 D16 Dv16"), described);
    }

    @Test
    void thePhaseContenderOfEachPathAgreesWithTheOracleAtTheShrunkWidths() throws Exception {
        int[][] widths = {{128, 16}, {16, 128}, {16, 16}};
        int[][] latentWidths = {{80, 16}, {64, 64}, {16, 16}};   // MLA: C + P, C
        for (int i = 0; i < widths.length; i++) {
            int d = widths[i][0];
            int dv = widths[i][1];
            check(new AttentionRace.Config("p", AttentionRace.Kind.PREFILL, new AttentionDims(1, 4, 2, 70, 70, d, dv)));
            check(new AttentionRace.Config("d", AttentionRace.Kind.DECODE, new AttentionDims(1, 4, 2, 1, 300, d, dv)));
            // 64 heads over one latent head: the head-lane decode, as at H = 128
            check(new AttentionRace.Config("m", AttentionRace.Kind.MLA_DECODE,
                    new AttentionDims(1, 64, 1, 1, 300, latentWidths[i][0], latentWidths[i][1])));
        }
    }

    /** Runs the one phase contender of {@code config} and compares its output with the float64 oracle's. */
    private static void check(AttentionRace.Config config) throws Exception {
        AttentionDims d = config.dims();
        AttentionRace.Inputs in = AttentionRace.Inputs.draw(config, 11);
        AttentionProblem.Builder problem = AttentionProblem.builder().batch(1).numHeads(d.numHeads())
                .numKvHeads(d.numKvHeads()).qLen(d.qLen()).newKvLen(d.kvLen()).headDim(d.headDim())
                .valueHeadDim(d.valueHeadDim()).query(AttentionRaceTest.widen(in.q()))
                .key(AttentionRaceTest.widen(in.k()));
        if (config.latent()) {
            // values = the first C columns of each cache row [c_kv | k_rope]
            double[] values = new double[d.kvLen() * d.valueHeadDim()];
            for (int s = 0; s < d.kvLen(); s++) {
                for (int c = 0; c < d.valueHeadDim(); c++) {
                    values[s * d.valueHeadDim() + c] = in.k()[s * d.headDim() + c];
                }
            }
            problem.value(values).scale(AttentionRace.MLA_SCALE);
        } else {
            problem.value(AttentionRaceTest.widen(in.v()));
        }
        if (config.causal()) {
            problem.causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT));
        }
        double[] oracle = OracleAttention.attend(problem.build()).output();
        List<AttentionRace.Contender> contenders = AttentionRace.Contender.forPhase(config, 1, in);
        try {
            assertEquals(1, contenders.size(), config.id());
            AttentionRace.Contender fast = contenders.get(0);
            assertTrue(fast.own(), fast.name());
            fast.run();
            float[] out = fast.output().get();
            assertEquals(oracle.length, out.length, config.id());
            double error = AttentionRaceTest.maxAbsError(out, oracle);
            assertTrue(error <= AttentionRace.TOLERANCE, config.id() + " D" + d.headDim() + " Dv" + d.valueHeadDim()
                    + " " + fast.name() + ": max |Δ| from the oracle " + error);
        } finally {
            for (AttentionRace.Contender contender : contenders) {
                contender.close();
            }
        }
    }
}
