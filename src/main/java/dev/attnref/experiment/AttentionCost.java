package dev.attnref.experiment;

import dev.attnref.attention.AttentionShape;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.core.Checks;

/**
 * FLOPs and bytes of one attention layer for one call: B sequences, T new tokens each, P tokens
 * already cached (S = P + T keys after the call). A multiply-add counts 2 FLOPs.
 *
 * <h2>FLOPs</h2>
 * <pre>
 *   pairs       = B · (T·P + T(T+1)/2)                      causal: query t sees P + t + 1 keys
 *   projection  = 2 · B · T · W                             W = matrix weights applied per new token
 *   core        = pairs · 2·H·(Dk + Dv)  (+ 3·Dk per key read for MFA-KR's rotation)       ({@link CoreShape})
 * </pre>
 * <table>
 *   <caption>W and the core per variant (catalogue names: M, H, G, D, Dv; MLA C_q, C, D_nope, P; MFA C_q, C)</caption>
 *   <tr><th>variant</th><th>W</th><th>core Dk + Dv</th><th>cache per token</th></tr>
 *   <tr><td>MHA/GQA/MQA</td><td>M·H·D + 2·M·G·D + H·Dv·M</td><td>D + Dv</td><td>G·(D + Dv)</td></tr>
 *   <tr><td>MLA naive</td><td>query path + M·(C+P) + C·H·(D_nope+Dv) + H·Dv·M</td><td>D_nope + P + Dv</td><td>H·(D_nope + P + Dv)</td></tr>
 *   <tr><td>MLA absorbed</td><td>same W: W_UK,iᵀ moves each query into latent space (H·D_nope·C) and W_UV,i
 *       maps each output back (H·C·Dv) instead of up-projecting each new token's latent</td><td>(C + P) + C</td><td>C + P</td></tr>
 *   <tr><td>MFA</td><td>M·C_q + C_q·H·C + 2·M·C + H·C·M</td><td>2C</td><td>2C</td></tr>
 *   <tr><td>MFA-KR</td><td>M·C_q + C_q·H·C + M·C + H·C·M (N, α folded into W_O)</td><td>2C, + 3C per key read</td><td>C</td></tr>
 * </table>
 * The query path of MLA is {@code M·C_q + C_q·H·(D_nope+P)} with query compression, {@code M·H·(D_nope+P)}
 * without. RMSNorm weights are elementwise and not counted. Absorbed MLA is the run-time
 * re-association of DeepSeek-V3's {@code inference/model.py}, not precomputed products.
 *
 * <h2>Bytes (minimum traffic: scores and probabilities never leave the chip, as in fused kernels)</h2>
 * <pre>
 *   weights      = W · weightBytes                          read once per call, shared by the batch
 *   cache read   = B · P · cachePerToken · kvBytes
 *   cache write  = B · T · cachePerToken · kvBytes
 *   activations  = 2 · B · T · M · activationBytes          x in, output out
 * </pre>
 *
 * Checked by {@code RooflineTest} (one configuration per variant worked by hand).
 */
public record AttentionCost(double projectionFlops, double coreFlops, double weightBytes, double cacheReadBytes,
                            double cacheWriteBytes, double activationBytes) {

    /** Costs of {@code shape} (MLA in {@code form}) for B sequences, T new tokens, P cached. */
    public static AttentionCost of(AttentionShape shape, CoreShape.MlaForm form, int batch, int newTokens, long cached,
                                   double weightBytesEach, double kvBytesEach, double activationBytesEach) {
        Checks.positive("batch", batch);
        Checks.positive("newTokens", newTokens);
        if (cached < 0) {
            throw new IllegalArgumentException("cached (" + cached + ") must be ≥ 0");
        }
        CoreShape core = CoreShape.of(shape, form);
        double b = batch;
        double t = newTokens;
        double pairs = b * (t * cached + t * (t + 1) / 2);
        double keysRead = b * (cached + t);
        double w = matrixWeights(shape);
        double cachePerToken = core.cacheValuesPerToken();
        return new AttentionCost(
                2 * b * t * w,
                pairs * core.flopsPerPair() + keysRead * core.flopsPerKeyRead(),
                w * weightBytesEach,
                b * cached * cachePerToken * kvBytesEach,
                b * t * cachePerToken * kvBytesEach,
                2 * b * t * shape.modelWidth() * activationBytesEach);
    }

    /** One decode step at cache length S (P = S − 1, T = 1), everything in bf16 or the given KV precision. */
    public static AttentionCost decode(AttentionShape shape, CoreShape.MlaForm form, int batch, long cacheLength,
                                       KvPrecision kv) {
        return of(shape, form, batch, 1, cacheLength - 1, 2, kv.bytes(), 2);
    }

    /** Causal prefill of S tokens with an empty cache, bf16 weights and activations. */
    public static AttentionCost prefill(AttentionShape shape, CoreShape.MlaForm form, int batch, int length,
                                        KvPrecision kv) {
        return of(shape, form, batch, length, 0, 2, kv.bytes(), 2);
    }

    /** Matrix weights applied per new token, W of the table above. */
    public static double matrixWeights(AttentionShape shape) {
        if (shape instanceof GqaShape g) {
            return g.parametersPerLayer();
        }
        if (shape instanceof MlaShape m) {
            double norms = m.qLoraRank() + (double) m.kvLoraRank();
            return m.parametersPerLayer() - norms;
        }
        MfaShape f = (MfaShape) shape;
        double c = f.headDim();
        double folded = f.keyReuse() ? c * c + c : 0;
        return f.parametersPerLayer() - f.queryRank() - folded;
    }

    public double flops() {
        return projectionFlops + coreFlops;
    }

    public double bytes() {
        return weightBytes + cacheReadBytes + cacheWriteBytes + activationBytes;
    }

    /** FLOP per byte. */
    public double intensity() {
        return flops() / bytes();
    }

    /** Roofline time on {@code hw}: max(FLOPs / matrix peak, bytes / bandwidth). */
    public double seconds(Hardware hw) {
        return Math.max(flops() / hw.matrixFlops(), bytes() / hw.bandwidth());
    }

    /** Whether {@code hw} is bound by memory (bytes time ≥ FLOPs time) for this call. */
    public boolean memoryBound(Hardware hw) {
        return bytes() / hw.bandwidth() >= flops() / hw.matrixFlops();
    }
}
