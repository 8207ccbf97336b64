package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * What a GQA-family forward pass returns.
 *
 * @param output        {@code [B, T, M]}: the block's output after W_O
 * @param probabilities {@code [B, H, T, S]}: softmax over the S keys of each query row; exactly 0 on
 *                      hidden keys; a row with no visible key is all 0 (its output row is then W_O's bias,
 *                      or 0 without one)
 */
public record AttentionOutput(Tensor output, Tensor probabilities) {
}
