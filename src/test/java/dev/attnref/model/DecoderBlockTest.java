package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * Pre-norm and post-norm blocks against their equations, composed here from the loop versions
 * of the norms and FFNs ({@link Loops}) and a second copy of the test-double attention.
 */
class DecoderBlockTest {

    private static Norm randomNorm(boolean rms, int width, SeededRandom random) {
        double eps = random.uniform(1e-6, 1e-2);
        Tensor gain = Tensor.randn(random, 1.0, width);
        return rms ? new RmsNorm(width, eps, gain) : new LayerNorm(width, eps, gain, Tensor.randn(random, 1.0, width));
    }

    private static FeedForward randomFfn(int kind, int width, int hidden, SeededRandom random) {
        return kind == Activation.values().length
                ? SwiGlu.random(width, hidden, random)
                : Mlp.random(width, hidden, Activation.values()[kind], random);
    }

    /**
     * Law: PRE gives h = x + A(N₁(x)), y = h + F(N₂(h)); POST gives h = N₁(x + A(x)), y = N₂(h + F(h)),
     * with A a fresh copy of the block's attention (same weights, own cache).
     */
    static void blockFollowsItsEquations(NormPlacement placement, int batch, int length, int width, int hidden,
            boolean rms, int ffnKind, SeededRandom random) {
        Norm norm1 = randomNorm(rms, width, random);
        Norm norm2 = randomNorm(rms, width, random);
        FeedForward ffn = randomFfn(ffnKind, width, hidden, random);
        long attentionSeed = random.nextLong();
        LoopAttention attention = LoopAttention.random(width, 2, 1, 2, RopePairing.SPLIT_HALVES, new SeededRandom(attentionSeed));
        LoopAttention twin = LoopAttention.random(width, 2, 1, 2, RopePairing.SPLIT_HALVES, new SeededRandom(attentionSeed));
        DecoderBlock<LoopAttention.Cache> block = new DecoderBlock<>(placement, norm1, attention, norm2, ffn);
        Tensor x = Tensor.randn(random, 1.0, batch, length, width);

        Tensor actual = block.forward(x, attention.newCache(batch), ShapeTrace.off());

        LoopAttention.Cache twinCache = twin.newCache(batch);
        Tensor expected;
        if (placement == NormPlacement.PRE) {
            Tensor h = x.add(twin.forward(Loops.norm(norm1, x), twinCache, ShapeTrace.off()));
            expected = h.add(Loops.rows(Loops.norm(norm2, h), row -> Loops.feedForward(ffn, row)));
        } else {
            Tensor h = Loops.norm(norm1, x.add(twin.forward(x, twinCache, ShapeTrace.off())));
            expected = Loops.norm(norm2, h.add(Loops.rows(h, row -> Loops.feedForward(ffn, row))));
        }
        assertTrue(actual.maxAbsDiff(expected) <= Tolerances.BLOCK, placement + " block: max diff " + actual.maxAbsDiff(expected));
    }

    @Test
    void preNormBlockIsResidualAroundNormalisedSublayers() {
        Property.of("preNormBlockEquations", Dims.spec().size("B", 1, 2).size("T", 1, 5).size("M", 2, 8)
                .size("F", 1, 12).flag("rms").size("ffn", 0, Activation.values().length))
                .tries(24).check((d, random) -> blockFollowsItsEquations(NormPlacement.PRE,
                d.get("B"), d.get("T"), d.get("M"), d.get("F"), d.flag("rms"),
                d.get("ffn"), random));
    }

    @Test
    void postNormBlockNormalisesAfterEachResidual() {
        Property.of("postNormBlockEquations", Dims.spec().size("B", 1, 2).size("T", 1, 5).size("M", 2, 8)
                .size("F", 1, 12).flag("rms").size("ffn", 0, Activation.values().length))
                .tries(24).check((d, random) -> blockFollowsItsEquations(NormPlacement.POST,
                d.get("B"), d.get("T"), d.get("M"), d.get("F"), d.flag("rms"),
                d.get("ffn"), random));
    }

    @Test
    void preAndPostNormDisagree() {
        // The same parts in the two placements give different outputs (so neither law passes by accident).
        SeededRandom random = new SeededRandom(41);
        Norm norm1 = randomNorm(true, 4, random);
        Norm norm2 = randomNorm(true, 4, random);
        FeedForward ffn = SwiGlu.random(4, 6, random);
        LoopAttention attention = LoopAttention.random(4, 1, 1, 2, null, random);
        Tensor x = Tensor.randn(random, 1.0, 1, 3, 4);
        Tensor pre = new DecoderBlock<>(NormPlacement.PRE, norm1, attention, norm2, ffn)
                .forward(x, attention.newCache(1), ShapeTrace.off());
        Tensor post = new DecoderBlock<>(NormPlacement.POST, norm1, attention, norm2, ffn)
                .forward(x, attention.newCache(1), ShapeTrace.off());
        assertTrue(pre.maxAbsDiff(post) > Tolerances.VISIBLE_EFFECT, "pre and post differ by only " + pre.maxAbsDiff(post));
    }

    @Test
    void partsOfDifferentWidthsAreRejected() {
        SeededRandom random = new SeededRandom(43);
        LoopAttention attention = LoopAttention.random(4, 1, 1, 2, null, random);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DecoderBlock<>(NormPlacement.PRE,
                new RmsNorm(4, 1e-5, null), attention, new RmsNorm(5, 1e-5, null), SwiGlu.random(4, 6, random)));
        assertTrue(e.getMessage().contains("[4, 5, 4]"), e.getMessage());
    }
}
