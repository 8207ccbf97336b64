package dev.attnref.model;

import java.util.List;

/**
 * The per-block attention caches of one {@link DecoderModel} for {@code B} sequences of equal
 * length, and that length: the absolute position the next token takes. Made by
 * {@link DecoderModel#newState(int)}; grown only by {@link DecoderModel#forward(int[][], DecoderState, ShapeTrace)}.
 * Checked by {@code GenerationTest} (chunked prefill) and {@code DecoderModelTest}.
 */
public final class DecoderState {
    private final DecoderModel owner;
    private final int batchSize;
    private final List<AttentionCache> caches;
    private int length;

    DecoderState(DecoderModel owner, int batchSize, List<AttentionCache> caches) {
        this.owner = owner;
        this.batchSize = batchSize;
        this.caches = List.copyOf(caches);
    }

    /** Positions processed so far. */
    public int length() {
        return length;
    }

    public int batchSize() {
        return batchSize;
    }

    DecoderModel owner() {
        return owner;
    }

    AttentionCache cache(int block) {
        return caches.get(block);
    }

    // Called once per forward, after every block has appended its T positions.
    void advance(int newPositions) {
        length += newPositions;
        for (int i = 0; i < caches.size(); i++) {
            if (caches.get(i).length() != length) {
                throw new IllegalStateException("attention cache of block " + i + " holds " + caches.get(i).length()
                        + " positions; the decoder has processed " + length);
            }
        }
    }
}
