package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The rejection step of {@link SeededRandom#nextInt(int)}: a draw {@code r ≥ 2⁶⁴ − (2⁶⁴ mod n)} is
 * thrown away. For n = 3, 2⁶⁴ mod 3 = 1, so exactly one draw is rejected: r = 2⁶⁴ − 1. Random seeds
 * meet it with probability 2⁻⁶⁴, so the test constructs the seed whose first draw it is, by running the
 * SplitMix64 mix of the class Javadoc backwards (each step, {@code z ^ (z >>> k)} and the odd
 * multiplications, is invertible mod 2⁶⁴) and subtracting the golden gamma.
 */
class NextIntRejectionTest {
    /** SplitMix64 maps state 0x31628AF67B2131AB + γ to 2⁶⁴ − 1. */
    private static final long SEED_FIRST_DRAW_ALL_ONES = 0x31628AF67B2131ABL;
    /** Its second draw (the mix of the state + 2γ), 0xC0986A9C933F53D1 = 13877959472460026833 ≡ 1 (mod 3). */
    private static final long SECOND_DRAW = 0xC0986A9C933F53D1L;

    @Test
    void theSeedReallyStartsWithTheRejectedDraw() {
        SeededRandom random = new SeededRandom(SEED_FIRST_DRAW_ALL_ONES);
        assertEquals(-1L, random.nextLong());            // 2⁶⁴ − 1 as a signed long
        assertEquals(SECOND_DRAW, random.nextLong());
    }

    @Test
    void nextIntRejectsTheTopDrawAndUsesTheNext() {
        // Accepting 2⁶⁴ − 1 would return (2⁶⁴ − 1) mod 3 = 0, and residue 0 would then come up once more
        // often than 1 and 2 over the 2⁶⁴ draws; the law redraws and returns 13877959472460026833 mod 3 = 1.
        assertEquals(1, new SeededRandom(SEED_FIRST_DRAW_ALL_ONES).nextInt(3));
        assertEquals(11, new SeededRandom(SEED_FIRST_DRAW_ALL_ONES).intBetween(10, 12));
    }
}
