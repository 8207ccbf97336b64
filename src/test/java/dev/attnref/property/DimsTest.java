package dev.attnref.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@link Dims}: named sizes and flags, shrinking toward lower bounds, constraints kept everywhere. */
class DimsTest {

    /** H in [1, 4], G in [1, 4] dividing H, D in [2, 7], C in [1, 9] above D, and a flag. */
    private static Dims.Spec constrained() {
        return Dims.spec().size("H", 1, 4).size("G", 1, 4).size("D", 2, 7).size("C", 1, 9).flag("compressed")
                .where(d -> d.get("H") % d.get("G") == 0)
                .where(d -> d.get("C") > d.get("D"));
    }

    @Test
    void aFailureShrinksToTheSmallestFailingSizesAndFalseFlags() {
        // Fails when H ≥ 3 and D ≥ 4: the smallest such shape has H = 3, D = 4, every other size at
        // its lowest valid value (G = 1, C = D + 1 = 5) and the flag false.
        AssertionError e = assertThrows(AssertionError.class, () ->
                Property.of("dimsShrink", constrained()).tries(200).check((d, data) -> {
                    if (d.get("H") >= 3 && d.get("D") >= 4) {
                        throw new AssertionError("H " + d.get("H") + ", D " + d.get("D"));
                    }
                }));
        assertTrue(e.getMessage().contains("shrunk shape:   Dims{H=3 G=1 D=4 C=5 compressed=false}"), e.getMessage());
    }

    @Test
    void everyGeneratedAndEveryShrunkShapeKeepsTheConstraintsAndBounds() {
        Dims.Spec spec = constrained();
        Property.of("dimsConstraints", spec).tries(300).check((d, data) -> {
            assertValid(d);
            for (Dims smaller : d.shrinks()) {
                assertValid(smaller);
                assertTrue(total(smaller) < total(d), smaller + " is not smaller than " + d);
            }
        });
    }

    @Test
    void generationCoversTheWholeRangeOfEachSizeAndBothFlagValues() {
        Dims.Spec spec = Dims.spec().size("T", 2, 5).flag("f");
        int[] seen = new int[6];
        int[] flags = new int[2];
        Property.of("dimsRange", spec).tries(200).check((d, data) -> {
            seen[d.get("T")]++;
            flags[d.flag("f") ? 1 : 0]++;
        });
        for (int t = 2; t <= 5; t++) {
            assertTrue(seen[t] > 20, "T = " + t + " seen " + seen[t] + " times in 200");
        }
        assertTrue(flags[0] > 50 && flags[1] > 50, "flag false/true " + flags[0] + "/" + flags[1]);
        assertEquals(0, seen[0] + seen[1]);
    }

    @Test
    void shrinkCandidatesGoToTheLowerBoundFirstThenDownByOne() {
        Dims.Spec spec = Dims.spec().size("A", 1, 9).size("B", 3, 9).flag("f");
        Dims d = generateUntil(spec, x -> x.get("A") >= 4 && x.get("B") == 3 && x.flag("f"));
        int a = d.get("A");
        List<Dims> shrinks = d.shrinks();
        // A → 1, A → a − 1; B is at its bound; f → false.
        assertEquals(3, shrinks.size(), shrinks.toString());
        assertEquals("Dims{A=1 B=3 f=true}", shrinks.get(0).toString());
        assertEquals("Dims{A=" + (a - 1) + " B=3 f=true}", shrinks.get(1).toString());
        assertEquals("Dims{A=" + a + " B=3 f=false}", shrinks.get(2).toString());
    }

    @Test
    void misuseIsRejectedWithWhatWasExpected() {
        Dims d = Dims.spec().size("H", 1, 4).flag("yarn").generate(new SeededRandom(1));
        assertEquals("no size or flag \"D\"; known: [H, yarn]",
                assertThrows(IllegalArgumentException.class, () -> d.get("D")).getMessage());
        assertEquals("\"yarn\" is a flag, not a size; use flag(\"yarn\")",
                assertThrows(IllegalArgumentException.class, () -> d.get("yarn")).getMessage());
        assertEquals("size \"H\" bounds [4, 1] must have lo ≤ hi",
                assertThrows(IllegalArgumentException.class, () -> Dims.spec().size("H", 4, 1)).getMessage());
        assertEquals("name \"H\" is already in this spec",
                assertThrows(IllegalArgumentException.class, () -> Dims.spec().size("H", 1, 2).flag("H")).getMessage());
        IllegalStateException impossible = assertThrows(IllegalStateException.class,
                () -> Dims.spec().size("H", 1, 2).where(x -> x.get("H") > 2).generate(new SeededRandom(1)));
        assertTrue(impossible.getMessage().contains("Dims.spec().size(\"H\", 1, 2) with 1 constraint(s)"),
                impossible.getMessage());
    }

    private static void assertValid(Dims d) {
        assertTrue(d.get("H") >= 1 && d.get("H") <= 4 && d.get("G") >= 1 && d.get("D") >= 2 && d.get("D") <= 7
                && d.get("C") <= 9, "bounds: " + d);
        assertEquals(0, d.get("H") % d.get("G"), "G divides H: " + d);
        assertTrue(d.get("C") > d.get("D"), "C > D: " + d);
    }

    private static int total(Dims d) {
        return d.get("H") + d.get("G") + d.get("D") + d.get("C") + (d.flag("compressed") ? 1 : 0);
    }

    private static Dims generateUntil(Dims.Spec spec, Predicate<Dims> wanted) {
        SeededRandom random = new SeededRandom(7);
        for (int i = 0; i < 10_000; i++) {
            Dims d = spec.generate(random);
            if (wanted.test(d)) {
                return d;
            }
        }
        throw new AssertionError("no shape as wanted in 10000 draws of " + spec);
    }
}
