package dev.attnref.golden.judge;

import dev.attnref.core.CausalAlignment;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The conventions on which attention APIs differ (reference-data/README.md, "Conventions that change
 * results"), each as the same problem read the other way. A disagreement is explained by the first
 * convention whose reading the runtime's output matches at the judged tolerance: then the runtime follows
 * that convention and the case the other one.
 */
final class Conventions {
    /**
     * One alternative reading: applies to problems {@code applies} accepts, and {@code reread} gives the problem
     * the runtime would then have computed; {@code runtime} and {@code golden} say what each side does.
     */
    record Convention(String id, Predicate<JudgeProblem> applies, Function<JudgeProblem, JudgeProblem> reread,
            Function<JudgeProblem, String> runtime, Function<JudgeProblem, String> golden) {
    }

    static final List<Convention> ALL = List.of(
            new Convention("causal-top-left",
                    p -> p.causal() != null && p.causal().alignment() != CausalAlignment.TOP_LEFT,
                    p -> withCausal(p, new JudgeProblem.Causal(CausalAlignment.TOP_LEFT, null)),
                    p -> "aligns causal masking top-left: query t sees keys s ≤ t",
                    p -> "asks " + p.causal().describe() + " (query t sees s ≤ first + t)"),
            new Convention("causal-bottom-right",
                    p -> p.causal() != null && p.causal().alignment() != CausalAlignment.BOTTOM_RIGHT,
                    p -> withCausal(p, new JudgeProblem.Causal(CausalAlignment.BOTTOM_RIGHT, null)),
                    p -> "aligns causal masking bottom-right: query t sees keys s ≤ S − T + t",
                    p -> "asks " + p.causal().describe()),
            new Convention("causal-past-offset-last-row-sees-all",
                    p -> p.causal() != null && p.keep() == null && p.newKvLen() > p.qLen(),
                    Conventions::lastRowSeesAll,
                    p -> "hides keys s > P + t from every query but the last, which sees all S keys",
                    p -> "asks " + p.causal().describe() + " for every query"),
            new Convention("new-keys-after-key-length",
                    p -> p.keyLengths() != null && p.kvLen() > p.qLen(),
                    Conventions::newKeysAfterLength,
                    p -> "writes the T new keys right after each row's key length (positions L[b] − T … L[b] − 1), over the cache",
                    p -> "keeps them last (positions S − T … S − 1), where key padding may hide them"),
            new Convention("hidden-keys-added",
                    p -> Double.isInfinite(p.fill()),
                    Conventions::hiddenAdded,
                    p -> "adds a finite fill (−10000 reproduces it) to hidden logits instead of replacing them:"
                            + " a row with every key hidden attends to all keys",
                    p -> "hides them (−∞)"),
            new Convention("fully-masked-rows",
                    p -> true,
                    p -> new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                            p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(), p.keepShape(), p.additive(),
                            p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), !p.nanRows()),
                    p -> "gives " + (p.nanRows() ? "zeros" : "NaN") + " for a row whose keys are all hidden",
                    p -> "asks " + (p.nanRows() ? "NaN" : "zeros") + " (fully_masked_rows)"),
            new Convention("finite-fill",
                    p -> p.fill() == Double.NEGATIVE_INFINITY,
                    p -> withFill(p, -10000.0),
                    p -> "fills hidden logits with a finite value (−10000 reproduces it): a fully masked row becomes uniform",
                    p -> "fills them with −∞"),
            new Convention("infinite-fill",
                    p -> p.fill() != Double.NEGATIVE_INFINITY,
                    p -> withFill(p, Double.NEGATIVE_INFINITY),
                    p -> "fills hidden logits with −∞",
                    p -> "asks the finite fill " + p.fill()),
            new Convention("grouping-h-mod-g",
                    p -> p.numKvHeads() > 1 && p.numKvHeads() < p.numHeads(),
                    Conventions::tiledGrouping,
                    p -> "maps query head h to kv head h mod G (tiled)",
                    p -> "maps it to ⌊h / R⌋ (contiguous groups)"),
            new Convention("rank3-mask-as-btS",
                    p -> p.keepShape() != null && p.keepShape().length == 3 && p.keepShape()[0] == p.batch(),
                    p -> new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                            p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(),
                            new int[] {p.keepShape()[0], 1, p.keepShape()[1], p.keepShape()[2]}, p.additive(), p.additiveShape(),
                            p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows()),
                    p -> "reads a rank-3 mask as [B, T, S]",
                    p -> "broadcasts it from the right as [H, T, S]"),
            new Convention("default-scale",
                    p -> p.scale() != null,
                    p -> new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                            p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(), p.keepShape(), p.additive(),
                            p.additiveShape(), p.keyLengths(), p.causal(), null, p.softcap(), p.fill(), p.nanRows()),
                    p -> "ignores the given scale (uses 1/√D)",
                    p -> "asks scale " + p.scale()));

    private Conventions() {
    }

    /** The first convention whose reading of {@code p} {@code matches} (the runtime's output agrees with it), or null. */
    static Convention explain(JudgeProblem p, Predicate<JudgeProblem> matches) {
        for (Convention c : ALL) {
            if (c.applies().test(p) && matches.test(c.reread().apply(p))) {
                return c;
            }
        }
        return null;
    }

    /** Query t sees s ≤ P + t, except the last query, which sees every key; as a keep mask [T, S]. */
    private static JudgeProblem lastRowSeesAll(JudgeProblem p) {
        boolean[] keep = new boolean[p.qLen() * p.kvLen()];                       // [T, S]
        for (int t = 0; t < p.qLen(); t++) {
            for (int s = 0; s < p.kvLen(); s++) {
                keep[t * p.kvLen() + s] = s <= p.pastLen() + t || t == p.qLen() - 1;
            }
        }
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), p.query(), p.key(), p.value(), keep, new int[] {p.qLen(), p.kvLen()}, p.additive(),
                p.additiveShape(), p.keyLengths(), null, p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    /** Per batch row b, the last T keys and values moved to positions L[b] − T … L[b] − 1 (over the cached ones). */
    private static JudgeProblem newKeysAfterLength(JudgeProblem p) {
        double[] key = p.key().clone();
        double[] value = p.value().clone();
        int t0 = p.qLen();
        for (int b = 0; b < p.batch(); b++) {
            int at = Math.max(0, p.keyLengths()[b] - t0);
            for (int g = 0; g < p.numKvHeads(); g++) {
                int row = (b * p.numKvHeads() + g) * p.kvLen();
                System.arraycopy(p.key(), (row + p.kvLen() - t0) * p.headDim(), key, (row + at) * p.headDim(), t0 * p.headDim());
                System.arraycopy(p.value(), (row + p.kvLen() - t0) * p.valueHeadDim(), value, (row + at) * p.valueHeadDim(),
                        t0 * p.valueHeadDim());
            }
        }
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), p.query(), key, value, p.keep(), p.keepShape(), p.additive(), p.additiveShape(),
                p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    /** Every hidden logit gets −10000 added instead of being replaced: one additive mask [B, H, T, S], nothing hidden. */
    private static JudgeProblem hiddenAdded(JudgeProblem p) {
        double[] bias = new double[p.batch() * p.numHeads() * p.qLen() * p.kvLen()];   // [B, H, T, S]
        int i = 0;
        for (int b = 0; b < p.batch(); b++) {
            for (int h = 0; h < p.numHeads(); h++) {
                for (int t = 0; t < p.qLen(); t++) {
                    for (int s = 0; s < p.kvLen(); s++) {
                        bias[i++] = p.additiveAt(b, h, t, s) + (p.visible(b, h, t, s) ? 0 : -10000.0);
                    }
                }
            }
        }
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), p.query(), p.key(), p.value(), null, null, bias,
                new int[] {p.batch(), p.numHeads(), p.qLen(), p.kvLen()}, null, null, p.scale(), p.softcap(), p.fill(),
                p.nanRows());
    }

    private static JudgeProblem withCausal(JudgeProblem p, JudgeProblem.Causal causal) {
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(), p.keepShape(), p.additive(), p.additiveShape(),
                p.keyLengths(), causal, p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    private static JudgeProblem withFill(JudgeProblem p, double fill) {
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(), p.keepShape(), p.additive(), p.additiveShape(),
                p.keyLengths(), p.causal(), p.scale(), p.softcap(), fill, p.nanRows());
    }

    /** K, V written out to H heads with head h holding kv head h mod G; then G = H. */
    private static JudgeProblem tiledGrouping(JudgeProblem p) {
        int h0 = p.numHeads();
        int g0 = p.numKvHeads();
        return new JudgeProblem(p.batch(), h0, h0, p.qLen(), p.pastLen(), p.kvLen(), p.headDim(), p.valueHeadDim(), p.query(),
                tile(p.key(), p.batch(), g0, h0, p.kvLen() * p.headDim()),
                tile(p.value(), p.batch(), g0, h0, p.kvLen() * p.valueHeadDim()), p.keep(), p.keepShape(), p.additive(),
                p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    private static double[] tile(double[] x, int batch, int kvHeads, int heads, int block) {
        double[] out = new double[batch * heads * block];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(x, (b * kvHeads + h % kvHeads) * block, out, (b * heads + h) * block, block);
            }
        }
        return out;
    }
}
