package dev.attnref.golden;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.ForwardResult;
import dev.attnref.attention.LatentCache;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.attention.SelfAttention;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.OracleMla;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code mla}: DeepSeek multi-head latent attention (docs/MATH.md, "MLA"), causal over T tokens at
 * absolute positions {@code start_position …}, with or without query compression, decoupled RoPE in
 * either pairing, an optional RoPE scaling rule ({@code rope_scaling}; not dynamic NTK, whose angles would depend on
 * how {@code steps} split the tokens) and the YaRN softmax multiplier: {@code yarn_mscale} and {@code yarn_factor}
 * alone, or DeepSeek-V3's from a {@code yarn} rule. {@code form} names the computation a port is expected
 * to implement ({@code naive}: per-head keys and values; {@code absorbed}: attention in latent space);
 * both give the same outputs. {@code steps} are the calls the generator made on the module's cache
 * (prefill, decode, chunked prefill); the expected values do not depend on them.
 *
 * <p>Reference: {@link OracleMla} over all T tokens. Checked against {@link NaiveMla} or
 * {@link AbsorbedMla} and {@link PrecomputedAbsorbedMla} run call by call on their caches.
 */
final class MlaVariant extends GoldenVariant<MlaVariant.Settings> {

    record Settings(int batch, OracleMla.Config config, OracleMla.Options options, boolean absorbed, int[] steps) {
        int seqLen() {
            return AttentionKeys.totalTokens(steps);
        }
    }

    MlaVariant() {
        super("mla");
    }

    @Override
    public String reference(Settings settings) {
        return OracleMla.class.getName();
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return List.of(s.absorbed() ? AbsorbedMla.class.getName() : NaiveMla.class.getName());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        int batch = c.positive("batch");
        int[] steps = AttentionKeys.steps(c);
        OracleMla.Config config = new OracleMla.Config(c.positive("model_width"), c.positive("num_heads"),
                c.nonNegative("q_lora_rank"), c.positive("kv_lora_rank"), c.positive("qk_nope_head_dim"),
                c.rotaryWidth("qk_rope_head_dim"), c.positive("v_head_dim"));
        double theta = c.positiveFinite("rope_theta");
        RopeScaling scaling = AttentionKeys.ropeScaling(c, config.qkRopeHeadDim(), theta,
                AttentionKeys.without(AttentionKeys.ROPE_TYPES, "dynamic"));
        boolean yarn = scaling instanceof RopeScaling.Yarn;
        OracleMla.Options options = new OracleMla.Options(theta,
                AttentionKeys.ropePairing(c), AttentionKeys.startPosition(c, AttentionKeys.totalTokens(steps)),
                c.positiveFinite("rms_eps"), yarn ? absent(c, "yarn_mscale") : c.finite("yarn_mscale"),
                yarn ? absent(c, "yarn_factor") : yarnFactor(c), scaling);
        boolean absorbed = c.choice("form", "naive", "absorbed").equals("absorbed");
        return new Settings(batch, config, options, absorbed, steps);
    }

    /**
     * A {@code yarn} rule sets the softmax multiplier itself (DeepSeek-V3: m² when max_seq_len &gt; original_seq_len),
     * so the v1 keys that state a multiplier alone must be absent; they then count as 1 (no second multiplier).
     */
    private static double absent(CaseConfig c, String key) {
        if (c.has(key)) {
            throw new IllegalArgumentException("config." + key + " is given with config.rope_scaling.rope_type \"yarn\", "
                    + "which sets the softmax multiplier from its rope_factor and mscale; expected no " + key);
        }
        return 1.0;
    }

    /** {@code yarn_factor} f ≥ 1: the context extension; 1 means no YaRN (ln f = 0). */
    private static double yarnFactor(CaseConfig c) {
        double factor = c.finite("yarn_factor");
        if (factor < 1) {
            throw new IllegalArgumentException("config.yarn_factor (" + factor + ") must be ≥ 1; 1 means no YaRN");
        }
        return factor;
    }

