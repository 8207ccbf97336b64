package dev.attnref.experiment;

import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;

/**
 * The naive and absorbed forms of one MLA decode step, from the cached latents, for E05's precision
 * comparison. The projections around attention (forming keys, values, q̂, applying W_UV) are done
 * here in float32 (every product and sum rounded to float) or float64; the attention step itself runs
 * on the product: the fast float32 kernels ({@link FastAttention#decode} for the naive form,
 * {@link FastAttention#mlaDecode} for the absorbed one) or the float64 oracle ({@link OracleAttention},
 * the absorbed form as MQA with Dk = C + P over the rows [c | k_R] and Dv = C over c).
 *
 * <pre>
 *   naive     k_h,s = [W_UK,h c_s | k_R,s],  v_h,s = W_UV,h c_s          formed per head and key
 *             o_h   = Σ_s softmax_s(scale · [q_nope,h | q_rope,h]·k_h,s) v_h,s
 *   absorbed  q̂_h   = [W_UK,hᵀ q_nope,h | q_rope,h]                        query moved into latent space
 *             ô_h   = Σ_s softmax_s(scale · q̂_h·[c_s | k_R,s]) c_s
 *             o_h   = W_UV,h ô_h
 * </pre>
 *
 * <table>
 *   <caption>Arguments (flat, row-major, read only)</caption>
 *   <tr><th>name</th><th>shape</th></tr>
 *   <tr><td>latents c</td><td>[S, C]</td></tr>
 *   <tr><td>ropeKeys k_R</td><td>[S, P]</td></tr>
 *   <tr><td>wUk</td><td>[H, D_nope, C]</td></tr>
 *   <tr><td>wUv</td><td>[H, Dv, C]</td></tr>
 *   <tr><td>qNope, qRope</td><td>[H, D_nope], [H, P]</td></tr>
 *   <tr><td>result o</td><td>[H, Dv]</td></tr>
 * </table>
 */
final class MlaForms {
    private MlaForms() {
    }

    private static double round(double x, boolean float32) {
        return float32 ? (float) x : x;
    }

