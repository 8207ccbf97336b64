package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * One forward call of a {@link SelfAttention} module: the output and, for checking, the logits and
 * probabilities it attended with.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>component</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>output</td><td>[B, T, M]</td><td>new tensor</td></tr>
 *   <tr><td>logits</td><td>[B, H, T, S]</td><td>scaled scores after softcap and additive mask; −∞ where a mask hides a key</td></tr>
 *   <tr><td>probabilities</td><td>[B, H, T, S]</td><td>softmax over S; exactly 0 where hidden; a row with no
 *       visible key is all 0 (its output row is then W_O's bias, or 0 without one)</td></tr>
 * </table>
 * S counts every key the call saw: the cached ones plus the T new ones.
 */
public record ForwardResult(Tensor output, Tensor logits, Tensor probabilities) {
}
