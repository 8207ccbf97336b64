package dev.attnref.experiment;

import static dev.attnref.experiment.AttentionRaceTest.maxAbsError;
import static dev.attnref.experiment.AttentionRaceTest.widen;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.attnref.core.SeededRandom;
import dev.attnref.fast.AttentionDims;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's Attention-23 and GroupQueryAttention, run through {@link OnnxRuntimePeer} on the
 * committed models, agree with the float64 oracle: an independent implementation confirming both the
 * models (causality, grouping, scale, past handling) and the layouts the peer builds.
 *
 * <p>The tolerance is {@link Tolerances#ONNX_RUNTIME_FLOAT32}, with its reason there.
 */
class OnnxRuntimePeerTest {
    @Test
    void causalPrefillOfBothOperatorsMatchesTheOracle() throws Exception {
        AttentionDims dims = new AttentionDims(2, 4, 2, 37, 37, 16, 16);
        checkBoth(dims, false, new SeededRandom(31));
    }

    @Test
    void decodeOfBothOperatorsMatchesTheOracle() throws Exception {
        AttentionDims dims = new AttentionDims(1, 4, 2, 1, 50, 16, 16);
        checkBoth(dims, true, new SeededRandom(32));
    }

    @Test
    void groupQueryAttentionOverAPastIsChunkedPrefillCausalBottomRightAtBatchOne() throws Exception {
        // T = 9 new tokens after a past of 41: query t sees keys s ≤ 41 + t.
        AttentionDims dims = new AttentionDims(1, 4, 2, 9, 50, 16, 16);
        SeededRandom data = new SeededRandom(33);
        float[] q = data.floats(dims.queryCount(), -3, 3);
        float[] k = data.floats(dims.keyCount(), -1, 1);
        float[] v = data.floats(dims.valueCount(), -1, 1);
        double[] reference = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(4).numKvHeads(2).qLen(9)
                .newKvLen(50).headDim(16).valueHeadDim(16).query(widen(q)).key(widen(k)).value(widen(v))
                .causal(QueryPositions.startingAt(41)).build()).output();
        try (OnnxRuntimePeer peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, dims, 1, q, k, v)) {
            peer.run();
            double found = maxAbsError(peer.output(), reference);
            assertTrue(found <= Tolerances.ONNX_RUNTIME_FLOAT32, () -> "GroupQueryAttention chunk over a past " + dims
                    + ": max |ORT − float64| = " + found + " exceeds " + Tolerances.ONNX_RUNTIME_FLOAT32);
        }
        // ORT 1.29's CPU kernel refuses the same chunk on two batch rows (experiments/fast-race/README.md).
        AttentionDims two = new AttentionDims(2, 4, 2, 9, 50, 16, 16);
        try (OnnxRuntimePeer peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, two, 1,
                data.floats(two.queryCount(), -3, 3), data.floats(two.keyCount(), -1, 1), data.floats(two.valueCount(), -1, 1))) {
            OrtException e = assertThrows(OrtException.class, peer::run);
            assertTrue(e.getMessage().contains("batch_size must be 1 when sequence_length > 1 and past context is given"),
                    e.getMessage());
        }
    }

    private static void checkBoth(AttentionDims dims, boolean decode, SeededRandom data) throws Exception {
        float[] q = data.floats(dims.queryCount(), -3, 3);
        float[] k = data.floats(dims.keyCount(), -1, 1);
        float[] v = data.floats(dims.valueCount(), -1, 1);
        AttentionProblem.Builder builder = AttentionProblem.builder().batch(dims.batch()).numHeads(dims.numHeads())
                .numKvHeads(dims.numKvHeads()).qLen(dims.qLen()).newKvLen(dims.kvLen()).headDim(dims.headDim())
                .valueHeadDim(dims.valueHeadDim()).query(widen(q)).key(widen(k)).value(widen(v));
        if (!decode) {
            builder.causal(QueryPositions.startingAt(0));
        }
        double[] reference = OracleAttention.attend(builder.build()).output();
        for (OnnxRuntimePeer.Op op : OnnxRuntimePeer.Op.values()) {
            try (OnnxRuntimePeer peer = new OnnxRuntimePeer(op, decode, dims, 1, q, k, v)) {
                peer.run();
                double found = maxAbsError(peer.output(), reference);
                assertTrue(found <= Tolerances.ONNX_RUNTIME_FLOAT32, () -> op.label() + (decode ? " decode " : " prefill ") + dims
                        + ": max |ORT − float64| = " + found + " exceeds " + Tolerances.ONNX_RUNTIME_FLOAT32);
            }
        }
    }
}