    /** y = W x for W [rows, cols] at offset, in the chosen arithmetic. */
    private static double dot(double[] w, int offset, double[] x, int xOffset, int n, boolean float32) {
        if (float32) {
            float sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (float) w[offset + i] * (float) x[xOffset + i];
            }
            return sum;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w[offset + i] * x[xOffset + i];
        }
        return sum;
    }

    static double[] naive(double[] latents, double[] ropeKeys, double[] wUk, double[] wUv, double[] qNope,
                          double[] qRope, int heads, int latent, int rope, int nope, int valueDim, int length,
                          double scale, boolean float32) {
        int dk = nope + rope;
        double[] keys = new double[heads * length * dk];        // [H, S, D_nope + P]
        double[] values = new double[heads * length * valueDim]; // [H, S, Dv]
        double[] queries = new double[heads * dk];              // [H, D_nope + P]
        // k_h,s = [W_UK,h c_s | k_R,s], v_h,s = W_UV,h c_s       "hdc,sc->hsd"
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < length; s++) {
                for (int d = 0; d < nope; d++) {
                    keys[(h * length + s) * dk + d] = dot(wUk, (h * nope + d) * latent, latents, s * latent, latent, float32);
                }
                for (int d = 0; d < rope; d++) {
                    keys[(h * length + s) * dk + nope + d] = round(ropeKeys[s * rope + d], float32);
                }
                for (int d = 0; d < valueDim; d++) {
                    values[(h * length + s) * valueDim + d] =
                            dot(wUv, (h * valueDim + d) * latent, latents, s * latent, latent, float32);
                }
            }
            for (int d = 0; d < nope; d++) {
                queries[h * dk + d] = round(qNope[h * nope + d], float32);
            }
            for (int d = 0; d < rope; d++) {
                queries[h * dk + nope + d] = round(qRope[h * rope + d], float32);
            }
        }
        // o_h = Σ_s softmax_s(scale · q_h·k_h,s) v_h,s: GQA with G = H
        if (!float32) {
            return OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(heads).numKvHeads(heads).qLen(1)
                    .newKvLen(length).headDim(dk).valueHeadDim(valueDim).query(queries).key(keys).value(values)
                    .scale(scale).build()).output();
        }
        float[] out = new float[heads * valueDim];
        try (FastAttention fast = new FastAttention(1)) {
            fast.decode(new AttentionDims(1, heads, heads, 1, length, dk, valueDim), floats(queries), floats(keys),
                    floats(values), FastAttentionOptions.none().withScale((float) scale), out);
        }
        return doubles(out);
    }

    static double[] absorbed(double[] latents, double[] ropeKeys, double[] wUk, double[] wUv, double[] qNope,
                             double[] qRope, int heads, int latent, int rope, int nope, int valueDim, int length,
                             double scale, boolean float32) {
        int width = latent + rope;
        double[] rows = new double[length * width];             // [S, C + P]
        for (int s = 0; s < length; s++) {
            for (int c = 0; c < latent; c++) {
                rows[s * width + c] = round(latents[s * latent + c], float32);
            }
            for (int d = 0; d < rope; d++) {
                rows[s * width + latent + d] = round(ropeKeys[s * rope + d], float32);
            }
        }
        // q̂_h = [W_UK,hᵀ q_nope,h | q_rope,h]                     "hdc,hd->hc"
        double[] queries = new double[heads * width];
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < latent; c++) {
                double sum = 0;
                float sum32 = 0;
                for (int d = 0; d < nope; d++) {
                    if (float32) {
                        sum32 += (float) wUk[(h * nope + d) * latent + c] * (float) qNope[h * nope + d];
                    } else {
                        sum += wUk[(h * nope + d) * latent + c] * qNope[h * nope + d];
                    }
                }
                queries[h * width + c] = float32 ? sum32 : sum;
            }
            for (int d = 0; d < rope; d++) {
                queries[h * width + latent + d] = round(qRope[h * rope + d], float32);
            }
        }
        double[] latentOut = attendLatent(rows, queries, heads, latent, rope, length, scale, float32);   // ô [H, C]
        // o_h = W_UV,h ô_h                                        "hdc,hc->hd"
        double[] out = new double[heads * valueDim];
        for (int h = 0; h < heads; h++) {
            double[] rounded = new double[latent];
            for (int c = 0; c < latent; c++) {
                rounded[c] = round(latentOut[h * latent + c], float32);
            }
            for (int d = 0; d < valueDim; d++) {
                out[h * valueDim + d] = dot(wUv, (h * valueDim + d) * latent, rounded, 0, latent, float32);
            }
        }
        return out;
    }

    /** ô_h = Σ_s softmax_s(scale · q̂_h·row_s) c_s over the rows [c_s | k_R,s]: MQA with Dk = C + P, Dv = C. */
    private static double[] attendLatent(double[] rows, double[] queries, int heads, int latent, int rope, int length,
                                         double scale, boolean float32) {
        int width = latent + rope;
        if (!float32) {
            double[] latents = new double[length * latent];    // c [S, C]
            for (int s = 0; s < length; s++) {
                System.arraycopy(rows, s * width, latents, s * latent, latent);
            }
            return OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(heads).numKvHeads(1).qLen(1)
                    .newKvLen(length).headDim(width).valueHeadDim(latent).query(queries).key(rows).value(latents)
                    .scale(scale).build()).output();
        }
        float[] qLatent = new float[heads * latent];
        float[] qRope = new float[heads * rope];
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < latent; c++) {
                qLatent[h * latent + c] = (float) queries[h * width + c];
            }
            for (int d = 0; d < rope; d++) {
                qRope[h * rope + d] = (float) queries[h * width + latent + d];
            }
        }
        float[] out = new float[heads * latent];
        try (FastAttention fast = new FastAttention(1)) {
            fast.mlaDecode(1, heads, latent, rope, length, qLatent, qRope, floats(rows), (float) scale, out);
        }
        return doubles(out);
    }

    /** x rounded to float32, element by element. */
    static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** x widened to float64. */
    static double[] doubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
