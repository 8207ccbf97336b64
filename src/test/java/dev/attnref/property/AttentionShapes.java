package dev.attnref.property;

import dev.attnref.core.SeededRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Ready-made shape generators for attention laws. Sizes are small and often odd (head widths 1,
 * 3, 7; T ≠ S; batch > 1) so that a hundred float64 tries take milliseconds, and every generator
 * draws the three GQA regimes with equal probability:
 * <ul>
 *   <li>{@link #MHA}: G = H,</li>
 *   <li>{@link #MQA}: G = 1 (with H ≥ 2, so it differs from MHA),</li>
 *   <li>{@link #GROUPED}: 1 &lt; G &lt; H.</li>
 * </ul>
 * {@link #regimes()} makes a property fail if any regime never occurred.
 */
public final class AttentionShapes {
    public static final String MHA = "G = H (MHA)";
    public static final String MQA = "G = 1 < H (MQA)";
    public static final String GROUPED = "1 < G < H (grouped)";

    private static final int[] HEAD_DIMS = {1, 2, 3, 4, 5, 7, 8};
    /** (H, G) pairs with 1 < G < H and G | H. */
    private static final int[][] GROUPED_HEADS = {{4, 2}, {6, 2}, {6, 3}, {8, 2}, {8, 4}, {9, 3}};

    private AttentionShapes() {
    }

    /** Self-attention over one chunk (S = T). */
    public static Gen<AttnShape> selfAttention() {
        return r -> draw(r, AttnShape.Kind.SELF);
    }

    /** A chunk of T queries after a cached past of P ≥ 0 keys (S = P + T). */
    public static Gen<AttnShape> withPast() {
        return r -> draw(r, AttnShape.Kind.WITH_PAST);
    }

    /** Independent T and S. */
    public static Gen<AttnShape> cross() {
        return r -> draw(r, AttnShape.Kind.CROSS);
    }

    /** The three GQA regimes as required coverage. */
    public static Coverage<AttnShape> regimes() {
        Map<String, Predicate<AttnShape>> classifiers = new LinkedHashMap<>();
        classifiers.put(MHA, AttnShape::isMha);
        classifiers.put(MQA, s -> s.isMqa() && !s.isMha());
        classifiers.put(GROUPED, AttnShape::isGrouped);
        return new Coverage<>(classifiers, List.of(MHA, MQA, GROUPED));
    }

    private static AttnShape draw(SeededRandom r, AttnShape.Kind kind) {
        int numHeads;
        int numKvHeads;
        switch (r.nextInt(3)) {
            case 0 -> {
                numHeads = r.intBetween(1, 5);
                numKvHeads = numHeads;
            }
            case 1 -> {
                numHeads = r.intBetween(2, 6);
                numKvHeads = 1;
            }
            default -> {
                int[] hg = GROUPED_HEADS[r.nextInt(GROUPED_HEADS.length)];
                numHeads = hg[0];
                numKvHeads = hg[1];
            }
        }
        int batch = r.intBetween(1, 3);
        int qLen = r.intBetween(1, 6);
        int kvLen = switch (kind) {
            case SELF -> qLen;
            case WITH_PAST -> qLen + r.intBetween(0, 5);
            case CROSS -> r.intBetween(1, 7);
        };
        int headDim = HEAD_DIMS[r.nextInt(HEAD_DIMS.length)];
        int valueDim = r.nextInt(2) == 0 ? headDim : HEAD_DIMS[r.nextInt(HEAD_DIMS.length)];
        int modelWidth = r.intBetween(1, 9);
        return new AttnShape(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, modelWidth, kind);
    }
}
