package dev.attnref.attention;

import dev.attnref.Tolerances;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import dev.attnref.property.AttentionShapes;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * Law 6: the modules equal the loop-only oracle on random cases with a cached past, boolean masks
 * in both conventions and additive masks (some −∞), each of rank 1 to 4, key padding, causal
 * queries numbered bottom-right, top-left or from an explicit start, Dv ≠ D, a scale override and
 * softcap. The projections and RoPE are the module's; everything from q·k onwards is the oracle's.
 */
class OracleAgreementLawsTest {

    static void moduleEqualsOracle(AttnShape s, SeededRandom r) {
        boolean causal = r.nextInt(2) == 0;
        AttentionConfig base = GqaLawSupport.config(s, r, causal, r.nextInt(2) == 0);
        double scale = r.nextInt(2) == 0 ? base.scale() : r.uniform(0.1, 2.0);
        double softcap = r.nextInt(3) == 0 ? r.uniform(0.5, 5.0) : 0.0;
        AttentionConfig c = new AttentionConfig(base.modelWidth(), base.numHeads(), base.numKvHeads(), base.headDim(),
                base.valueDim(), base.bias(), base.rope(), scale, softcap, causal);
        AttentionWeights w = AttentionWeights.init(c, r);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, w);
        int past = s.pastLen();
        int b = s.batch();
        int h = s.numHeads();
        int t = s.qLen();
        int kv = s.kvLen();

        // A past of P tokens goes through the same module into the cache.
        KvCache cache = KvCache.forConfig(c, b);
        if (past > 0) {
            module.forward(Tensor.randn(r, 1.0, b, past, s.modelWidth()), cache, AttentionOptions.none());
        }
        Tensor x = GqaLawSupport.input(s, r);                                                     // [B, T, M]

        // Random options: a boolean mask in a random convention, an additive mask, key lengths, and
        // for a causal block a query numbering; each mask of a random shape that broadcasts to [B, H, T, S].
        int[][] shapes = {{kv}, {t, kv}, {h, t, kv}, {b, 1, t, kv}, {b, h, t, kv}, {b, 1, 1, kv}};
        AttentionOptions.Builder options = AttentionOptions.builder();
        AttentionProblem.Builder problem = AttentionProblem.builder();
        if (r.nextInt(2) == 0) {
            int[] maskShape = shapes[r.nextInt(shapes.length)];
            MaskConvention convention = r.nextInt(2) == 0 ? MaskConvention.KEEP_WHERE_TRUE : MaskConvention.HIDE_WHERE_TRUE;
            Tensor mask = Tensor.uniform(r, 0, 1, maskShape).map(u -> u < 0.7 ? 1.0 : 0.0);
            options.booleanMask(mask, convention);
            double[] flat = mask.toArray();
            boolean[] bits = new boolean[flat.length];
            for (int i = 0; i < flat.length; i++) {
                bits[i] = flat[i] != 0.0;
            }
            problem.booleanMask(bits, convention, maskShape);
        }
        if (r.nextInt(3) == 0) {
            int[] biasShape = shapes[r.nextInt(shapes.length)];
            Tensor bias = Tensor.uniform(r, 0, 1, biasShape).map(u -> u < 0.15 ? Double.NEGATIVE_INFINITY : 4 * u - 2);
            options.additiveMask(bias);
            problem.additiveMask(bias.toArray(), biasShape);
        }
        if (r.nextInt(2) == 0) {
            int[] lengths = new int[b];
            for (int i = 0; i < b; i++) {
                lengths[i] = r.intBetween(0, kv);
            }
            options.keyLengths(lengths);
            problem.keyLengths(lengths);
        }
        if (causal) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    options.causalAlignment(CausalAlignment.TOP_LEFT);
                    problem.causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT));               // 0 … T−1
                }
                case 1 -> {
                    int first = r.intBetween(0, kv);
                    options.causalQueryStart(first);
                    problem.causal(QueryPositions.startingAt(first));                               // first … first+T−1
                }
                case 2 -> {
                    options.causalAlignment(CausalAlignment.BOTTOM_RIGHT);
                    problem.causal(QueryPositions.aligned(CausalAlignment.BOTTOM_RIGHT));           // S−T … S−1
                }
                default -> problem.causal(QueryPositions.startingAt(past));                          // the default: P … P+T−1
            }
        }
        ForwardResult actual = module.forward(x, cache, options.build());

        // The oracle gets the module's rotated q and the cache's rotated keys and values.
        Tensor q = AttentionSteps.rotate(c, AttentionSteps.splitHeads(w.query().forward(x), h, c.headDim()), past);
        problem.batch(b).numHeads(h).numKvHeads(s.numKvHeads()).qLen(t).newKvLen(kv)
                .headDim(c.headDim()).valueHeadDim(c.valueDim())
                .query(q.toArray()).key(cache.keys().toArray()).value(cache.values().toArray())
                .scale(scale).softcap(softcap);
        AttentionResult oracle = OracleAttention.attend(problem.build());
        Tensor oracleHeads = Tensor.of(oracle.output(), b, h, t, c.valueDim());                  // [B, H, T, Dv]
        Tensor expected = w.output().forward(AttentionSteps.mergeHeads(oracleHeads));             // [B, T, M]
        Close.assertClose("probabilities", Tensor.of(oracle.probabilities(), b, h, t, kv), actual.probabilities(),
                Tolerances.REORDERED_SUMS);
        Close.assertClose("output", expected, actual.output(), Tolerances.REORDERED_SUMS);
    }

    @Test
    void modulesEqualTheOracle() {
        Property.of("modulesEqualTheOracle", AttentionShapes.withPast()).tries(150)
                .coverage(AttentionShapes.regimes())
                .check(OracleAgreementLawsTest::moduleEqualsOracle);
    }
}
