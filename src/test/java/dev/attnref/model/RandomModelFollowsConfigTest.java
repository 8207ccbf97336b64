package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link DecoderModel#random} builds what its config names (norm kind, RoPE or learned positions, a tied
 * or untied head, N(0, 1/M) tables), and the model refuses parts of another width. Cached-versus-uncached
 * laws cannot see these choices: both paths run the same model, whatever was built.
 */
class RandomModelFollowsConfigTest {
    private static final DecoderConfig WIDTH_16 = DecoderConfig.builder().build();   // M 16, V 32, RoPE, RMS, tied

    private static DecoderModel model(DecoderConfig config) {
        return DecoderModel.random(config, new SeededRandom(3));
    }

    @Test
    void normKindPositionsAndHeadAreTheConfigured() {
        DecoderModel rms = model(WIDTH_16);
        assertTrue(rms.finalNorm() instanceof RmsNorm);
        assertTrue(rms.blocks().get(0).attentionNorm() instanceof RmsNorm);
        assertTrue(rms.head().isTied());
        assertNull(rms.positions());
        assertTrue(rms.blocks().get(0).attention() instanceof WalkthroughAttention w && w.rope() != null);

        DecoderModel layer = model(WIDTH_16.toBuilder().norm(NormKind.LAYER).position(PositionEncoding.LEARNED)
                .tiedHead(false).build());
        assertTrue(layer.finalNorm() instanceof LayerNorm);
        assertTrue(layer.blocks().get(0).ffnNorm() instanceof LayerNorm);
        assertFalse(layer.head().isTied());
        assertEquals(16, layer.positions().modelWidth());
        assertTrue(layer.blocks().get(0).attention() instanceof WalkthroughAttention w && w.rope() == null);
    }

    @Test
    void tokenTableEntriesHaveVarianceOneOverM() {
        // 32 · 16 = 512 entries of N(0, 1/16): mean of squares 1/16 = 0.0625, relative spread √(2/512) ≈ 6%.
        // A table of N(0, M) (std √M instead of 1/√M) would give 16.
        double[] table = model(WIDTH_16).embedding().weight().toArray();
        double meanSquare = 0;
        for (double x : table) {
            meanSquare += x * x / table.length;
        }
        assertEquals(0.0625, meanSquare, 0.0625 * 0.25);
    }

    @Test
    void partsOfAnotherWidthAreRefusedByName() {
        DecoderConfig learned = WIDTH_16.toBuilder().position(PositionEncoding.LEARNED).tiedHead(false).build();
        DecoderModel a = model(learned);
        DecoderModel b = model(learned.toBuilder().modelWidth(8).numHeads(2).numKvHeads(1).build());
        assertRefused(() -> new DecoderModel(a.embedding(), a.positions(), a.blocks(), a.finalNorm(), b.head()),
                "LM head has model width 8; the embedding has 16");
        assertRefused(() -> new DecoderModel(a.embedding(), b.positions(), a.blocks(), a.finalNorm(), a.head()),
                "position embedding has model width 8; the embedding has 16");
        assertRefused(() -> new DecoderModel(a.embedding(), a.positions(), b.blocks(), a.finalNorm(), a.head()),
                "block 0 has model width 8; the embedding has 16");
        assertRefused(() -> new DecoderModel(a.embedding(), a.positions(), a.blocks(), b.finalNorm(), a.head()),
                "final norm has model width 8; the embedding has 16");
    }

    private static void assertRefused(Executable call, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
