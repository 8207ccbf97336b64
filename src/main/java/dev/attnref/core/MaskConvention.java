package dev.attnref.core;

/**
 * What a 1 in a boolean mask means. The seeds use both, so every API that takes a boolean mask
 * takes one of these and never guesses (docs/MATH.md, "Masks").
 */
public enum MaskConvention {
    /** 1 = keep, 0 = hide: seeds 002 and 003 ({@code masked_fill(mask == 0, …)}), ONNX bool masks. */
    KEEP_WHERE_TRUE,
    /** 1 = hide: seed 000's MQA and GQA ({@code scores += mask · −big}). */
    HIDE_WHERE_TRUE;

    /** Whether a mask entry {@code m} (0.0 or 1.0) hides its key under this convention. */
    public boolean hides(double m) {
        return (m != 0.0) == (this == HIDE_WHERE_TRUE);
    }
}
