package dev.attnref.oracle;

/**
 * Everything {@link OracleAttention#attend} computes, stage by stage. All arrays are new, owned by
 * the caller, flat and row-major.
 *
 * <table>
 *   <caption>Stages</caption>
 *   <tr><th>component</th><th>shape</th><th>value</th></tr>
 *   <tr><td>scaledScores</td><td>[B, H, T, S]</td><td>scale · q[b,h,t,·]·k[b,g(h),s,·], before softcap and masks (ONNX qk_matmul_output mode 0)</td></tr>
 *   <tr><td>cappedScores</td><td>[B, H, T, S]</td><td>c·tanh(scaledScores / c) when softcap c &gt; 0, else scaledScores (ONNX mode 1)</td></tr>
 *   <tr><td>logits</td><td>[B, H, T, S]</td><td>cappedScores + additive mask where visible; the mask fill (−∞ by default) where a boolean, causal or padding mask hides the key (ONNX mode 2 with the −∞ fill)</td></tr>
 *   <tr><td>probabilities</td><td>[B, H, T, S]</td><td>softmax_s(logits); a row of only −∞ follows {@link FullyMaskedRows} (ONNX mode 3 with ZEROS)</td></tr>
 *   <tr><td>output</td><td>[B, H, T, Dv]</td><td>Σ_s probabilities[b,h,t,s] · v[b,g(h),s,·]</td></tr>
 *   <tr><td>presentKey</td><td>[B, G, S, D]</td><td>past keys (positions 0 … P−1) then the new ones</td></tr>
 *   <tr><td>presentValue</td><td>[B, G, S, Dv]</td><td>past values then the new ones</td></tr>
 * </table>
 */
public record AttentionResult(double[] output, double[] scaledScores, double[] cappedScores, double[] logits,
        double[] probabilities, double[] presentKey, double[] presentValue) {
}
