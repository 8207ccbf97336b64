package dev.attnref.oracle;

import dev.attnref.core.SeededRandom;

/**
 * Seeded random weights for {@link OracleMla} and {@link OracleMfa}. Draw order (so that the
 * committed cross-check inputs can be regenerated bit for bit): the weights in the order of the
 * {@code Weights} record components, each row-major, each {@code N(0, 1)·std} with
 * {@code std = 1/√(fan-in)}; RMSNorm weights {@code U(0.5, 1.5)}; MFA-KR's α {@code U(−0.5, 0.5)}.
 */
final class MlaFixtures {
    private MlaFixtures() {
    }

    static OracleMla.Weights randomMla(OracleMla.Config config, SeededRandom random) {
        int m = config.modelWidth();
        int h = config.numHeads();
        int cq = config.qLoraRank();
        int c = config.kvLoraRank();
        int p = config.qkRopeHeadDim();
        double[] wDq = cq > 0 ? linear(random, cq, m) : null;
        double[] qNorm = cq > 0 ? random.uniforms(cq, 0.5, 1.5) : null;
        double[] wUq = cq > 0 ? linear(random, h * config.qkHeadDim(), cq) : null;
        double[] wQ = cq > 0 ? null : linear(random, h * config.qkHeadDim(), m);
        double[] wDkv = linear(random, c + p, m);
        double[] kvNorm = random.uniforms(c, 0.5, 1.5);
        double[] wUkv = linear(random, h * (config.qkNopeHeadDim() + config.vHeadDim()), c);
        double[] wO = linear(random, m, h * config.vHeadDim());
        return new OracleMla.Weights(wDq, qNorm, wUq, wQ, wDkv, kvNorm, wUkv, wO);
    }

    static OracleMfa.Weights randomMfa(OracleMfa.Config config, boolean keyReuse, SeededRandom random) {
        int m = config.modelWidth();
        int c = config.headDim();
        int cq = config.queryRank();
        double[] sQ = linear(random, cq, m);
        double[] qNorm = random.uniforms(cq, 0.5, 1.5);
        double[] qC = linear(random, config.numHeads() * c, cq);
        double[] sK = linear(random, c, m);
        OracleMfa.ValuePath value = keyReuse
                ? new OracleMfa.KeyReuse(random.uniforms(c, -0.5, 0.5), linear(random, c, c))
                : new OracleMfa.SeparateValue(linear(random, c, m));
        double[] wO = linear(random, m, config.numHeads() * c);
        return new OracleMfa.Weights(sQ, qNorm, qC, sK, value, wO);
    }

    private static double[] linear(SeededRandom random, int out, int in) {
        return random.gaussians(out * in, 1.0 / Math.sqrt(in));
    }
}
