package dev.attnref.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/** The key-transposed cache: its layout formula, appending = packing, and refused input. */
class TransposedKeysTest {

    private static float[] keys(int count, long seed) {
        return new SeededRandom(seed).floats(count, -1, 1);
    }

    @Test
    void everyKeyIsWhereTheLayoutFormulaSays() {
        // B = 2, G = 3, S = 70 (a full tile of 64 and 6 more), D = 5:
        // k[b, g, s, d] at ((b·G + g)·tiles + ⌊s/64⌋)·D·64 + d·64 + s mod 64, tiles = 2.
        int batch = 2;
        int groups = 3;
        int length = 70;
        int headDim = 5;
        float[] k = keys(batch * groups * length * headDim, 5);
        TransposedKeys packed = TransposedKeys.of(new AttentionDims(batch, groups, groups, 1, length, headDim, headDim), k);
        assertEquals(2, packed.tiles());
        assertEquals(length, packed.length());
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < groups; g++) {
                for (int s = 0; s < length; s++) {
                    for (int d = 0; d < headDim; d++) {
                        int at = ((b * groups + g) * 2 + s / 64) * headDim * 64 + d * 64 + s % 64;
                        assertEquals(k[((b * groups + g) * length + s) * headDim + d], packed.data()[at],
                                "k[" + b + ", " + g + ", " + s + ", " + d + "]");
                    }
                }
            }
        }
        // the 58 columns past S in the last tile stay zero
        for (int d = 0; d < headDim; d++) {
            for (int j = length % 64; j < 64; j++) {
                assertEquals(0f, packed.data()[(1 * headDim + d) * 64 + j], "padding at d = " + d + ", j = " + j);
            }
        }
    }

    @Test
    void appendingTokenByTokenEqualsPackingOnce() {
        // B = 1, G = 2, S = 130 appended as 1 + 63 + 66 tokens (across tile ends) vs packed at once.
        int groups = 2;
        int length = 130;
        int headDim = 7;
        float[] k = keys(groups * length * headDim, 9);
        TransposedKeys packed = TransposedKeys.of(new AttentionDims(1, groups, groups, 1, length, headDim, headDim), k);
        TransposedKeys appended = new TransposedKeys(1, groups, headDim, length);
        int start = 0;
        for (int tokens : new int[] {1, 63, 66}) {
            float[] chunk = new float[groups * tokens * headDim];
            for (int g = 0; g < groups; g++) {
                System.arraycopy(k, (g * length + start) * headDim, chunk, g * tokens * headDim, tokens * headDim);
            }
            appended.append(chunk, tokens);
            start += tokens;
        }
        assertEquals(length, appended.length());
        assertArrayEquals(packed.data(), appended.data());
    }

    @Test
    void decodeRefusesKeysOfAnotherShape() {
        AttentionDims dims = new AttentionDims(1, 4, 2, 1, 10, 8, 8);
        TransposedKeys keys = new TransposedKeys(1, 2, 8, 16);
        keys.append(new float[2 * 9 * 8], 9);                       // 9 tokens held, the call says 10
        try (FastAttention fast = new FastAttention(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fast.decode(dims,
                    new float[4 * 8], keys, new float[2 * 10 * 8], FastAttentionOptions.none(), new float[4 * 8]));
            assertTrue(e.getMessage().contains("S=9") && e.getMessage().contains("S=10"), e.getMessage());
        }
    }

    @Test
    void badSizesAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TransposedKeys(1, 0, 8, 16))
                .getMessage().contains("numKvHeads"));
        TransposedKeys keys = new TransposedKeys(1, 1, 4, 8);
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class, () -> keys.append(new float[9 * 4], 9));
        assertTrue(full.getMessage().contains("capacity (8)"), full.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> keys.append(new float[5], 1));
        assertTrue(wrong.getMessage().contains("expected B·G·T·D = 4"), wrong.getMessage());
    }
}
