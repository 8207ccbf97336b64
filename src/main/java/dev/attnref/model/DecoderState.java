package dev.attnref.model;

import dev.attnref.core.Tensor;
import java.util.ArrayList;
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
    private final List<BlockCache<?>> caches = new ArrayList<>();
    private int length;

    /** One block with the cache its attention grows, kept together so the cache's type follows the block's. */
    private record BlockCache<C>(DecoderBlock<C> block, C cache) {
        static <C> BlockCache<C> empty(DecoderBlock<C> block, int batchSize) {
            return new BlockCache<>(block, block.attention().newCache(batchSize));
        }

        Tensor forward(Tensor x, ShapeTrace trace) {
            return block.forward(x, cache, trace);
        }
    }

    DecoderState(DecoderModel owner, int batchSize, List<DecoderBlock<?>> blocks) {
        this.owner = owner;
        this.batchSize = batchSize;
        for (DecoderBlock<?> block : blocks) {
            caches.add(BlockCache.empty(block, batchSize));
        }
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

    /** Block {@code block}'s forward over its own cache: {@code x [B, T, M] → [B, T, M]}. */
    Tensor forward(int block, Tensor x, ShapeTrace trace) {
        return caches.get(block).forward(x, trace);
    }

    // Called once per forward, after every block has appended its T positions.
    void advance(int newPositions) {
        length += newPositions;
    }
}
