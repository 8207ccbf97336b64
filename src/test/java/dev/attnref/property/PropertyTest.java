package dev.attnref.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The harness itself: failures name seed and shrunk shape, replay reproduces, coverage is enforced. */
class PropertyTest {
    private static final Pattern SEED = Pattern.compile("-Dattnref\\.replay=([^:]+):(-?\\d+)");

    /** Fails whenever the shape has at least four query heads. */
    private static void failsFromFourHeads(AttnShape s, SeededRandom data) {
        if (s.numHeads() >= 4) {
            throw new AssertionError("numHeads " + s.numHeads() + " ≥ 4");
        }
    }

    @Test
    void failureNamesTheSeedAndShrinksToTheSmallestFailingShape() {
        AssertionError e = assertThrows(AssertionError.class, () ->
                Property.of("failsFromFourHeads", AttentionShapes.selfAttention()).tries(200).check(PropertyTest::failsFromFourHeads));
        String message = e.getMessage();
        // Smallest shape with H ≥ 4: (H, G) = (4, 1) and every other size 1.
        assertTrue(message.contains("shrunk shape:   AttnShape{SELF B=1 H=4 G=1 T=1 S=1 D=1 Dv=1 M=1}"), message);
        assertTrue(message.contains("original shape: AttnShape{SELF"), message);
        assertTrue(message.contains("cause: java.lang.AssertionError: numHeads 4 ≥ 4"), message);
        Matcher m = SEED.matcher(message);
        assertTrue(m.find(), message);
        assertEquals("failsFromFourHeads", m.group(1));
        assertTrue(message.contains("mvn test -Dtest=PropertyTest -Dattnref.replay=failsFromFourHeads:" + m.group(2)), message);
    }

    @Test
    void replayingThePrintedSeedReproducesTheShapeAndTheData() {
        List<String> seen = new ArrayList<>();
        Law<AttnShape> recordingLaw = (s, data) -> {
            seen.add(s + " first draw " + data.nextLong());
            failsFromFourHeads(s, data);
        };
        AssertionError first = assertThrows(AssertionError.class, () ->
                Property.of("replayMe", AttentionShapes.withPast()).tries(200).check(recordingLaw));
        // The failing try is the first shape with H ≥ 4 before shrinking started.
        String failingTry = seen.stream().filter(x -> x.contains(" H=4") || x.matches(".* H=[5-9].*")).findFirst().orElseThrow();
        Matcher m = SEED.matcher(first.getMessage());
        assertTrue(m.find());
        seen.clear();
        String previous = System.getProperty("attnref.replay");
        System.setProperty("attnref.replay", "replayMe:" + m.group(2));
        try {
            AssertionError again = assertThrows(AssertionError.class, () ->
                    Property.of("replayMe", AttentionShapes.withPast()).tries(200).check(recordingLaw));
            assertEquals(failingTry, seen.get(0), "replay runs the same shape with the same data first");
            assertEquals(first.getMessage().replaceAll("try \\d+", "try ?"), again.getMessage().replaceAll("try \\d+", "try ?"));
            // A property with another name is not affected by the replay setting.
            Property.Report other = Property.of("someOtherProperty", AttentionShapes.selfAttention()).tries(7).check((s, d) -> { });
            assertEquals(7, other.tries());
        } finally {
            if (previous == null) {
                System.clearProperty("attnref.replay");
            } else {
                System.setProperty("attnref.replay", previous);
            }
        }
    }

    @Test
    void aReplayOfANameTheTestClassDoesNotDefineIsRefused() {
        withReplay("replayMee:42", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    Property.of("replayMe", AttentionShapes.selfAttention()).tries(3).check((s, d) -> { }));
            assertTrue(e.getMessage().startsWith("attnref.replay names replayMee, which is not a property of PropertyTest;"
                    + " its properties: ["), e.getMessage());
            assertTrue(e.getMessage().contains("replayMe,") && e.getMessage().contains("failsFromFourHeads"), e.getMessage());
        });
    }

    @Test
    void aReplaySaysWhatItReplayed() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            withReplay("replayMe:7", () -> {
                Property.Report report = Property.of("replayMe", AttentionShapes.selfAttention()).tries(50).check((s, d) -> { });
                assertEquals(1, report.tries());
            });
        } finally {
            System.setOut(stdout);
        }
        AttnShape shape = AttentionShapes.selfAttention().generate(new SeededRandom(7));
        assertEquals("attnref.replay: replayed replayMe:7 of PropertyTest, shape " + shape + ": passed",
                printed.toString(StandardCharsets.UTF_8).strip());
    }

    private static void withReplay(String replay, Runnable body) {
        String previous = System.getProperty("attnref.replay");
        System.setProperty("attnref.replay", replay);
        try {
            body.run();
        } finally {
            if (previous == null) {
                System.clearProperty("attnref.replay");
            } else {
                System.setProperty("attnref.replay", previous);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameShapesAndDifferentPropertiesDiffer() {
        List<AttnShape> a = new ArrayList<>();
        List<AttnShape> b = new ArrayList<>();
        List<AttnShape> c = new ArrayList<>();
        Property.of("streamA", AttentionShapes.cross()).tries(30).check((s, d) -> a.add(s));
        Property.of("streamA", AttentionShapes.cross()).tries(30).check((s, d) -> b.add(s));
        Property.of("streamB", AttentionShapes.cross()).tries(30).check((s, d) -> c.add(s));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void aCoverageRequirementTheGeneratorCannotMeetFails() {
        Gen<AttnShape> onlyMha = r -> new AttnShape(1, 2, 2, 3, 3, 4, 4, 5, AttnShape.Kind.SELF);
        AssertionError e = assertThrows(AssertionError.class, () ->
                Property.of("onlyMha", onlyMha).tries(20).coverage(AttentionShapes.regimes()).check((s, d) -> { }));
        assertTrue(e.getMessage().contains("never produced \"" + AttentionShapes.MQA + "\""), e.getMessage());
    }

    @Test
    void everyGeneratorCoversMhaMqaAndGroupedRegimes() {
        for (Gen<AttnShape> gen : List.of(AttentionShapes.selfAttention(), AttentionShapes.withPast(), AttentionShapes.cross())) {
            Property.Report report = Property.of("regimes", gen).tries(60).coverage(AttentionShapes.regimes()).check((s, d) -> { });
            report.labelCounts().forEach((label, count) -> assertTrue(count >= 5, label + " seen only " + count + " times in 60"));
        }
    }

    @Test
    void everyShrinkCandidateIsValidAndStrictlySmaller() {
        Property.of("shrinksAreSmaller", AttentionShapes.withPast()).tries(100).check((s, d) -> {
            for (AttnShape smaller : s.shrinks()) {
                assertEquals(s.kind(), smaller.kind());
                assertTrue(size(smaller) < size(s), smaller + " is not smaller than " + s);
            }
        });
    }

    @Test
    void anExceptionInsideTheLawIsReportedAsAFailureWithItsCause() {
        AssertionError e = assertThrows(AssertionError.class, () ->
                Property.of("throws", AttentionShapes.selfAttention()).tries(3).check((s, d) -> {
                    throw new IllegalStateException("boom at " + s.numHeads());
                }));
        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
        assertTrue(e.getMessage().contains("boom at 1"), e.getMessage());
    }

    private static int size(AttnShape s) {
        return s.batch() + s.numHeads() + s.numKvHeads() + s.qLen() + s.kvLen() + s.headDim() + s.valueDim() + s.modelWidth();
    }
}
