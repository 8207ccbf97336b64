package dev.attnref.cli;

import dev.attnref.attention.AttentionVariant;
import dev.attnref.core.Checks;
import dev.attnref.model.DecoderConfig;
import dev.attnref.model.FfnKind;
import dev.attnref.model.LatentAttention;
import dev.attnref.model.NormKind;
import dev.attnref.model.NormPlacement;
import dev.attnref.model.PositionEncoding;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options that describe a tiny seeded decoder, shared by {@code trace} and {@code generate}. */
final class ModelOptions {
    /** The model's parameter names as the user typed them: the option that sets each one. */
    private static final Map<String, String> OPTION_OF = Map.ofEntries(Map.entry("vocabSize", "--vocab"),
            Map.entry("modelWidth", "--model-width"), Map.entry("numLayers", "--layers"), Map.entry("numHeads", "--heads"),
            Map.entry("numKvHeads", "--kv-heads"), Map.entry("headDim", "--head-dim"), Map.entry("ffnWidth", "--ffn-width"),
            Map.entry("position", "--position"), Map.entry("qLoraRank", "--q-lora-rank"),
            Map.entry("kvLoraRank", "--kv-lora-rank"), Map.entry("qkNopeHeadDim", "--qk-nope-dim"),
            Map.entry("qkRopeHeadDim", "--qk-rope-dim"), Map.entry("vHeadDim", "--v-head-dim"),
            Map.entry("queryRank", "--query-rank"), Map.entry("rmsEps", "--latent-eps"),
            Map.entry("temperature", "--temperature"), Map.entry("top-k", "--top-k"),
            Map.entry("top-p", "--top-p"), Map.entry("repetition penalty θ", "--penalty"),
            Map.entry("repetition penalty α", "--penalty"), Map.entry("steps", "--steps"),
            Map.entry("prompt length", "--prompt length"));
    private static final Pattern MODEL_NAME = Pattern.compile("(?<![\\w-])(" + String.join("|",
            OPTION_OF.keySet().stream().sorted((a, b) -> b.length() - a.length()).map(Pattern::quote).toList()) + ")(?![\\w-])");

    @Option(names = "--variant", defaultValue = "GQA", converter = VariantConverter.class,
            description = "MHA, MQA, GQA, MLA, MFA or MFA-KR (default: ${DEFAULT-VALUE})")
    AttentionVariant variant;

    @Option(names = "--vocab", defaultValue = "32", description = "vocabulary size V (default: ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--model-width", defaultValue = "16", description = "model width M (default: ${DEFAULT-VALUE})")
    int modelWidth;

    @Option(names = "--layers", defaultValue = "2", description = "number of blocks N (default: ${DEFAULT-VALUE})")
    int numLayers;

    @Option(names = "--heads", defaultValue = "4", description = "query heads H (default: ${DEFAULT-VALUE})")
    int numHeads;

    @Option(names = "--kv-heads", defaultValue = "0",
            description = "key/value heads G; 0 = the variant's default (MHA: H, MQA: 1, GQA: largest divisor of H below H)")
    int numKvHeads;

    @Option(names = "--head-dim", defaultValue = "0", description = "head width D; 0 = M / H")
    int headDim;

    @Option(names = "--mla-form", defaultValue = "ABSORBED",
            description = "MLA only: NAIVE (per-head keys and values cached) or ABSORBED (latent c_kv and k_R cached) "
                    + "(default: ${DEFAULT-VALUE})")
    LatentAttention.MlaForm mlaForm;

    @Option(names = "--q-lora-rank", defaultValue = "8",
            description = "MLA only: query latent width C_q; 0 = no query compression (default: ${DEFAULT-VALUE})")
    int qLoraRank;

    @Option(names = "--kv-lora-rank", defaultValue = "6",
            description = "MLA only: cached latent width C (default: ${DEFAULT-VALUE})")
    int kvLoraRank;

    @Option(names = "--qk-nope-dim", defaultValue = "4",
            description = "MLA only: per-head q/k width without RoPE, D_nope (default: ${DEFAULT-VALUE})")
    int qkNopeDim;

    @Option(names = "--qk-rope-dim", defaultValue = "2",
            description = "MLA only: decoupled RoPE width P, even (default: ${DEFAULT-VALUE})")
    int qkRopeDim;

    @Option(names = "--v-head-dim", defaultValue = "4", description = "MLA only: value head width Dv (default: ${DEFAULT-VALUE})")
    int vHeadDim;

    @Option(names = "--query-rank", defaultValue = "8",
            description = "MFA and MFA-KR only: query latent width C_q (default: ${DEFAULT-VALUE})")
    int queryRank;

    @Option(names = "--mfa-head-dim", defaultValue = "6",
            description = "MFA and MFA-KR only: width C of the query heads and the shared key/value head, even "
                    + "(default: ${DEFAULT-VALUE})")
    int mfaHeadDim;

