package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@link Tensor} at the edges of its comparisons and sizes, where PyTorch's answer is known by hand:
 * {@code lt} is strict, an empty axis softmaxes and expands to an empty tensor, and an invalid
 * {@code expand} names the input's own axis (not the output's) when leading axes are added.
 */
class TensorBoundaryTest {

    @Test
    void ltIsStrictSoEqualValuesAreNotLess() {
        // torch.lt(x, c): 1 < 1 is false, 0.5 < 1 true, 2 < 1 false.
        assertArrayEquals(new double[] {0, 1, 0}, Tensor.of(new double[] {1, 0.5, 2}, 3).lt(1).toArray());
    }

    @Test
    void softmaxAlongAnEmptyAxisIsAnEmptyTensor() {
        // torch.softmax(torch.zeros(2, 0), dim=1) has shape (2, 0): no row has an element to normalise.
        Tensor p = Tensor.zeros(2, 0).softmax(1);
        assertArrayEquals(new int[] {2, 0}, p.shape());
        assertEquals(0, p.toArray().length);
    }

    @Test
    void expandToAnEmptyLeadingAxisIsAnEmptyTensor() {
        // torch.ones(3).expand(0, 3) has shape (0, 3): size 0 is a valid new leading size.
        Tensor e = Tensor.ones(3).expand(0, 3);
        assertArrayEquals(new int[] {0, 3}, e.shape());
        assertEquals(0, e.toArray().length);
    }

    @Test
    void expandErrorsNameTheInputAxisNotTheOutputAxis() {
        // Two leading axes are added, so output axis 3 is input axis 1 and output axis 2 is input axis 0.
        Tensor x = Tensor.ones(3, 1);
        assertEquals("expand to [2, 2, 3, -2]: size -2 for axis 1 is invalid (expected a size ≥ 0, or −1 to keep 1)",
                assertThrows(IllegalArgumentException.class, () -> x.expand(2, 2, 3, -2)).getMessage());
        assertEquals("expand: size 3 of axis 0 in shape [3, 1] cannot become 4 (only size-1 axes expand)",
                assertThrows(IllegalArgumentException.class, () -> x.expand(2, 2, 4, 1)).getMessage());
    }
}
