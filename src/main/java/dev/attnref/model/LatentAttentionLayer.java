package dev.attnref.model;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.ForwardResult;
import dev.attnref.attention.KvCache;
import dev.attnref.attention.LatentCache;
import dev.attnref.attention.Mfa;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.attention.SelfAttention;
import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * An {@link AttentionLayer} over one of the attention package's cached modules — {@link NaiveMla},
 * {@link AbsorbedMla}, {@link Mfa}, {@link MfaKeyReuse} — so that a {@link DecoderBlock} runs MLA,
 * MFA and MFA-KR exactly as it runs {@link WalkthroughAttention}. The adapter adds no arithmetic:
 * {@code out = module.forward(x, cache).output()}.
 *
 * <table>
 *   <caption>Shapes (AttentionLayer contract)</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite</td></tr>
 *   <tr><td>cache</td><td>made by this layer's {@link #newCache}</td><td>the module's own cache, first
 *       position 0; grown by T per call</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <table>
 *   <caption>What the cache holds per token (reported to the {@link ShapeTrace})</caption>
 *   <tr><th>module</th><th>stored tensors</th><th>values per token</th></tr>
 *   <tr><td>NaiveMla</td><td>{@link KvCache} keys [B, H, S, Dn+P], values [B, H, S, Dv]</td><td>H·(D_nope + P) + H·Dv</td></tr>
 *   <tr><td>AbsorbedMla</td><td>{@link LatentCache} c_kv [B, S, C], k_R [B, S, P]</td><td>C + P</td></tr>
 *   <tr><td>Mfa</td><td>{@link KvCache} k [B, S, C], v [B, S, C] (its one head, G = 1, shown without the head axis)</td><td>2·C</td></tr>
 *   <tr><td>MfaKeyReuse</td><td>{@link LatentCache} k̄ [B, S, C]</td><td>C</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute from 0, bottom-right over the cache (the modules'
 * {@link SelfAttention} contract is the AttentionLayer one). Checked by {@code LatentDecoderTest}
 * (cache = no cache, naive = absorbed, padding, trace shapes).
 *
 * @param <C> the wrapped module's cache type
 */
public final class LatentAttentionLayer<C> implements AttentionLayer<C> {
    private final SelfAttention<C> module;
    private final String description;
    private final List<String> cacheLabels;
    private final List<String> cacheAxes;
    private final Function<C, List<Tensor>> cacheContents;
    private final ToIntFunction<C> nextPosition;

    private LatentAttentionLayer(SelfAttention<C> module, String description, List<String> cacheLabels,
            List<String> cacheAxes, Function<C, List<Tensor>> cacheContents, ToIntFunction<C> nextPosition) {
        this.module = Checks.notNull("module", module);
        this.description = description;
        this.cacheLabels = cacheLabels;
        this.cacheAxes = cacheAxes;
        this.cacheContents = cacheContents;
        this.nextPosition = nextPosition;
    }

    /** Naive MLA: every head's key {@code [k_C,i | k_R]} and value cached. */
    public static LatentAttentionLayer<KvCache> naiveMla(NaiveMla module) {
        MlaShape s = Checks.notNull("module", module).weights().shape();
        return new LatentAttentionLayer<>(module, "MLA naive(" + mlaSizes(s, module.weights().settings().pairing().name()) + ")",
                List.of("cache: keys [k_C,i | k_R] per head", "cache: values v_i per head"),
                List.of("B, H, S, Dn+P", "B, H, S, Dv"), cache -> List.of(cache.keys(), cache.values()), KvCache::nextPosition);
    }

    /** Absorbed MLA: only the latent c_kv and the shared rotated key k_R cached. */
    public static LatentAttentionLayer<LatentCache> absorbedMla(AbsorbedMla module) {
        return absorbed(Checks.notNull("module", module), module.weights());
    }

    /** Absorbed MLA through precomputed weight products: the same cache as {@link #absorbedMla(AbsorbedMla)}. */
    public static LatentAttentionLayer<LatentCache> absorbedMla(PrecomputedAbsorbedMla module) {
        return absorbed(Checks.notNull("module", module), module.weights());
    }

