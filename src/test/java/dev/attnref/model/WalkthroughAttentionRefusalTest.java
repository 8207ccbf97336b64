package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** WalkthroughAttention refuses head counts and projections that do not fit together, naming the values. */
class WalkthroughAttentionRefusalTest {
    // M = 8, H = 4, G = 2, D = 2: W_Q 8 → 8, W_K and W_V 8 → 4, W_O 8 → 8.
    private static final SeededRandom RANDOM = new SeededRandom(97);
    private static final Linear WQ = Linear.init(8, 8, false, RANDOM);
    private static final Linear WK = Linear.init(8, 4, false, RANDOM);
    private static final Linear WV = Linear.init(8, 4, false, RANDOM);
    private static final Linear WO = Linear.init(8, 8, false, RANDOM);
    private static final Linear WRONG = Linear.init(8, 6, false, RANDOM);

    private static String message(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void kvHeadsThatDoNotDivideTheQueryHeadsAreRefused() {
        // H = 3, G = 2 with projections shaped to match (W_K, W_V 8 → 4 = G·D): only the grouping is wrong.
        Linear wq = Linear.init(8, 6, false, RANDOM);
        Linear wo = Linear.init(6, 8, false, RANDOM);
        assertEquals("numKvHeads (2) must divide numHeads (3)",
                message(() -> new WalkthroughAttention(3, 2, 2, wq, WK, WV, wo, null)));
    }

    @Test
    void eachProjectionOfTheWrongShapeIsRefusedByName() {
        assertEquals("W_Q maps 8 → 6; expected 8 → 8", message(() -> new WalkthroughAttention(4, 2, 2, WRONG, WK, WV, WO, null)));
        assertEquals("W_K maps 8 → 6; expected 8 → 4", message(() -> new WalkthroughAttention(4, 2, 2, WQ, WRONG, WV, WO, null)));
        assertEquals("W_V maps 8 → 6; expected 8 → 4", message(() -> new WalkthroughAttention(4, 2, 2, WQ, WK, WRONG, WO, null)));
        assertEquals("W_O maps 8 → 6; expected 8 → 8", message(() -> new WalkthroughAttention(4, 2, 2, WQ, WK, WV, WRONG, null)));
    }
}
