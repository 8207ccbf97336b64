package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Temperature, both repetition penalties, top-k, top-p and the softmax of processed logits. */
class LogitsProcessingTest {
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private static double[] randomLogits(SeededRandom random, int vocab, double spread) {
        double[] logits = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            logits[v] = random.uniform(-spread, spread);
        }
        return logits;
    }

    // ---------------------------------------------------------------- temperature

    @Test
    void temperatureOneIsTheIdentityBitForBit() {
        Property.of("temperatureOneIsIdentity", Dims.spec().size("V", 1, 30)).tries(20).check((d, random) -> {
            double[] logits = randomLogits(random, d.get("V"), 20);
            assertTrue(Arrays.equals(logits, LogitsProcessing.temperature(logits, 1.0)));
        });
    }

    @Test
    void temperatureDividesTheLogits() {
        // Seed 001's example: 12.5 / 0.1 = 125 (sharper); 12.5 / 1.5 = 8.333… (flatter).
        assertArrayEquals(new double[] {125, 25}, LogitsProcessing.temperature(new double[] {12.5, 2.5}, 0.1), Tolerances.DIVIDED_LOGITS);
        assertArrayEquals(new double[] {12.5 / 1.5, 2.5 / 1.5}, LogitsProcessing.temperature(new double[] {12.5, 2.5}, 1.5),
                0);
    }

    /**
     * Law: as T falls, softmax(l/T) concentrates on argmax l: p_max is non-decreasing and
     * p_max ≥ 1 − (V − 1)·e^(−gap/T), gap = l_max − l_second.
     */
    static void lowTemperatureApproachesGreedy(int vocab, SeededRandom random) {
        double[] logits = randomLogits(random, vocab, 3);
        int best = Sampling.greedy(logits);
        double second = NEG_INF;
        for (int v = 0; v < vocab; v++) {
            if (v != best) {
                second = Math.max(second, logits[v]);
            }
        }
        double gap = logits[best] - second;
        double previous = 0;
        for (double temperature : new double[] {2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001}) {
            double[] p = LogitsProcessing.softmax(LogitsProcessing.temperature(logits, temperature));
            assertEquals(best, Sampling.greedy(p), "argmax moved at T = " + temperature);
            assertTrue(p[best] >= previous - Tolerances.PROBABILITY, "p_max fell at T = " + temperature);
            double bound = 1 - (vocab - 1) * Math.exp(-gap / temperature);
            assertTrue(p[best] >= bound - Tolerances.PROBABILITY, "T = " + temperature + ": p_max " + p[best] + " < bound " + bound);
            previous = p[best];
        }
    }

    @Test
    void lowTemperatureApproachesGreedy() {
        Property.of("lowTemperatureApproachesGreedy", Dims.spec().size("V", 2, 40))
                .tries(40).check((d, random) -> lowTemperatureApproachesGreedy(d.get("V"), random));
    }

    @Test
    void nonPositiveOrNonFiniteTemperatureIsRejectedPointingToGreedy() {
        for (double bad : new double[] {0.0, -0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LogitsProcessing.temperature(new double[] {1, 2}, bad));
            assertTrue(e.getMessage().contains("temperature (" + bad + ")") && e.getMessage().contains("greedy"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> new DecodingConfig(false, bad, 0, 1.0, RepetitionPenalty.none()));
        }
    }

    // ---------------------------------------------------------------- repetition penalties

    @Test
    void scalePenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnce() {
        // l = [2, −2, 0, 3, 1], history [0, 1, 2, 0], θ = 2:
        //   token 0: 2 > 0 → 2/2 = 1 (once, though seen twice); token 1: −2 → −2·2 = −4
        //   (CTRL's divide-everything would give −1, a reward); token 2: 0 → 0·2 = 0; tokens 3, 4 unseen.
        double[] out = RepetitionPenalty.scale(2.0).apply(new double[] {2, -2, 0, 3, 1}, new int[] {0, 1, 2, 0});
        assertArrayEquals(new double[] {1, -4, 0, 3, 1}, out, 0);
    }

    @Test
    void subtractPenaltyLowersSeenTokensByAConstantOnce() {
        // Seed 001: subtract α = 2 from every seen token: [2−2, −2−2, 0−2, 3, 1].
        double[] out = RepetitionPenalty.subtract(2.0).apply(new double[] {2, -2, 0, 3, 1}, new int[] {0, 1, 2, 0});
        assertArrayEquals(new double[] {0, -4, -2, 3, 1}, out, 0);
    }

    @Test
    void penaltiesKeepRemovedTokensRemovedAndCheckTheHistory() {
        double[] logits = {NEG_INF, 1};
        assertArrayEquals(logits, RepetitionPenalty.scale(3).apply(logits, new int[] {0}), 0);
        assertArrayEquals(logits, RepetitionPenalty.subtract(3).apply(logits, new int[] {0}), 0);
        assertArrayEquals(logits, RepetitionPenalty.none().apply(logits, new int[] {0, 1}), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RepetitionPenalty.scale(1.2).apply(logits, new int[] {1, 5}));
        assertTrue(e.getMessage().contains("history token 5") && e.getMessage().contains("< 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RepetitionPenalty.scale(0.0));
        assertThrows(IllegalArgumentException.class, () -> RepetitionPenalty.subtract(Double.NaN));
    }

    // ---------------------------------------------------------------- top-k

    @Test
    void topKKeepsExactlyKBreakingTiesBySmallerId() {
        // [1, 3, 3, 3, 0], k = 2: three tokens tie at 3; ids 1 and 2 are kept, id 3 is not.
        assertArrayEquals(new double[] {NEG_INF, 3, 3, NEG_INF, NEG_INF},
                LogitsProcessing.topK(new double[] {1, 3, 3, 3, 0}, 2), 0);
        assertArrayEquals(new double[] {5, NEG_INF}, LogitsProcessing.topK(new double[] {5, 5}, 1), 0);
        assertArrayEquals(new double[] {-1, 2}, LogitsProcessing.topK(new double[] {-1, 2}, 7), 0);
        assertThrows(IllegalArgumentException.class, () -> LogitsProcessing.topK(new double[] {1}, 0));
    }

    /** Law: top-k keeps min(k, V) logits unchanged; each kept ≥ each dropped; of equal values, kept ids are smaller. */
    static void topKKeepsTheKLargest(int vocab, int k, SeededRandom random) {
        double[] logits = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            logits[v] = random.intBetween(-3, 3);   // few distinct values: ties at the boundary are common
        }
        double[] out = LogitsProcessing.topK(logits, k);
        int kept = 0;
        for (int v = 0; v < vocab; v++) {
            if (out[v] != NEG_INF) {
                kept++;
                assertEquals(logits[v], out[v], 0, "kept logit changed at " + v);
                for (int w = 0; w < vocab; w++) {
                    if (out[w] == NEG_INF) {
                        assertTrue(logits[v] > logits[w] || (logits[v] == logits[w] && v < w),
                                "kept " + v + " (" + logits[v] + ") but dropped " + w + " (" + logits[w] + ")");
                    }
                }
            }
        }
        assertEquals(Math.min(k, vocab), kept, "logits " + Arrays.toString(logits));
    }

    @Test
    void topKKeepsExactlyTheKLargest() {
        Property.of("topKKeepsExactlyTheKLargest", Dims.spec().size("V", 1, 12).size("k", 1, 14))
                .tries(80).check((d, random) -> topKKeepsTheKLargest(d.get("V"), d.get("k"), random));
    }

    // ---------------------------------------------------------------- top-p

    @Test
    void nucleusStopsWhereTheMassReachesPExactly() {
        // Dyadic probabilities, so every partial sum is exact. Rank order: id 1 (1/2), id 3 (1/4),
        // id 0 (1/8), id 2 (1/8, tied with id 0, ranked after it).
        double[] p = {0.125, 0.5, 0.125, 0.25};
        // p = 0.75: mass before id 3 is 0.5 < 0.75 → keep; before id 0 it is 0.75, not < 0.75 → stop.
        assertArrayEquals(new boolean[] {false, true, false, true}, LogitsProcessing.nucleus(p, 0.75));
        assertArrayEquals(new boolean[] {false, true, false, true}, LogitsProcessing.nucleus(p, 0.7));
        // p = 0.76: mass 0.75 < 0.76 → id 0 joins; its tie partner id 2 does not (mass before it 0.875).
        assertArrayEquals(new boolean[] {true, true, false, true}, LogitsProcessing.nucleus(p, 0.76));
        // p ≤ 1/2: the top token alone.
        assertArrayEquals(new boolean[] {false, true, false, false}, LogitsProcessing.nucleus(p, 0.5));
        assertArrayEquals(new boolean[] {false, true, false, false}, LogitsProcessing.nucleus(p, 0.01));
        // p = 1: everything, by definition.
        assertArrayEquals(new boolean[] {true, true, true, true}, LogitsProcessing.nucleus(p, 1.0));
    }

    @Test
    void topPOutsideTheUnitIntervalIsRejected() {
        for (double bad : new double[] {0.0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LogitsProcessing.topP(new double[] {1, 2}, bad));
            assertTrue(e.getMessage().contains("top-p (" + bad + ")"), e.getMessage());
        }
    }

    /**
     * Law: the nucleus is the minimal rank-order prefix with mass ≥ p: its mass reaches p, the mass
     * without its last member does not, and no dropped token outranks a kept one.
     */
    static void topPKeepsTheMinimalSet(int vocab, SeededRandom random) {
        double[] logits = randomLogits(random, vocab, 4);
        double topP = random.uniform(0.05, 0.999);
        double[] probabilities = LogitsProcessing.softmax(logits);
        boolean[] keep = LogitsProcessing.nucleus(probabilities, topP);
        double mass = 0;
        double last = 0;
        int[] order = LogitsProcessing.rankOrder(probabilities);
        boolean dropping = false;
        for (int v : order) {
            if (keep[v]) {
                assertTrue(!dropping, "kept token " + v + " ranks below a dropped one");
                mass += probabilities[v];
                last = probabilities[v];
            } else {
                dropping = true;
            }
        }
        assertTrue(mass >= topP || !dropping, "kept mass " + mass + " < p = " + topP);
        assertTrue(mass - last < topP, "not minimal: mass without the last kept token " + (mass - last) + " ≥ p = " + topP);
        double[] filtered = LogitsProcessing.topP(logits, topP);
        for (int v = 0; v < vocab; v++) {
            assertEquals(keep[v] ? logits[v] : NEG_INF, filtered[v], 0, "token " + v);
        }
    }

    @Test
    void topPKeepsTheMinimalSet() {
        Property.of("topPKeepsTheMinimalNucleus", Dims.spec().size("V", 1, 25))
                .tries(80).check((d, random) -> topPKeepsTheMinimalSet(d.get("V"), random));
    }

    // ---------------------------------------------------------------- the whole pipeline

    /** Law: whatever the processing, q = softmax(processed) is a distribution: q ≥ 0, Σq = 1, zero exactly where removed. */
    static void processedProbabilitiesSumToOne(int vocab, int historyLength, SeededRandom random) {
        double[] logits = randomLogits(random, vocab, 10);
        int[] history = new int[historyLength];
        for (int i = 0; i < historyLength; i++) {
            history[i] = random.nextInt(vocab);
        }
        RepetitionPenalty penalty = switch (random.nextInt(3)) {
            case 0 -> RepetitionPenalty.none();
            case 1 -> RepetitionPenalty.scale(random.uniform(0.5, 3));
            default -> RepetitionPenalty.subtract(random.uniform(-2, 5));
        };
        DecodingConfig config = new DecodingConfig(random.nextInt(2) == 0, random.uniform(0.05, 3), random.nextInt(vocab + 1),
                random.nextInt(2) == 0 ? 1.0 : random.uniform(0.05, 1), penalty);
        double[] processed = config.processLogits(logits, history);
        double[] q = config.probabilities(logits, history);
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            assertTrue(q[v] >= 0, "negative probability at " + v);
            assertEquals(processed[v] == NEG_INF, q[v] == 0.0, config + ": token " + v + " logit " + processed[v]
                    + " probability " + q[v]);
            sum += q[v];
        }
        assertEquals(1.0, sum, vocab * Tolerances.SUM_PER_TOKEN, config.toString());
    }

    @Test
    void processedProbabilitiesSumToOne() {
        Property.of("processedProbabilitiesSumToOne", Dims.spec().size("V", 1, 40).size("history", 0, 10))
                .tries(150).check((d, random) -> processedProbabilitiesSumToOne(d.get("V"), d.get("history"), random));
    }

    @Test
    void softmaxOfAnAllRemovedRowIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogitsProcessing.softmax(new double[] {NEG_INF, NEG_INF}));
        assertTrue(e.getMessage().contains("all −∞"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogitsProcessing.softmax(new double[] {1, Double.NaN}));
    }
}
