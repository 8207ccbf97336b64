package dev.attnref.golden;

import dev.attnref.attention.KvCache;
import dev.attnref.attention.LatentCache;
import dev.attnref.attention.Mfa;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaSettings;
import dev.attnref.attention.MfaShape;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.OracleMfa;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code mfa}: multi-matrix factorization attention (docs/MATH.md, "MFA and MFA-KR"), causal over
 * T tokens at absolute positions {@code start_position …}; {@code key_reuse} selects MFA-KR, whose value
 * is {@code v = k̄ + α ⊙ (N k̄)} from the key before RoPE. {@code steps} as in variant {@code mla}.
 *
 * <p>Reference: {@link OracleMfa}. Checked against {@link Mfa} or {@link MfaKeyReuse} run call by
 * call on their caches.
 */
final class MfaVariant extends GoldenVariant<MfaVariant.Settings> {

    record Settings(int batch, OracleMfa.Config config, OracleMfa.Options options, boolean keyReuse, int[] steps) {
        int seqLen() {
            return AttentionKeys.totalTokens(steps);
        }
    }

    MfaVariant() {
        super("mfa");
    }

    @Override
    public String reference(Settings settings) {
        return OracleMfa.class.getName();
    }

    @Override
    public List<String> checkedAgainst(Settings s) {
        return List.of(s.keyReuse() ? MfaKeyReuse.class.getName() : Mfa.class.getName());
    }

    @Override
    protected Settings parse(CaseConfig c) {
        int batch = c.positive("batch");
        int[] steps = AttentionKeys.steps(c);
        OracleMfa.Config config = new OracleMfa.Config(c.positive("model_width"), c.positive("num_heads"),
                c.positive("query_rank"), c.rotaryWidth("head_dim"));
        OracleMfa.Options options = new OracleMfa.Options(c.positiveFinite("rope_theta"),
                AttentionKeys.ropePairing(c), AttentionKeys.startPosition(c, AttentionKeys.totalTokens(steps)),
                c.positiveFinite("rms_eps"));
        return new Settings(batch, config, options, c.bool("key_reuse"), steps);
    }

    @Override
    protected long scoreElements(Settings s) {
        return (long) s.batch() * s.config().numHeads() * s.seqLen() * s.seqLen();
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        OracleMfa.Config c = s.config();
        int m = c.modelWidth();
        int dim = c.headDim();
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.floats("x", TensorSpec.Fill.ACTIVATION, List.of("B", "T", "M"), s.batch(), s.seqLen(), m));
        specs.add(TensorSpec.weight("s_q", "C_q", "M", c.queryRank(), m));
        specs.add(TensorSpec.floats("q_norm", TensorSpec.Fill.GAIN, List.of("C_q"), c.queryRank()));
        specs.add(TensorSpec.weight("q_c", "H·C", "C_q", c.numHeads() * dim, c.queryRank()));
        specs.add(TensorSpec.weight("s_k", "C", "M", dim, m));
        if (s.keyReuse()) {
            specs.add(TensorSpec.floats("alpha", TensorSpec.Fill.SMALL, List.of("C"), dim));
            specs.add(TensorSpec.weight("n", "C", "C", dim, dim));
        } else {
            specs.add(TensorSpec.weight("s_v", "C", "M", dim, m));
        }
        specs.add(TensorSpec.weight("w_o", "M", "H·C", m, c.numHeads() * dim));
        return specs;
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        OracleMfa.Config c = s.config();
        OracleMfa.ValuePath value = s.keyReuse()
                ? new OracleMfa.KeyReuse(in.values("alpha"), in.values("n"))
                : new OracleMfa.SeparateValue(in.values("s_v"));
        OracleMfa.Weights weights = new OracleMfa.Weights(in.values("s_q"), in.values("q_norm"), in.values("q_c"),
                in.values("s_k"), value, in.values("w_o"));
        int b = s.batch();
        int t = s.seqLen();
        OracleMfa.Result r = OracleMfa.forward(c, s.options(), weights, in.values("x"), b, t);
        int cacheWidth = s.keyReuse() ? c.headDim() : 2 * c.headDim();
        return MlaVariant.causalOutputs(r.output(), r.logits(), r.probabilities(), b, c.numHeads(), t, c.modelWidth())
                .add("cache", r.cache(), List.of("B", "S", s.keyReuse() ? "C" : "2C"), b, t, cacheWidth);
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        OracleMfa.Config c = s.config();
        OracleMfa.Options o = s.options();
        MfaShape shape = new MfaShape(c.modelWidth(), c.numHeads(), c.queryRank(), c.headDim(), s.keyReuse());
        MfaSettings settings = new MfaSettings(o.ropeTheta(), o.pairing(), o.rmsEps());
        Tensor x = in.tensor("x");
        Tensor cache = expected.get("cache").toTensor();                                       // [B, T, 2C or C]
        if (s.keyReuse()) {
            MfaKeyReuse module = MfaKeyReuse.of(shape, settings, in.tensor("s_q"), in.tensor("q_norm"), in.tensor("q_c"),
                    in.tensor("s_k"), in.tensor("alpha"), in.tensor("n"), in.tensor("w_o"));
            LatentCache kept = MlaVariant.runSteps("MfaKeyReuse", module, s.steps(), o.startPosition(), s.batch(), x,
                    expected);
            Tolerance.FLOAT64.require("MfaKeyReuse cache", cache.toArray(), kept.latent().toArray());
        } else {
            Mfa module = Mfa.of(shape, settings, in.tensor("s_q"), in.tensor("q_norm"), in.tensor("q_c"), in.tensor("s_k"),
                    in.tensor("s_v"), in.tensor("w_o"));
            KvCache kept = MlaVariant.runSteps("Mfa", module, s.steps(), o.startPosition(), s.batch(), x, expected);
            Tolerance.FLOAT64.require("Mfa cached keys", cache.narrow(2, 0, c.headDim()).contiguous().toArray(),
                    kept.keys().contiguous().toArray());
            Tolerance.FLOAT64.require("Mfa cached values", cache.narrow(2, c.headDim(), c.headDim()).contiguous().toArray(),
                    kept.values().contiguous().toArray());
        }
    }
}
