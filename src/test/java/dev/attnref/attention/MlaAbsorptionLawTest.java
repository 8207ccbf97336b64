package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.relativeError;
import static dev.attnref.Tolerances.MUTANT_VISIBLE;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Law 1: the absorbed form equals the naive form (logits, probabilities, outputs), with and
 * without query compression, in both realisations, within {@link LatentTolerances#SAME_MATH}
 * relative in float64, over a prefill and the decode step after it.
 *
 * <p>Law 2 (mutation): the law above must catch (a) a wrong softmax scale in one path,
 * 1/√(C + P) instead of 1/√(D_nope + P), and (b) RoPE applied to the compressed part, which puts
 * a position-dependent rotation between W_UQ and W_UK: neither the production absorbed form nor an
 * absorbed form that rotates the latents can then equal the naive one. The mutants are built here
 * from the production steps with exactly one change, and each is first shown to equal production
 * where its change cannot act.
 *
 * <p>The largest naive-vs-absorbed error seen per realisation is printed once after the tries.
 */
class MlaAbsorptionLawTest {

    private static final int TRIES = 30;
    private static final Map<String, Double> WORST = new TreeMap<>();

    @Test
    void runTimeReassociationEqualsNaiveWithQueryCompression() {
        Property.of("absorbedRunTimeEqualsNaiveWithQueryCompression", lawOneSizes(true)).tries(TRIES)
                .check((d, random) -> absorbedEqualsNaive(d, random, true, AbsorbedMla::new));
    }

    @Test
    void runTimeReassociationEqualsNaiveWithoutQueryCompression() {
        Property.of("absorbedRunTimeEqualsNaiveWithoutQueryCompression", lawOneSizes(false)).tries(TRIES)
                .check((d, random) -> absorbedEqualsNaive(d, random, false, AbsorbedMla::new));
    }

    @Test
    void precomputedProductsEqualNaiveWithQueryCompression() {
        Property.of("absorbedPrecomputedEqualsNaiveWithQueryCompression", lawOneSizes(true)).tries(TRIES)
                .check((d, random) -> absorbedEqualsNaive(d, random, true, PrecomputedAbsorbedMla::new));
    }

    @Test
    void precomputedProductsEqualNaiveWithoutQueryCompression() {
        Property.of("absorbedPrecomputedEqualsNaiveWithoutQueryCompression", lawOneSizes(false)).tries(TRIES)
                .check((d, random) -> absorbedEqualsNaive(d, random, false, PrecomputedAbsorbedMla::new));
    }

    @Test
    void latentWidthInTheScaleOfOnePathBreaksAbsorption() {
        Property.of("wrongScaleMutantIsCaught", mutantSizes())
                .tries(TRIES).check(MlaAbsorptionLawTest::wrongScaleIsCaught);
    }

    @Test
    void ropeOnTheCompressedPartBreaksAbsorption() {
        Property.of("ropeOnCompressedMutantIsCaught", mutantSizes()).tries(TRIES)
                .check(MlaAbsorptionLawTest::compressedRopeIsCaught);
    }

    @AfterAll
    static void printWorstErrors() {
        StringBuilder line = new StringBuilder("MLA naive vs absorbed, max normwise relative error (float64):");
        WORST.forEach((form, error) -> line.append(' ').append(form).append(' ')
                .append(String.format(Locale.ROOT, "%.3e", error)));
        System.out.println(line);
    }

    // ---------------------------------------------------------------- law 1

    /** An MLA shape (C_q drawn only with query compression), B 1–2, T 1–6, start 0–20. */
    private static Dims.Spec lawOneSizes(boolean queryCompression) {
        return LatentCases.mlaSizes(Dims.spec(), queryCompression).size("B", 1, 2).size("T", 1, 6).size("start", 0, 20);
    }

    /** Law 1 on one random case: prefill of T tokens from a random start, then one decode step. */
    static void absorbedEqualsNaive(Dims d, SeededRandom random, boolean queryCompression,
            Function<MlaWeights, SelfAttention<LatentCache>> absorbedForm) {
        MlaShape shape = LatentCases.mlaShape(d, queryCompression);
        MlaWeights.Settings settings = LatentCases.mlaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        MlaWeights weights = MlaWeights.random(shape, settings, random);
        Tensor prompt = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        Tensor next = LatentCases.input(random, batch, 1, shape.modelWidth());

        NaiveMla naive = new NaiveMla(weights);
        SelfAttention<LatentCache> absorbed = absorbedForm.apply(weights);
        KvCache naiveCache = naive.newCache(batch, start);
        LatentCache latentCache = absorbed.newCache(batch, start);
        double error = assertAbsorbedEqualsNaive("prefill", naive.forward(prompt, naiveCache),
                absorbed.forward(prompt, latentCache));
        error = Math.max(error, assertAbsorbedEqualsNaive("decode", naive.forward(next, naiveCache),
                absorbed.forward(next, latentCache)));
        synchronized (WORST) {
            WORST.merge(absorbed.getClass().getSimpleName(), error, Math::max);
        }
    }

    /** The largest normwise relative error over logits, probabilities and outputs. */
    static double absorptionError(ForwardResult naive, ForwardResult absorbed) {
        return Math.max(relativeError(absorbed.logits(), naive.logits()),
                Math.max(relativeError(absorbed.probabilities(), naive.probabilities()),
                        relativeError(absorbed.output(), naive.output())));
    }

    /** Law 1's check: fails when the absorbed form is more than SAME_MATH away from the naive one. */
    static double assertAbsorbedEqualsNaive(String step, ForwardResult naive, ForwardResult absorbed) {
        double error = absorptionError(naive, absorbed);
        if (!(error <= SAME_MATH)) {
            throw new AssertionError(step + ": absorbed differs from naive by " + error + " relative (> " + SAME_MATH + ")");
        }
        return error;
    }

    // ---------------------------------------------------------------- law 2: mutants

    /** The sizes of {@link #mutantShape}, the settings flags, B 1–2, T 2–5, start 0–20. */
    private static Dims.Spec mutantSizes() {
        return Dims.spec().size("D_nope/2", 1, 2).size("(C−D_nope)/2", 1, 2).flag("queryCompression").size("M", 3, 9)
                .size("H", 1, 3).size("C_q", 2, 6).size("P/2", 1, 2).size("Dv", 1, 4).flag("splitHalves").flag("yarn")
                .size("B", 1, 2).size("T", 2, 5).size("start", 0, 20);
    }

    /** A shape where the mutants can act: C &gt; D_nope (so the scales differ), D_nope and C even (so they rotate). */
    private static MlaShape mutantShape(Dims d) {
        int nopeDim = 2 * d.get("D_nope/2");
        int latentWidth = nopeDim + 2 * d.get("(C−D_nope)/2");
        boolean queryCompression = d.flag("queryCompression");
        return new MlaShape(d.get("M"), d.get("H"), queryCompression ? d.get("C_q") : 0,
                latentWidth, nopeDim, 2 * d.get("P/2"), d.get("Dv"));
    }

    /** Law 2(a): the absorbed form with scale 1/√(C + P) (seed 000's kind of mistake) fails law 1. */
    static void wrongScaleIsCaught(Dims d, SeededRandom random) {
        MlaShape shape = mutantShape(d);
        MlaWeights weights = MlaWeights.random(shape, LatentCases.mlaSettings(d), random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        ForwardResult naive = new NaiveMla(weights).forward(x, new NaiveMla(weights).newCache(batch, start));

        // The mutant's plumbing with the right scale is production's absorbed form.
        ForwardResult faithful = absorbedWithScale(weights, x, start, weights.softmaxScale());
        assertAbsorbedEqualsNaive("mutant plumbing with the right scale", naive, faithful);

        double wrongScale = weights.settings().yarnMultiplier() / Math.sqrt(shape.kvLoraRank() + shape.qkRopeHeadDim());
        ForwardResult mutant = absorbedWithScale(weights, x, start, wrongScale);
        assertCaught("scale 1/√(C + P) in the absorbed path", naive, mutant);
    }

    /**
     * Law 2(b): RoPE on the compressed part. The naive mutant rotates q_C,i and k_C,i at their
     * positions; neither production's absorbed form nor an absorbed mutant that rotates q̂_i and
     * c_kv can equal it. At T = 1 every query meets only its own position, the rotations cancel,
     * and the naive mutant equals production: the failure comes from the rotation alone.
     */
    static void compressedRopeIsCaught(Dims d, SeededRandom random) {
        MlaShape shape = mutantShape(d);
        MlaWeights weights = MlaWeights.random(shape, LatentCases.mlaSettings(d), random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        AbsorbedMla absorbed = new AbsorbedMla(weights);

        Tensor oneToken = x.narrow(1, 0, 1);
        assertAbsorbedEqualsNaive("rotated-compressed mutant at T = 1",
                naiveWithRopeOnCompressed(weights, oneToken, start),
                absorbed.forward(oneToken, absorbed.newCache(batch, start)));

        ForwardResult mutant = naiveWithRopeOnCompressed(weights, x, start);
        assertCaught("RoPE on q_C, k_C vs production absorbed", mutant, absorbed.forward(x, absorbed.newCache(batch, start)));
        assertCaught("RoPE on q_C, k_C vs absorbed with rotated latents", mutant,
                absorbedWithRotatedLatents(weights, x, start));
    }

    private static void assertCaught(String mutant, ForwardResult naive, ForwardResult absorbed) {
        double error = absorptionError(naive, absorbed);
        assertThrows(AssertionError.class, () -> assertAbsorbedEqualsNaive(mutant, naive, absorbed),
                mutant + " passed law 1");
        assertTrue(error > MUTANT_VISIBLE, mutant + " moved values by only " + error);
    }

    /** Production's run-time absorbed steps on a fresh cache, with the softmax scale replaced. */
    private static ForwardResult absorbedWithScale(MlaWeights w, Tensor x, int start, double scale) {
        Query q = Query.of(w, x, start);
        Compressed c = Compressed.of(w, x, start);
        Tensor latents = c.latent().unsqueeze(1);                                         // [B, 1, S, C]
        Tensor latentQuery = q.nope().matmul(w.keyUp());                                  // [B, H, T, C]
        Tensor scores = latentQuery.matmul(latents.transpose(2, 3))
                .add(q.rotated().matmul(c.ropeKey().unsqueeze(1).transpose(2, 3))).mul(scale);   // [B, H, T, S]
        return absorbedOutput(w, scores, latents);
    }

    /** The "absorb anyway" attempt at RoPE on the compressed part: q̂_i and c_kv rotated at their positions (C dims). */
    private static ForwardResult absorbedWithRotatedLatents(MlaWeights w, Tensor x, int start) {
        Rope latentRope = new Rope(w.shape().kvLoraRank(), w.settings().ropeTheta(), w.settings().pairing());
        Query q = Query.of(w, x, start);
        Compressed c = Compressed.of(w, x, start);
        Tensor latents = c.latent().unsqueeze(1);                                         // [B, 1, S, C]
        Tensor latentQuery = latentRope.apply(q.nope().matmul(w.keyUp()), start);        // [B, H, T, C]
        Tensor rotatedLatents = latentRope.apply(latents, start);                         // [B, 1, S, C]
        Tensor scores = latentQuery.matmul(rotatedLatents.transpose(2, 3))
                .add(q.rotated().matmul(c.ropeKey().unsqueeze(1).transpose(2, 3)))
                .mul(w.softmaxScale());                                                  // [B, H, T, S]
        return absorbedOutput(w, scores, latents);
    }

    private static ForwardResult absorbedOutput(MlaWeights w, Tensor scores, Tensor latents) {
        Tensor logits = AttentionSteps.causalLogits(scores, 0);                           // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]
        Tensor latentHeads = probabilities.matmul(latents);                               // [B, H, T, C]
        Tensor heads = latentHeads.matmul(w.valueUp().transpose(1, 2));                   // [B, H, T, Dv]
        Tensor output = AttentionSteps.mergeHeads(heads).matmul(w.wO().transpose(0, 1)); // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }

    /** Production's naive steps on a fresh cache, with q_C,i and k_C,i also rotated (D_nope dims). */
    private static ForwardResult naiveWithRopeOnCompressed(MlaWeights w, Tensor x, int start) {
        MlaShape shape = w.shape();
        int batch = x.size(0);
        int seqLen = x.size(1);
        int nopeDim = shape.qkNopeHeadDim();
        Rope compressedRope = new Rope(nopeDim, w.settings().ropeTheta(), w.settings().pairing());
        Query q = Query.of(w, x, start);
        Compressed c = Compressed.of(w, x, start);
        Tensor upProjected = c.latent().matmul(w.wUkv().transpose(0, 1))
                .view(batch, seqLen, shape.numHeads(), nopeDim + shape.vHeadDim()).transpose(1, 2);   // [B, H, T, D_nope + Dv]
        Tensor keyNope = compressedRope.apply(upProjected.narrow(-1, 0, nopeDim), start);              // [B, H, T, D_nope]
        Tensor value = upProjected.narrow(-1, nopeDim, shape.vHeadDim());                              // [B, H, T, Dv]
        Tensor query = Tensor.cat(List.of(compressedRope.apply(q.nope(), start), q.rotated()), -1);   // [B, H, T, D_nope + P]
        Tensor key = Tensor.cat(List.of(keyNope,
                c.ropeKey().unsqueeze(1).expand(batch, shape.numHeads(), seqLen, shape.qkRopeHeadDim())), -1);
        Tensor scores = query.matmul(key.transpose(2, 3)).mul(w.softmaxScale());                      // [B, H, T, S]
        Tensor logits = AttentionSteps.causalLogits(scores, 0);                                      // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                                   // [B, H, T, S]
        Tensor heads = probabilities.matmul(value);                                                  // [B, H, T, Dv]
        Tensor output = AttentionSteps.mergeHeads(heads).matmul(w.wO().transpose(0, 1));             // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }

    /** A query as the modules form it: {@code q_C,i [B, H, T, D_nope]} and {@code q_R,i = RoPE(q̃_R,i) [B, H, T, P]}. */
    private record Query(Tensor nope, Tensor rotated) {
        static Query of(MlaWeights w, Tensor x, int start) {
            MlaShape shape = w.shape();
            Tensor input = shape.qLoraRank() == 0 ? x
                    : AttentionSteps.rmsNorm(x.matmul(w.wDq().transpose(0, 1)), w.qNorm(), w.settings().rmsEps());
            Tensor q = input.matmul(w.queryUp().transpose(0, 1))
                    .view(x.size(0), x.size(1), shape.numHeads(), shape.qkHeadDim()).transpose(1, 2);   // [B, H, T, D_nope + P]
            return new Query(q.narrow(-1, 0, shape.qkNopeHeadDim()),
                    w.rope().apply(q.narrow(-1, shape.qkNopeHeadDim(), shape.qkRopeHeadDim()), start));
        }
    }

    /** What a token leaves for the keys, as the modules form it: {@code c_kv [B, T, C]} and {@code k_R [B, T, P]}. */
    private record Compressed(Tensor latent, Tensor ropeKey) {
        static Compressed of(MlaWeights w, Tensor x, int start) {
            int c = w.shape().kvLoraRank();
            Tensor down = x.matmul(w.wDkv().transpose(0, 1));                             // [B, T, C + P]
            return new Compressed(AttentionSteps.rmsNorm(down.narrow(-1, 0, c), w.kvNorm(), w.settings().rmsEps()),
                    w.rope().apply(down.narrow(-1, c, w.shape().qkRopeHeadDim()), start));
        }
    }
}
