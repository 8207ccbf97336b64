/**
 * The decoder-only transformer of seed 001 ({@code shared/seeds/001_…txt}, "Transformers 结构
 * (decode only)"), in float64: token and learned position embedding, RMSNorm and LayerNorm,
 * pre-norm and post-norm blocks, feed-forward networks (ReLU, GELU, SiLU, SwiGLU), final norm,
 * a tied or untied LM head, logits processing, sampling and cached generation.
 *
 * <h2>Walk-through (seed 001, in this project's axis letters)</h2>
 * <pre>
 *   ids (B, T) ─lookup→ X (B, T, M) ─(+ P if learned positions)→ N blocks (B, T, M)
 *   ─final norm→ (B, T, M) ─LM head→ logits (B, T, V) ─process→ probabilities (V) ─sample→ id
 * </pre>
 * Seed 001 writes {@code D} for the model width and {@code D_h} for the head width; this project
 * writes {@code M} and {@code D} (core package legend). Two more letters are used here:
 * <pre>
 *   V  vocabulary size          F  feed-forward hidden width
 * </pre>
 *
 * <p>Attention is reached through {@link dev.attnref.model.AttentionLayer}, so a block runs over
 * any attention with a cache. {@link dev.attnref.model.WalkthroughAttention} is seed 001's masked
 * self-attention step by step (G key/value heads: MHA, MQA and GQA), the one that can report the
 * shape of every intermediate to a {@link dev.attnref.model.ShapeTrace}.
 * {@link dev.attnref.model.LatentAttentionLayer} puts the attention package's MLA (naive and
 * absorbed), MFA and MFA-KR modules behind the same interface, configured by
 * {@link dev.attnref.model.LatentAttention}; the trace then shows their caches (e.g. the latent
 * {@code c_kv (B, S, C)} and {@code k_R (B, S, P)} of absorbed MLA).
 */
package dev.attnref.model;
