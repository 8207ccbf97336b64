package dev.attnref.attention;

/**
 * The two ways {@link AbsorbedMla} moves the up-projections out of the per-key work. Both rest on
 * the same identities (MATH.md, "Absorption"), exact in real arithmetic:
 * <pre>
 *   q_C,i·(W_UK,i c_kv) = (W_UK,iᵀ q_C,i)·c_kv               key side
 *   Σ_s p_s W_UV,i c_kv,s = W_UV,i Σ_s p_s c_kv,s            value side
 * </pre>
 *
 * <ul>
 *   <li>{@link #RUN_TIME_REASSOCIATION}: the query is formed as usual, then moved into latent
 *       space per call ({@code W_UK,iᵀ q_C,i}); the weighted sum of latents is mapped back by
 *       {@code W_UV,i} before {@code W_O}. This is what DeepSeek-V3's {@code inference/model.py}
 *       does with {@code attn_impl = "absorb"}: no weight product is stored.</li>
 *   <li>{@link #PRECOMPUTED_PRODUCTS}: the per-head products {@code W_UK,iᵀ·W_UQ,i}
 *       {@code [C, Q_in]} and {@code W_O,i·W_UV,i} {@code [M, C]} are formed once at construction;
 *       a call never forms {@code q_C,i} or {@code o_i}. This is the form the DeepSeek-V2 paper
 *       describes in §2.1.2 (W_UK absorbed into the query projection, W_UV into W_O).</li>
 * </ul>
 */
public enum MlaAbsorption {
    RUN_TIME_REASSOCIATION,
    PRECOMPUTED_PRODUCTS
}
