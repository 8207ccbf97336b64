package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SeededRandom} against two independent witnesses: a Python port written from the class
 * Javadoc alone ({@code seeded_random.py}, whose output is committed as
 * {@code seeded_random_vectors.json}) and {@link SplittableRandom}, which runs the same
 * SplitMix64 mix with the same golden gamma; plus the distributional laws of the derived draws.
 */
class SeededRandomTest {

    @Test
    void streamMatchesThePythonPortBitForBit() throws IOException {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("seeded_random_vectors.json")) {
            assertTrue(in != null, "seeded_random_vectors.json is missing from the test resources");
            cases = new ObjectMapper().readTree(in).get("cases");
        }
        assertEquals(3, cases.size());
        for (JsonNode c : cases) {
            long seed = c.get("seed").asLong();
            String where = "seed " + seed;

            SeededRandom random = new SeededRandom(seed);
            for (JsonNode expected : c.get("nextLong")) {
                assertEquals(expected.asLong(), random.nextLong(), where + " nextLong");
            }
            random = new SeededRandom(seed);
            for (JsonNode expected : c.get("nextDouble")) {
                assertEquals(expected.get("bits").asLong(), Double.doubleToRawLongBits(random.nextDouble()),
                        where + " nextDouble " + expected.get("value").asText());
            }
            random = new SeededRandom(seed);
            for (JsonNode expected : c.get("nextInt7")) {
                assertEquals(expected.asInt(), random.nextInt(7), where + " nextInt(7)");
            }
            var bounds = c.get("nextIntBounds").fields();
            while (bounds.hasNext()) {
                var entry = bounds.next();
                int n = Integer.parseInt(entry.getKey());
                random = new SeededRandom(seed);
                for (JsonNode expected : entry.getValue()) {
                    assertEquals(expected.asInt(), random.nextInt(n), where + " nextInt(" + n + ")");
                }
            }
            // The Box–Muller inputs are exact binary64 arithmetic: bitwise. The Gaussian itself
            // goes through ln and cos, where the Python port uses glibc and this class fdlibm
            // (StrictMath). Both are faithful: each result is one of the two floats around the
            // true value, so they differ by at most 1 ulp, i.e. relatively by ≤ 2⁻⁵². −2·ln is
            // exact scaling, √ halves a relative error and rounds correctly, the product rounds
            // correctly: |Δz|/|z| ≤ (1 + 2⁻⁵²)(1 + 2⁻⁵²)(1 + 2⁻⁵³) − 1 < 2⁻⁵⁰.
            SeededRandom gaussians = new SeededRandom(seed);
            SeededRandom inputs = new SeededRandom(seed);
            int draw = 0;
            for (JsonNode expected : c.get("nextGaussian")) {
                String which = where + " nextGaussian " + draw++;
                assertEquals(expected.get("u1Bits").asLong(), Double.doubleToRawLongBits(1.0 - inputs.nextDouble()),
                        which + " u1");
                assertEquals(expected.get("u2Bits").asLong(), Double.doubleToRawLongBits(inputs.nextDouble()),
                        which + " u2");
                double actual = gaussians.nextGaussian();
                double python = Double.longBitsToDouble(expected.get("bits").asLong());
                assertEquals(Double.parseDouble(expected.get("value").asText()), python, which + " value vs bits");
                assertTrue(Math.abs(actual - python) <= 0x1.0p-50 * Math.abs(python),
                        which + ": Java " + actual + ", Python " + python + " (" + Math.abs(actual - python)
                                / Math.ulp(python) + " ulp apart)");
            }
        }
    }

    @Test
    void firstDrawOfSeedZeroIsTheKnownSplitMix64Value() {
        // SplitMix64's first output for state 0 is 0xE220A8397B1DCDAF (Vigna's reference
        // splitmix64.c, the value every port checks first).
        assertEquals(0xE220A8397B1DCDAFL, new SeededRandom(0).nextLong());
    }

    @Test
    void nextLongAndNextDoubleMatchSplittableRandom() {
        // java.util.SplittableRandom(seed) starts from state = seed with gamma 0x9E3779B97F4A7C15
        // and applies the same mix64; its nextDouble is (nextLong() >>> 11)·2⁻⁵³ too.
        for (long seed : new long[] {0, 42, -1, 123_456_789_012L, Long.MIN_VALUE}) {
            SeededRandom ours = new SeededRandom(seed);
            SplittableRandom theirs = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                assertEquals(theirs.nextLong(), ours.nextLong(), "seed " + seed + ", draw " + i);
            }
            ours = new SeededRandom(seed);
            theirs = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                assertEquals(theirs.nextDouble(), ours.nextDouble(), "seed " + seed + ", nextDouble " + i);
            }
        }
    }

    @Test
    void sameSeedSameStreamDifferentSeedDifferentStream() {
        SeededRandom a = new SeededRandom(7);
        SeededRandom b = new SeededRandom(7);
        SeededRandom c = new SeededRandom(8);
        long[] fromA = new long[50];
        long[] fromB = new long[50];
        long[] fromC = new long[50];
        for (int i = 0; i < 50; i++) {
            fromA[i] = a.nextLong();
            fromB[i] = b.nextLong();
            fromC[i] = c.nextLong();
        }
        assertArrayEquals(fromA, fromB);
        assertNotEquals(fromA[0], fromC[0]);
    }

    @Test
    void nextDoubleIsTheTop53BitsOfNextLong() {
        SeededRandom longs = new SeededRandom(99);
        SeededRandom doubles = new SeededRandom(99);
        for (int i = 0; i < 200; i++) {
            long top53 = longs.nextLong() >>> 11;
            double d = doubles.nextDouble();
            assertEquals(top53, (long) (d * 0x1.0p53), "draw " + i);
            assertTrue(d >= 0 && d < 1, "draw " + i + " = " + d);
        }
    }

    @Test
    void uniformStaysInItsHalfOpenInterval() {
        SeededRandom random = new SeededRandom(5);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 10_000; i++) {
            double u = random.uniform(-2.0, 3.0);
            assertTrue(u >= -2.0 && u < 3.0, "draw " + i + " = " + u);
            min = Math.min(min, u);
            max = Math.max(max, u);
        }
        // 10,000 draws over a width of 5 leave gaps of ~5e-4 at the ends.
        assertTrue(min < -1.99 && max > 2.99, "range [" + min + ", " + max + "] does not fill [-2, 3)");
    }

    @Test
    void floatsAreTheUniformDrawsRoundedToFloat32() {
        // floats(n, lo, hi)[i] = (float) uniform(lo, hi), draw for draw, so a float32 input and its float64 reference
        // come from one seed; checked against single draws, not against uniforms()
        float[] floats = new SeededRandom(11).floats(1_000, -3, 3);
        SeededRandom draws = new SeededRandom(11);
        for (int i = 0; i < floats.length; i++) {
            assertEquals((float) draws.uniform(-3, 3), floats[i], 0f, "draw " + i);
        }
    }

    @Test
    void nextIntIsUniformOverItsRange() {
        // 70,000 draws of nextInt(7): each count is Binomial(70000, 1/7), mean 10,000, σ ≈ 92.6;
        // 5σ ≈ 463 makes a false alarm practically impossible while a bias of 1/14 would show.
        SeededRandom random = new SeededRandom(2024);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[random.nextInt(7)]++;
        }
        for (int k = 0; k < 7; k++) {
            assertTrue(Math.abs(counts[k] - 10_000) < 463, "value " + k + " drawn " + counts[k] + " times");
        }
    }

    @Test
    void nextIntOfOneIsAlwaysZeroAndConsumesOneDraw() {
        SeededRandom random = new SeededRandom(3);
        SeededRandom twin = new SeededRandom(3);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, random.nextInt(1));
            twin.nextLong();
        }
        assertEquals(twin.nextLong(), random.nextLong());
    }

    @Test
    void nextIntIsTheUnsignedRemainderOfNextLong() {
        // For n = 1000, 2⁶⁴ mod 1000 = 616 values are rejected out of 2⁶⁴: never in practice, so
        // every draw is nextLong() mod 1000, taken unsigned.
        SeededRandom ints = new SeededRandom(11);
        SeededRandom longs = new SeededRandom(11);
        for (int i = 0; i < 200; i++) {
            assertEquals(Long.remainderUnsigned(longs.nextLong(), 1000), ints.nextInt(1000), "draw " + i);
        }
    }

    @Test
    void nextIntRejectsNonPositiveBounds() {
        SeededRandom random = new SeededRandom(1);
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> random.nextInt(0));
        assertEquals("bound n (0) must be positive", zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> random.nextInt(-3));
        assertEquals("bound n (-3) must be positive", negative.getMessage());
    }

    @Test
    void intBetweenIsInclusiveAtBothEnds() {
        SeededRandom random = new SeededRandom(17);
        boolean sawLo = false;
        boolean sawHi = false;
        for (int i = 0; i < 1000; i++) {
            int x = random.intBetween(-2, 2);
            assertTrue(x >= -2 && x <= 2, "draw " + i + " = " + x);
            sawLo |= x == -2;
            sawHi |= x == 2;
        }
        assertTrue(sawLo && sawHi, "1000 draws over 5 values should reach both ends");
        assertEquals(4, random.intBetween(4, 4));
    }

    @Test
    void intBetweenCoversTheWholeIntRange() {
        // hi − lo + 1 = 2³² overflows int; the span must be taken in 64 bits. With n = 2³²,
        // 2⁶⁴ mod n = 0 (no rejection), so the draw is lo + (nextLong() mod 2³²).
        SeededRandom random = new SeededRandom(23);
        SeededRandom twin = new SeededRandom(23);
        for (int i = 0; i < 100; i++) {
            long low32 = twin.nextLong() & 0xFFFF_FFFFL;
            assertEquals((int) (Integer.MIN_VALUE + low32), random.intBetween(Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
    }

    @Test
    void intBetweenRejectsAnEmptyRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SeededRandom(1).intBetween(3, 2));
        assertEquals("empty range [3, 2]", e.getMessage());
    }

    @Test
    void nextGaussianIsBoxMullerOverTwoDoubles() {
        // z = √(−2 ln u1)·cos(2π u2) with u1 = 1 − d₁, u2 = d₂ from the same stream.
        SeededRandom random = new SeededRandom(31);
        SeededRandom twin = new SeededRandom(31);
        for (int i = 0; i < 100; i++) {
            double u1 = 1.0 - twin.nextDouble();
            double u2 = twin.nextDouble();
            double expected = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
            assertEquals(expected, random.nextGaussian(), "draw " + i);
        }
        assertEquals(twin.nextLong(), random.nextLong(), "one Gaussian consumes exactly two longs");
    }

    @Test
    void nextGaussianHasUnitVarianceAndZeroMean() {
        // n = 40,000: the mean has σ = 1/200 = 0.005 and the variance σ ≈ √(2/n) ≈ 0.0071; bounds
        // at 5σ.
        SeededRandom random = new SeededRandom(77);
        int n = 40_000;
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            double z = random.nextGaussian();
            assertTrue(Double.isFinite(z), "draw " + i + " = " + z);
            sum += z;
            sumSquares += z * z;
        }
        double mean = sum / n;
        double variance = sumSquares / n - mean * mean;
        assertTrue(Math.abs(mean) < 0.025, "mean " + mean);
        assertTrue(Math.abs(variance - 1) < 0.036, "variance " + variance);
    }

    @Test
    void gaussiansAndUniformsAreScaledDrawsInOrder() {
        SeededRandom random = new SeededRandom(41);
        SeededRandom twin = new SeededRandom(41);
        double[] gaussians = random.gaussians(4, 0.5);
        for (int i = 0; i < 4; i++) {
            assertEquals(0.5 * twin.nextGaussian(), gaussians[i], "gaussian " + i);
        }
        double[] uniforms = random.uniforms(3, 1.0, 2.0);
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0 + (2.0 - 1.0) * twin.nextDouble(), uniforms[i], "uniform " + i);
        }
    }
}
