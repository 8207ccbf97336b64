package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A norm over width M touches only inputs of last axis M and parameters of shape [M]. Both would
 * otherwise broadcast silently: RMSNorm without γ normalises any row, and a LayerNorm γ of shape [1]
 * scales every feature by one number.
 */
class NormWidthRefusalTest {

    @Test
    void rmsNormWithoutGainRefusesAnInputOfAnotherWidth() {
        RmsNorm norm = new RmsNorm(4, 1e-6, null);
        assertEquals("RMSNorm over width 4 got input of shape [2, 3]; expected last axis 4",
                assertThrows(IllegalArgumentException.class, () -> norm.forward(Tensor.ones(2, 3))).getMessage());
    }

    @Test
    void layerNormRefusesAGainThatWouldBroadcast() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LayerNorm(4, 1e-5, Tensor.ones(1), null));
        assertTrue(e.getMessage().startsWith("LayerNorm weight"), e.getMessage());
    }
}
