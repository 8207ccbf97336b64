package dev.attnref.mirror;

import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.FullyMaskedRows;
import dev.attnref.oracle.OracleAttention;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The mirrors against the project's loop-only {@link OracleAttention} (the {@code attention_ref}),
 * with the projections applied around it by loops: every FIXED self-attention mirror is the oracle
 * with −∞ fills and zero rows; the published seed 002 / 003 modules are the oracle with their finite
 * fills (−1e20, −1e9: a fully hidden row turns uniform) and labml's is the oracle with NaN rows.
 * Masks are random per (b, t, s) so that fully hidden rows occur.
 */
class MirrorOracleAgreementTest {

    /** Projection names of one mirror's state dict: query, key, value, output prefixes. */
    private record Names(String q, String k, String v, String o) {
    }

    private static final Names MQA_GQA_000 = new Names("q_linear", "k_linear", "v_linear", "o_linear");
    private static final Names SEED_002 = new Names("q_proj", "k_proj", "v_proj", "o_proj");
    private static final Names SEED_003 = new Names("W_Q", "W_K", "W_V", "W_O");
    private static final Names LABML = new Names("query.linear", "key.linear", "value.linear", "output");

    /**
     * Projections by loops, attention by the oracle: query from {@code xq [B, T, M]}, keys and values
     * from {@code xkv [B, S, M]}, boolean mask {@code [B, 1, T, S]} in {@code convention}.
     *
     * @return [B, T, M] flat
     */
    private static double[] oracle(Map<String, Tensor> w, Names n, Tensor xq, Tensor xkv, int heads, int kvHeads,
            Tensor mask, MaskConvention convention, double fill, FullyMaskedRows rows) {
        int batch = xq.size(0);
        int qLen = xq.size(1);
        int kvLen = xkv.size(1);
        int headDim = w.get(n.q() + ".weight").size(0) / heads;
        double[] q = LoopReference.linear(xq.toArray(), batch * qLen, w.get(n.q() + ".weight"), w.get(n.q() + ".bias"));
        double[] k = LoopReference.linear(xkv.toArray(), batch * kvLen, w.get(n.k() + ".weight"), w.get(n.k() + ".bias"));
        double[] v = LoopReference.linear(xkv.toArray(), batch * kvLen, w.get(n.v() + ".weight"), w.get(n.v() + ".bias"));
        AttentionProblem.Builder problem = AttentionProblem.builder().batch(batch).numHeads(heads).numKvHeads(kvHeads)
                .qLen(qLen).newKvLen(kvLen).headDim(headDim).valueHeadDim(headDim)
                .query(headsFirst(q, batch, qLen, heads, headDim))
                .key(headsFirst(k, batch, kvLen, kvHeads, headDim))
                .value(headsFirst(v, batch, kvLen, kvHeads, headDim))
                .maskFill(fill).fullyMaskedRows(rows);
        if (mask != null) {
            double[] m = mask.toArray();
            boolean[] bits = new boolean[m.length];
            for (int i = 0; i < m.length; i++) {
                bits[i] = m[i] != 0;
            }
            problem.booleanMask(bits, convention, mask.shape());
        }
        double[] out = OracleAttention.attend(problem.build()).output();              // [B, H, T, D]
        double[] merged = new double[batch * qLen * heads * headDim];                  // [B, T, H·D]
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < qLen; t++) {
                    for (int d = 0; d < headDim; d++) {
                        merged[((b * qLen + t) * heads + h) * headDim + d] = out[((b * heads + h) * qLen + t) * headDim + d];
                    }
                }
            }
        }
        return LoopReference.linear(merged, batch * qLen, w.get(n.o() + ".weight"), w.get(n.o() + ".bias"));
    }

    /** {@code [B, T, N·D] → [B, N, T, D]}. */
    private static double[] headsFirst(double[] rows, int batch, int len, int numHeads, int headDim) {
        double[] out = new double[rows.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                for (int h = 0; h < numHeads; h++) {
                    for (int d = 0; d < headDim; d++) {
                        out[((b * numHeads + h) * len + t) * headDim + d] = rows[((b * len + t) * numHeads + h) * headDim + d];
                    }
                }
            }
        }
        return out;
    }

    private static void assertClose(double[] actual, double[] expected, String where) {
        double diff = LoopReference.maxRelativeDiff(actual, expected);
        assertTrue(diff <= FLOAT64_REORDERED, where + ": diff " + diff);
    }

    @Test
    void fixedSeed000MqaAndGqaAreTheOracleWithHideMasks() {
        int[][] headsAndGroups = {{3, 1}, {4, 2}, {4, 4}, {6, 3}, {2, 1}};
        long seed = 0;
        for (int[] hg : headsAndGroups) {
            SeededRandom random = new SeededRandom(++seed);
            int headDim = 1 + random.nextInt(3);
            int hidden = hg[0] * headDim;
            int len = 1 + random.nextInt(4);
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor hide = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.5);          // 1 = hide
            Seed000GroupQueryAttention gqa = new Seed000GroupQueryAttention(hidden, hg[0], hg[1], Fidelity.FIXED, random);
            String where = "seed " + seed + " H " + hg[0] + " G " + hg[1] + " D " + headDim + " T " + len;
            assertClose(gqa.forward(x, hide).toArray(), oracle(gqa.stateDict(), MQA_GQA_000, x, x, hg[0], hg[1], hide,
                    MaskConvention.HIDE_WHERE_TRUE, Double.NEGATIVE_INFINITY, FullyMaskedRows.ZEROS), "GQA " + where);
            if (hg[1] == 1) {
                Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(hidden, hg[0], Fidelity.FIXED, random);
                assertClose(mqa.forward(x, hide).toArray(), oracle(mqa.stateDict(), MQA_GQA_000, x, x, hg[0], 1, hide,
                        MaskConvention.HIDE_WHERE_TRUE, Double.NEGATIVE_INFINITY, FullyMaskedRows.ZEROS), "MQA " + where);
            }
        }
    }

    /** Labml: FIXED is the oracle with zero rows; as published, with NaN rows (S000-MHA-NANROW). */
    @Test
    void labmlMhaIsTheOracleWithZeroRowsWhenFixedAndNanRowsAsPublished() {
        for (long seed = 11; seed <= 14; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Tensor xq = Tensor.randn(random, 1.0, 2, len, dModel);                        // [B, T, M]
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.6);          // [B, 1, T, S], 1 = keep
            Tensor labmlMask = keep.squeeze(1).permute(1, 2, 0).contiguous();             // [T, S, B]
            Tensor sequenceFirst = xq.transpose(0, 1).contiguous();                        // [T, B, M]
            for (Fidelity fidelity : Fidelity.values()) {
                Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(heads, dModel, fidelity, random);
                mha.eval();
                Tensor out = mha.forward(sequenceFirst, sequenceFirst, sequenceFirst, labmlMask).transpose(0, 1);
                FullyMaskedRows rows = fidelity == Fidelity.FIXED ? FullyMaskedRows.ZEROS : FullyMaskedRows.NAN;
                assertClose(out.contiguous().toArray(), oracle(mha.stateDict(), LABML, xq, xq, heads, heads, keep,
                        MaskConvention.KEEP_WHERE_TRUE, Double.NEGATIVE_INFINITY, rows),
                        "seed " + seed + " " + fidelity + " H " + heads + " M " + dModel + " T " + len);
            }
        }
    }

    /** Seed 002: as published the oracle with fill −1e20 (uniform hidden rows); FIXED with −∞ and zero rows. */
    @Test
    void seed002IsTheOracleWithItsFill() {
        for (long seed = 21; seed <= 24; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int hidden = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Tensor x = Tensor.uniform(random, 0, 1, 3, len, hidden);
            Tensor keep = Tensor.uniform(random, 0, 1, 3, 1, len, len).lt(0.5);
            String where = "seed " + seed + " H " + heads + " M " + hidden + " T " + len;
            for (Fidelity fidelity : Fidelity.values()) {
                Seed002MultiHeadAttention mha = new Seed002MultiHeadAttention(hidden, heads, fidelity, random)
                        .printTo(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                mha.eval();
                double fill = fidelity == Fidelity.AS_PUBLISHED ? -1e20 : Double.NEGATIVE_INFINITY;
                assertClose(mha.forward(x, keep).toArray(), oracle(mha.stateDict(), SEED_002, x, x, heads, heads, keep,
                        MaskConvention.KEEP_WHERE_TRUE, fill, FullyMaskedRows.ZEROS), "MHA " + fidelity + " " + where);
            }
            int kvHeads = heads % 2 == 0 ? heads / 2 : 1;
            Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(hidden, heads, kvHeads, Fidelity.FIXED, random);
            assertClose(gqa.forward(x, keep).toArray(), oracle(gqa.stateDict(), SEED_002, x, x, heads, kvHeads, keep,
                    MaskConvention.KEEP_WHERE_TRUE, Double.NEGATIVE_INFINITY, FullyMaskedRows.ZEROS), "GQA " + where);
        }
    }

    /** Seed 003 (cross-attention, T ≠ S): as published the oracle with fill −1e9; FIXED with −∞ and zero rows. */
    @Test
    void seed003IsTheOracleWithItsFill() {
        for (long seed = 31; seed <= 34; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(3));
            int qLen = 1 + random.nextInt(4);
            int kvLen = 1 + random.nextInt(4);
            Tensor xq = Tensor.randn(random, 1.0, 2, qLen, dModel);
            Tensor xkv = Tensor.randn(random, 1.0, 2, kvLen, dModel);
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, qLen, kvLen).lt(0.5);
            for (Fidelity fidelity : Fidelity.values()) {
                Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(dModel, heads, fidelity, random);
                double fill = fidelity == Fidelity.AS_PUBLISHED ? -1e9 : Double.NEGATIVE_INFINITY;
                assertClose(mha.forward(xq, xkv, xkv, keep).output().toArray(), oracle(mha.stateDict(), SEED_003, xq, xkv,
                        heads, heads, keep, MaskConvention.KEEP_WHERE_TRUE, fill, FullyMaskedRows.ZEROS),
                        "seed " + seed + " " + fidelity + " H " + heads + " M " + dModel + " T " + qLen + " S " + kvLen);
            }
        }
    }
}
