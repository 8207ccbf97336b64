package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** The trace checks its symbolic axes against the real shapes. */
class ShapeTraceTest {
    @Test
    void anOffTraceRecordsNothingAndReturnsItsTensor() {
        Tensor x = Tensor.zeros(2, 3);
        assertSame(x, ShapeTrace.off().record("x", "B, T, M", x));   // wrong rank, but nothing is checked
        assertEquals(0, ShapeTrace.off().stages().size());
    }

    @Test
    void stagesNestUnderSectionsAndFormatWithBothShapes() {
        ShapeTrace trace = ShapeTrace.recording();
        trace.recordShape("ids", "B, T", new int[] {2, 5});
        trace.enter("block 0");
        trace.record("q", "B, T, H·D", Tensor.zeros(2, 5, 8));
        trace.record("split", "B, T, H, D", Tensor.zeros(2, 5, 4, 2));
        trace.exit();
        String text = trace.format();
        assertTrue(text.contains("ids") && text.contains("(B, T)") && text.contains("[2, 5]"), text);
        assertTrue(text.contains("\n  q ") && text.contains("(B, T, H·D)") && text.contains("[2, 5, 8]"), text);
        assertEquals(4, trace.stages().size());
        assertTrue(trace.stages().get(1).isSection());
        assertEquals(1, trace.stages().get(2).depth());
    }

    @Test
    void aRankThatDoesNotMatchTheAxesFails() {
        ShapeTrace trace = ShapeTrace.recording();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trace.record("x", "B, T, M", Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("(B, T, M)") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void aLetterKeepsOneSizeForTheWholeTrace() {
        ShapeTrace trace = ShapeTrace.recording();
        trace.record("x", "B, T, M", Tensor.zeros(2, 5, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trace.record("y", "B, T, M", Tensor.zeros(2, 6, 4)));
        assertTrue(e.getMessage().contains("axis T has size 6 but was 5"), e.getMessage());
    }

    @Test
    void aProductAxisIsCheckedOnceItsLettersAreSized() {
        ShapeTrace trace = ShapeTrace.recording();
        trace.record("q", "B, T, H·D", Tensor.zeros(1, 1, 9));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trace.record("split", "B, T, H, D", Tensor.zeros(1, 1, 4, 2)));
        assertTrue(e.getMessage().contains("H·D = 8 but the tensor has 9"), e.getMessage());

        ShapeTrace unsized = ShapeTrace.recording();
        unsized.record("q", "B, T, H·D", Tensor.zeros(1, 1, 9));
        assertThrows(IllegalStateException.class, unsized::format);
    }
}
