package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/** The rotary loop of the MLA/MFA oracles: position 0, norms, the pairing permutation, partial columns. */
class LatentAttentionStepsTest {

    @Test
    void ropeAtPositionZeroIsTheIdentityBitForBit() {
        // φ = 0·θ^(−2i/P) = 0: cos 0 = 1, sin 0 = 0, so a' = a·1 − b·0 = a exactly.
        for (RopePairing pairing : RopePairing.values()) {
            double[] x = new SeededRandom(5).gaussians(3 * 8, 1.0);   // one token per row, seqLen 1
            double[] rotated = x.clone();
            LatentAttentionSteps.rotate(rotated, 3, 8, 0, 8, 1, 0, 10000.0, pairing);
            assertArrayEquals(x, rotated, 0.0, pairing.name());
        }
    }

    @Test
    void ropeKeepsNormsAndLeavesColumnsOutsideItsRangeAlone() {
        double[] x = new SeededRandom(6).gaussians(4 * 9, 1.0);   // [T=4, 9]: columns 3..6 rotate
        double[] rotated = x.clone();
        LatentAttentionSteps.rotate(rotated, 4, 9, 3, 4, 4, 5, 10000.0, RopePairing.INTERLEAVED);
        for (int t = 0; t < 4; t++) {
            double before = 0;
            double after = 0;
            for (int d = 3; d < 7; d++) {
                before += x[t * 9 + d] * x[t * 9 + d];
                after += rotated[t * 9 + d] * rotated[t * 9 + d];
            }
            assertEquals(before, after, Tolerances.ROTATION_NORM, "row " + t);
            for (int d : new int[] {0, 1, 2, 7, 8}) {
                assertEquals(x[t * 9 + d], rotated[t * 9 + d], 0.0, "row " + t + " column " + d);
            }
        }
    }

    @Test
    void interleavedAndSplitHalvesAgreeAfterPermutingTheDimensions() {
        // Split-halves entry j holds interleaved entry perm[j]: perm = (0, 2, 4, 1, 3, 5) for P = 6.
        int[] perm = {0, 2, 4, 1, 3, 5};
        double[] x = new SeededRandom(7).gaussians(6, 1.0);
        double[] permuted = new double[6];
        for (int j = 0; j < 6; j++) {
            permuted[j] = x[perm[j]];
        }
        double[] interleaved = x.clone();
        LatentAttentionSteps.rotate(interleaved, 1, 6, 0, 6, 1, 9, 10000.0, RopePairing.INTERLEAVED);
        LatentAttentionSteps.rotate(permuted, 1, 6, 0, 6, 1, 9, 10000.0, RopePairing.SPLIT_HALVES);
        for (int j = 0; j < 6; j++) {
            assertEquals(interleaved[perm[j]], permuted[j], Tolerances.HAND_COMPUTED, "dimension " + j);
        }
    }
}
