package dev.attnref.oracle;

import java.util.Arrays;

/**
 * NumPy broadcasting of a mask of rank 1 … 4 against {@code [B, H, T, S]}, aligned from the right:
 * rank 1 is {@code [S]}, rank 2 {@code [T, S]}, rank 3 {@code [H, T, S]} (not {@code [B, T, S]}),
 * rank 4 {@code [B, H, T, S]}. Each mask axis must equal its target axis or be 1 (then it repeats).
 * The flat index of element {@code (b, h, t, s)} is {@code b·σ_B + h·σ_H + t·σ_T + s·σ_S}, with stride 0
 * on every broadcast or missing axis.
 */
final class MaskBroadcast {
    private static final String[] AXES = {"B", "H", "T", "S"};

    private final int strideB;
    private final int strideH;
    private final int strideT;
    private final int strideS;

    private MaskBroadcast(int[] strides) {
        this.strideB = strides[0];
        this.strideH = strides[1];
        this.strideT = strides[2];
        this.strideS = strides[3];
    }

    /**
     * Checks that {@code shape} broadcasts to {@code [B, H, T, S]} and that {@code length} values fill it.
     *
     * @param name   the mask's name, for messages
     * @param shape  the mask's shape, outermost first (read only, copied)
     * @param length the number of values the caller supplied
     */
    static MaskBroadcast of(String name, int[] shape, int length, int batch, int numHeads, int qLen, int kvLen) {
        if (shape == null) {
            throw new IllegalArgumentException(name + " shape is null; expected rank 1 to 4");
        }
        int[] target = {batch, numHeads, qLen, kvLen};
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape) + " of rank " + shape.length
                    + "; expected rank 1 to 4, broadcasting to [B, H, T, S] = " + Arrays.toString(target));
        }
        int[] strides = new int[4];
        long elements = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int axis = 4 - shape.length + i;   // the target axis this mask axis is aligned with
            int size = shape[i];
            if (size != 1 && size != target[axis]) {
                throw new IllegalArgumentException(name + " of shape " + Arrays.toString(shape)
                        + " does not broadcast to [B, H, T, S] = " + Arrays.toString(target) + ": its axis " + i
                        + " (size " + size + ") is aligned with " + AXES[axis] + " (" + target[axis]
                        + ") and must be " + (target[axis] == 1 ? "1" : target[axis] + " or 1"));
            }
            strides[axis] = size == 1 ? 0 : (int) elements;
            elements *= size;
        }
        if (length != elements) {
            throw new IllegalArgumentException(name + " has " + length + " values; its shape "
                    + Arrays.toString(shape) + " needs " + elements);
        }
        return new MaskBroadcast(strides);
    }

    /** Flat index of the mask element that covers {@code (b, h, t, s)}. */
    int index(int b, int h, int t, int s) {
        return b * strideB + h * strideH + t * strideT + s * strideS;
    }
}
