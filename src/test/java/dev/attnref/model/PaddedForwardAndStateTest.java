package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** What a padded batch puts after a short row, and how far a decoder state has advanced. */
class PaddedForwardAndStateTest {

    /**
     * The positions after a short row hold the logits of {@code padId} tokens, as the API says: row 1 of
     * {@code [[1, 2, 3], [4]]} padded with 5 is the forward of {@code [4, 5, 5]} (pad 5 ≠ 0, so a
     * batch filled with token 0 instead would differ).
     */
    @Test
    void thePositionsAfterAShortRowAreTheLogitsOfThePadToken() {
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().numLayers(1).build(), new SeededRandom(95));
        Tensor padded = model.forwardRightPadded(new int[][] {{1, 2, 3}, {4}}, 5);               // [2, 3, V]
        Tensor filled = model.forward(new int[][] {{4, 5, 5}});                                  // [1, 3, V]
        double diff = padded.narrow(0, 1, 1).maxAbsDiff(filled);
        assertTrue(diff <= Tolerances.PADDING, "row 1 differs from [4, 5, 5] by " + diff);
    }

    /** The state counts every position it has seen, and the next chunk continues from there. */
    @Test
    void aStateAdvancesByEachChunkAndTheNextChunkContinuesFromThere() {
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().numLayers(1).build(), new SeededRandom(96));
        DecoderState state = model.newState(1);
        model.forward(new int[][] {{7, 8, 9}}, state, ShapeTrace.off());
        assertEquals(3, state.length(), "after a chunk of 3");
        Tensor last = model.forward(new int[][] {{10, 11}}, state, ShapeTrace.off());            // [1, 2, V]
        assertEquals(5, state.length(), "after chunks of 3 and 2");
        Tensor whole = model.forward(new int[][] {{7, 8, 9, 10, 11}}).narrow(1, 3, 2);           // [1, 2, V]
        double diff = last.maxAbsDiff(whole);
        assertTrue(diff <= Tolerances.CACHED_GENERATION, "chunked positions 3, 4 differ from one pass by " + diff);
    }
}