    @Override
    protected long scoreElements(Settings s) {
        return (long) s.batch() * s.config().numHeads() * s.seqLen() * s.seqLen();
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        OracleMla.Config c = s.config();
        int m = c.modelWidth();
        int h = c.numHeads();
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(), m));
        if (c.qLoraRank() > 0) {
            specs.add(TensorSpec.weight("w_dq", "C_q", "M", c.qLoraRank(), m));
            specs.add(TensorSpec.floats("q_norm", TensorSpec.Fill.GAIN, List.of("C_q"), c.qLoraRank()));
            specs.add(TensorSpec.weight("w_uq", "H·(D_nope+P)", "C_q", h * c.qkHeadDim(), c.qLoraRank()));
        } else {
            specs.add(TensorSpec.weight("w_q", "H·(D_nope+P)", "M", h * c.qkHeadDim(), m));
        }
        specs.add(TensorSpec.weight("w_dkv", "C+P", "M", c.kvLoraRank() + c.qkRopeHeadDim(), m));
        specs.add(TensorSpec.floats("kv_norm", TensorSpec.Fill.GAIN, List.of("C"), c.kvLoraRank()));
        specs.add(TensorSpec.weight("w_ukv", "H·(D_nope+Dv)", "C", h * (c.qkNopeHeadDim() + c.vHeadDim()), c.kvLoraRank()));
        specs.add(TensorSpec.weight("w_o", "M", "H·Dv", m, h * c.vHeadDim()));
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        OracleMla.Config c = s.config();
        OracleMla.Weights weights = new OracleMla.Weights(in.valuesOrNull("w_dq"), in.valuesOrNull("q_norm"),
                in.valuesOrNull("w_uq"), in.valuesOrNull("w_q"), in.values("w_dkv"), in.values("kv_norm"),
                in.values("w_ukv"), in.values("w_o"));
        int b = s.batch();
        int t = s.seqLen();
        OracleMla.Result r = OracleMla.forward(c, s.options(), weights, in.values("x"), b, t);
        Tensor cache = Tensor.of(r.cache(), b, t, c.kvLoraRank() + c.qkRopeHeadDim());     // [B, T, C + P]
        return causalOutputs(r.output(), r.logits(), r.probabilities(), b, c.numHeads(), t, c.modelWidth())
                .add("latent_cache", cache.narrow(2, 0, c.kvLoraRank()), List.of("B", "S", "C"))
                .add("rope_key_cache", cache.narrow(2, c.kvLoraRank(), c.qkRopeHeadDim()), List.of("B", "S", "P"));
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        OracleMla.Config c = s.config();
        OracleMla.Options o = s.options();
        MlaShape shape = new MlaShape(c.modelWidth(), c.numHeads(), c.qLoraRank(), c.kvLoraRank(), c.qkNopeHeadDim(),
                c.qkRopeHeadDim(), c.vHeadDim());
        MlaWeights weights = MlaWeights.of(shape, new MlaWeights.Settings(o.ropeTheta(), o.pairing(), o.rmsEps(),
                        o.yarnMscale(), o.yarnFactor(), o.ropeScaling()),
                in.tensorOrNull("w_dq"), in.tensorOrNull("q_norm"), in.tensorOrNull("w_uq"), in.tensorOrNull("w_q"),
                in.tensor("w_dkv"), in.tensor("kv_norm"), in.tensor("w_ukv"), in.tensor("w_o"));
        if (s.absorbed()) {
            for (SelfAttention<LatentCache> module : List.of(new AbsorbedMla(weights), new PrecomputedAbsorbedMla(weights))) {
                String name = module.getClass().getSimpleName();
                LatentCache cache = run(name, module, s, in, expected);
                Tolerance.FLOAT64.require(name + " latent cache",
                        expected.get("latent_cache").values(), cache.latent().toArray());
                Tolerance.FLOAT64.require(name + " rope key cache",
                        expected.get("rope_key_cache").values(), cache.ropeKey().toArray());
            }
        } else {
            run("NaiveMla", new NaiveMla(weights), s, in, expected);
        }
    }

    /**
     * The outputs a causal latent-attention case (mla, mfa) starts with: {@code output [B, T, M]},
     * {@code logits} and {@code probabilities [B, H, T, S]} with S = T; {@link #runSteps} checks each call
     * against their rows.
     */
    static CaseOutputs causalOutputs(double[] output, double[] logits, double[] probabilities, int batch, int numHeads,
            int seqLen, int modelWidth) {
        return new CaseOutputs()
                .add("output", output, List.of("B", "T", "M"), batch, seqLen, modelWidth)
                .add("logits", logits, List.of("B", "H", "T", "S"), batch, numHeads, seqLen, seqLen)
                .add("probabilities", probabilities, List.of("B", "H", "T", "S"), batch, numHeads, seqLen, seqLen);
    }

    /**
     * Runs {@code module} call by call as {@code steps} says, checking each call's output, logits and
     * probabilities against the matching rows (and first S_i columns) of the reference.
     */
    static <C> C run(String name, SelfAttention<C> module, Settings s, CaseInputs in,
            CaseOutputs expected) {
        return runSteps(name, module, s.steps(), s.options().startPosition(), s.batch(), in.tensor("x"), expected);
    }

    static <C> C runSteps(String name, SelfAttention<C> module, int[] steps, int start, int batch,
            Tensor x, CaseOutputs expected) {
        C cache = module.newCache(batch, start);
        Tensor logits = expected.get("logits").toTensor();                                  // [B, H, T, T]
        Tensor probabilities = expected.get("probabilities").toTensor();
        List<Tensor> outputs = new ArrayList<>();
        int done = 0;
        for (int i = 0; i < steps.length; i++) {
            ForwardResult r = module.forward(x.narrow(1, done, steps[i]).contiguous(), cache);
            outputs.add(r.output());
            int seen = done + steps[i];
            Tolerance.FLOAT64.require(name + " logits of call " + i,
                    logits.narrow(2, done, steps[i]).narrow(3, 0, seen).contiguous().toArray(), r.logits().toArray());
            Tolerance.FLOAT64.require(name + " probabilities of call " + i,
                    probabilities.narrow(2, done, steps[i]).narrow(3, 0, seen).contiguous().toArray(),
                    r.probabilities().toArray());
            done = seen;
        }
        Tolerance.FLOAT64.require(name + " output", expected.get("output").values(),
                Tensor.cat(outputs, 1).contiguous().toArray());
        return cache;
    }
}