    private static LatentAttentionLayer<LatentCache> absorbed(SelfAttention<LatentCache> module, MlaWeights weights) {
        return new LatentAttentionLayer<>(module, "MLA absorbed("
                + mlaSizes(weights.shape(), weights.settings().pairing().name()) + ")",
                List.of("cache: latent c_kv", "cache: rotated shared key k_R"), List.of("B, S, C", "B, S, P"),
                cache -> List.of(cache.latent(), cache.ropeKey()), LatentCache::nextPosition);
    }

    /** MFA: one shared key (rotated) and value of width C cached. */
    public static LatentAttentionLayer<KvCache> mfa(Mfa module) {
        MfaShape s = Checks.notNull("module", module).shape();
        return new LatentAttentionLayer<>(module, "MFA(" + mfaSizes(s, module.settings().pairing().name()) + ")",
                List.of("cache: shared key k = RoPE(S_K x)", "cache: shared value v = S_V x"),
                List.of("B, S, C", "B, S, C"), cache -> List.of(cache.keys().squeeze(1), cache.values().squeeze(1)),
                KvCache::nextPosition);
    }

    /** MFA-KR: only the shared key before RoPE, k̄, cached. */
    public static LatentAttentionLayer<LatentCache> mfaKeyReuse(MfaKeyReuse module) {
        MfaShape s = Checks.notNull("module", module).shape();
        return new LatentAttentionLayer<>(module, "MFA-KR(" + mfaSizes(s, module.settings().pairing().name()) + ")",
                List.of("cache: shared key before RoPE k̄ = S_K x"), List.of("B, S, C"), cache -> List.of(cache.latent()),
                LatentCache::nextPosition);
    }

    private static String mlaSizes(MlaShape s, String pairing) {
        return "H=" + s.numHeads() + ", C_q=" + s.qLoraRank() + ", C=" + s.kvLoraRank() + ", D_nope=" + s.qkNopeHeadDim()
                + ", P=" + s.qkRopeHeadDim() + ", Dv=" + s.vHeadDim() + ", RoPE " + pairing.toLowerCase();
    }

    private static String mfaSizes(MfaShape s, String pairing) {
        return "H=" + s.numHeads() + ", C_q=" + s.queryRank() + ", C=" + s.headDim() + ", RoPE " + pairing.toLowerCase();
    }

    /** The wrapped module. */
    public SelfAttention<C> module() {
        return module;
    }

    @Override
    public int modelWidth() {
        return module.modelWidth();
    }

    @Override
    public C newCache(int batchSize) {
        return module.newCache(batchSize, 0);
    }

    @Override
    public Tensor forward(Tensor x, C cache, ShapeTrace trace) {
        if (x.dim() != 3 || x.size(2) != modelWidth()) {
            throw new IllegalArgumentException("attention of width " + modelWidth() + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B, T, " + modelWidth() + "]");
        }
        if (trace.isRecording()) {
            LatentProjections.queriesAndKeys(module, x, nextPosition.applyAsInt(cache), trace);
        }
        // out = Attn(x) over cache ++ x; the module appends the new tokens' cache entries
        ForwardResult result = module.forward(x, cache);
        List<Tensor> stored = cacheContents.apply(cache);
        for (int i = 0; i < stored.size(); i++) {
            trace.record(cacheLabels.get(i), cacheAxes.get(i), stored.get(i));
        }
        trace.record("scores (causal, −∞ above diagonal)", "B, H, T, S", result.logits());     // [B, H, T, S]
        trace.record("softmax over S", "B, H, T, S", result.probabilities());                  // [B, H, T, S]
        if (trace.isRecording()) {
            LatentProjections.valuesAndHeads(module, result.probabilities(), stored, trace);
        }
        return trace.record("out = merged·W_Oᵀ", "B, T, M", result.output());                  // [B, T, M]
    }

    @Override
    public String describe() {
        return description;
    }
}