    @Option(names = "--latent-eps", defaultValue = "1e-6",
            description = "MLA, MFA and MFA-KR only: ε of the RMSNorms inside attention (default: ${DEFAULT-VALUE})")
    double latentEps;

    @Option(names = "--ffn", defaultValue = "SWIGLU",
            description = "RELU, GELU, GELU_TANH, SILU or SWIGLU (default: ${DEFAULT-VALUE})")
    FfnKind ffn;

    @Option(names = "--ffn-width", defaultValue = "0", description = "FFN hidden width F; 0 = 3M (SwiGLU) or 4M")
    int ffnWidth;

    @Option(names = "--norm", defaultValue = "RMS", description = "RMS or LAYER (default: ${DEFAULT-VALUE})")
    NormKind norm;

    @Option(names = "--placement", defaultValue = "PRE", description = "PRE or POST norm (default: ${DEFAULT-VALUE})")
    NormPlacement placement;

    @Option(names = "--position", defaultValue = "ROPE", description = "ROPE or LEARNED (default: ${DEFAULT-VALUE})")
    PositionEncoding position;

    @Option(names = "--untied", description = "give the LM head its own matrix instead of the embedding's")
    boolean untied;

    @Option(names = "--model-seed", defaultValue = "1", description = "seed of the model weights (default: ${DEFAULT-VALUE})")
    long modelSeed;

    /** Reads {@code --variant} by its label ({@code MFA-KR}) or its enum name ({@code MFA_KR}), any case. */
    static final class VariantConverter implements ITypeConverter<AttentionVariant> {
        @Override
        public AttentionVariant convert(String value) {
            for (AttentionVariant v : AttentionVariant.values()) {
                if (v.label().equalsIgnoreCase(value) || v.name().equalsIgnoreCase(value)) {
                    return v;
                }
            }
            throw new TypeConversionException("unknown attention variant '" + value
                    + "'; expected one of MHA, MQA, GQA, MLA, MFA, MFA-KR");
        }
    }

    /** The latent attention the options describe, or null for MHA, MQA and GQA. */
    private LatentAttention latent() {
        return switch (variant) {
            case MLA -> new LatentAttention.Mla(qLoraRank, kvLoraRank, qkNopeDim, qkRopeDim, vHeadDim, mlaForm, latentEps);
            case MFA, MFA_KR -> new LatentAttention.Mfa(queryRank, mfaHeadDim, variant == AttentionVariant.MFA_KR, latentEps);
            default -> null;
        };
    }

    /**
     * {@code error}'s message with the model's parameter names replaced by the options that set
     * them: {@code numHeads (-2)} → {@code --heads (-2)}. A Java name (camelCase) is replaced
     * wherever it stands, a plain word ({@code steps}) only in the form {@code name (value)}; the
     * head width of MFA is {@code --mfa-head-dim}.
     */
    IllegalArgumentException inUserWords(IllegalArgumentException error) {
        boolean mfa = variant == AttentionVariant.MFA || variant == AttentionVariant.MFA_KR;
        String message = error.getMessage();
        Matcher m = MODEL_NAME.matcher(message);
        StringBuilder words = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            boolean javaName = !name.equals(name.toLowerCase());
            String option = mfa && name.equals("headDim") ? "--mfa-head-dim" : OPTION_OF.get(name);
            boolean isOption = javaName || message.startsWith(" (", m.end());
            m.appendReplacement(words, Matcher.quoteReplacement(isOption ? option : name));
        }
        return new IllegalArgumentException(m.appendTail(words).toString(), error);
    }

    DecoderConfig config() {
        int hidden = ffnWidth > 0 ? ffnWidth : (ffn == FfnKind.SWIGLU ? 3 : 4) * modelWidth;
        DecoderConfig.Builder builder = DecoderConfig.builder().vocabSize(vocabSize).modelWidth(modelWidth)
                .numLayers(numLayers).numHeads(numHeads).ffnWidth(hidden).ffn(ffn).norm(norm).placement(placement)
                .position(position).tiedHead(!untied);
        LatentAttention latent = latent();
        if (latent != null) {
            if (numKvHeads != 0 || headDim != 0) {
                throw new IllegalArgumentException("--kv-heads (" + numKvHeads + ") and --head-dim (" + headDim
                        + ") apply to MHA, MQA and GQA only; " + variant.label() + " takes its widths from its own options");
            }
            return builder.latent(latent).build();
        }
        int kvHeads = DecoderConfig.numKvHeads(variant, numHeads, numKvHeads);
        if (headDim == 0) {
            Checks.divides("--heads", numHeads, "--model-width", modelWidth);
        }
        int width = headDim > 0 ? headDim : modelWidth / numHeads;
        return builder.numKvHeads(kvHeads).headDim(width).build();
    }
}
