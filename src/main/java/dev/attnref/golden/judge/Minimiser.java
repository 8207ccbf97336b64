package dev.attnref.golden.judge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * Shrinks a disagreement to the smallest problem that still disagrees: greedily removes one batch row, one
 * key/value head with its query heads, one query head from every group, one query, one key, one column of
 * D, of D and Dv together (when equal), or of Dv, keeping a removal whenever the runtime still disagrees with the oracle on what is left (each
 * try reruns both), until no single removal keeps the disagreement. Every smaller problem is a valid case
 * of its own: masks lose the removed index only along axes they do not broadcast, key lengths and the past
 * shrink with a removed key inside them, and a default scale stays the default (1/√D of the new D).
 */
final class Minimiser {
    private Minimiser() {
    }

    /** The smallest problem reachable from {@code p} by single removals on which {@code disagrees} holds. */
    static JudgeProblem minimise(JudgeProblem p, Predicate<JudgeProblem> disagrees) {
        boolean shrunk = true;
        while (shrunk) {
            shrunk = false;
            for (JudgeProblem smaller : smaller(p)) {
                if (disagrees.test(smaller)) {
                    p = smaller;
                    shrunk = true;
                    break;
                }
            }
        }
        return p;
    }

    /** Every problem one removal away from {@code p}, smallest axes first. */
    static List<JudgeProblem> smaller(JudgeProblem p) {
        List<JudgeProblem> out = new ArrayList<>();
        for (int b = 0; b < p.batch() && p.batch() > 1; b++) {
            out.add(withoutBatchRow(p, b));
        }
        int r = p.groupSize();
        for (int g = 0; g < p.numKvHeads() && p.numKvHeads() > 1; g++) {
            int kv = g;
            out.add(withoutHeads(p, h -> h / r == kv, kv));
        }
        for (int j = 0; j < r && r > 1; j++) {
            int member = j;
            out.add(withoutHeads(p, h -> h % r == member, -1));
        }
        for (int t = 0; t < p.qLen() && p.qLen() > 1; t++) {
            out.add(withoutQuery(p, t));
        }
        for (int s = 0; s < p.kvLen() && p.kvLen() > 1; s++) {
            if (s < p.pastLen() || p.newKvLen() > 1) {
                out.add(withoutKey(p, s));
            }
        }
        for (int d = 0; d < p.headDim() && p.headDim() > 1; d++) {
            int col = d;
            out.add(new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(),
                    p.headDim() - 1, p.valueHeadDim(), drop(p.query(), queryShape(p), 3, i -> i == col),
                    drop(p.key(), keyShape(p, p.headDim()), 3, i -> i == col), p.value(), p.keep(), p.keepShape(),
                    p.additive(), p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows()));
        }
        for (int d = 0; d < p.headDim() && p.headDim() > 1 && p.headDim() == p.valueHeadDim(); d++) {
            int col = d;                                                            // for operators with one head size
            out.add(new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(),
                    p.headDim() - 1, p.valueHeadDim() - 1, drop(p.query(), queryShape(p), 3, i -> i == col),
                    drop(p.key(), keyShape(p, p.headDim()), 3, i -> i == col),
                    drop(p.value(), keyShape(p, p.valueHeadDim()), 3, i -> i == col), p.keep(), p.keepShape(),
                    p.additive(), p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows()));
        }
        for (int d = 0; d < p.valueHeadDim() && p.valueHeadDim() > 1; d++) {
            int col = d;
            out.add(new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(),
                    p.headDim(), p.valueHeadDim() - 1, p.query(), p.key(),
                    drop(p.value(), keyShape(p, p.valueHeadDim()), 3, i -> i == col), p.keep(), p.keepShape(),
                    p.additive(), p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows()));
        }
        return out;
    }

    private static JudgeProblem withoutBatchRow(JudgeProblem p, int b) {
        IntPredicate gone = i -> i == b;
        JudgeProblem.Causal causal = p.causal() == null || p.causal().alignment() != null ? p.causal()
                : new JudgeProblem.Causal(null, dropInts(p.causal().first(), gone));
        return new JudgeProblem(p.batch() - 1, p.numHeads(), p.numKvHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), drop(p.query(), queryShape(p), 0, gone), drop(p.key(), keyShape(p, p.headDim()), 0, gone),
                drop(p.value(), keyShape(p, p.valueHeadDim()), 0, gone), dropMask(p.keep(), p.keepShape(), 0, gone),
                maskShape(p.keepShape(), 0, p.batch() - 1), dropMask(p.additive(), p.additiveShape(), 0, gone),
                maskShape(p.additiveShape(), 0, p.batch() - 1), p.keyLengths() == null ? null : dropInts(p.keyLengths(), gone),
                causal, p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    /** Without the query heads {@code gone} (and, when {@code kvHead} ≥ 0, that key/value head). */
    private static JudgeProblem withoutHeads(JudgeProblem p, IntPredicate gone, int kvHead) {
        int removed = (int) java.util.stream.IntStream.range(0, p.numHeads()).filter(gone).count();
        int heads = p.numHeads() - removed;
        int kvHeads = kvHead >= 0 ? p.numKvHeads() - 1 : p.numKvHeads();
        IntPredicate kvGone = g -> g == kvHead;
        return new JudgeProblem(p.batch(), heads, kvHeads, p.qLen(), p.pastLen(), p.kvLen(), p.headDim(), p.valueHeadDim(),
                drop(p.query(), queryShape(p), 1, gone), drop(p.key(), keyShape(p, p.headDim()), 1, kvGone),
                drop(p.value(), keyShape(p, p.valueHeadDim()), 1, kvGone), dropMask(p.keep(), p.keepShape(), 1, gone),
                maskShape(p.keepShape(), 1, heads), dropMask(p.additive(), p.additiveShape(), 1, gone),
                maskShape(p.additiveShape(), 1, heads), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    private static JudgeProblem withoutQuery(JudgeProblem p, int t) {
        IntPredicate gone = i -> i == t;
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen() - 1, p.pastLen(), p.kvLen(), p.headDim(),
                p.valueHeadDim(), drop(p.query(), queryShape(p), 2, gone), p.key(), p.value(),
                dropMask(p.keep(), p.keepShape(), 2, gone), maskShape(p.keepShape(), 2, p.qLen() - 1),
                dropMask(p.additive(), p.additiveShape(), 2, gone), maskShape(p.additiveShape(), 2, p.qLen() - 1),
                p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    private static JudgeProblem withoutKey(JudgeProblem p, int s) {
        IntPredicate gone = i -> i == s;
        int[] lengths = p.keyLengths() == null ? null
                : Arrays.stream(p.keyLengths()).map(len -> s < len ? len - 1 : len).toArray();
        return new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(), s < p.pastLen() ? p.pastLen() - 1 : p.pastLen(),
                p.kvLen() - 1, p.headDim(), p.valueHeadDim(), p.query(), drop(p.key(), keyShape(p, p.headDim()), 2, gone),
                drop(p.value(), keyShape(p, p.valueHeadDim()), 2, gone), dropMask(p.keep(), p.keepShape(), 3, gone),
                maskShape(p.keepShape(), 3, p.kvLen() - 1), dropMask(p.additive(), p.additiveShape(), 3, gone),
                maskShape(p.additiveShape(), 3, p.kvLen() - 1), lengths, p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
    }

    private static int[] queryShape(JudgeProblem p) {
        return new int[] {p.batch(), p.numHeads(), p.qLen(), p.headDim()};
    }

    private static int[] keyShape(JudgeProblem p, int width) {
        return new int[] {p.batch(), p.numKvHeads(), p.kvLen(), width};
    }

    /** The mask axis for full axis {@code full} of [B, H, T, S] (right-aligned), or −1 when absent or broadcast. */
    private static int maskAxis(int[] shape, int full) {
        int axis = full - (4 - shape.length);
        return axis >= 0 && shape[axis] > 1 ? axis : -1;
    }

    private static int[] maskShape(int[] shape, int full, int size) {
        if (shape == null || maskAxis(shape, full) < 0) {
            return shape;
        }
        int[] out = shape.clone();
        out[maskAxis(shape, full)] = size;
        return out;
    }

    private static double[] dropMask(double[] mask, int[] shape, int full, IntPredicate gone) {
        return mask == null || maskAxis(shape, full) < 0 ? mask : drop(mask, shape, maskAxis(shape, full), gone);
    }

    private static boolean[] dropMask(boolean[] mask, int[] shape, int full, IntPredicate gone) {
        if (mask == null || maskAxis(shape, full) < 0) {
            return mask;
        }
        int[] kept = kept(shape, maskAxis(shape, full), gone);
        boolean[] out = new boolean[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = mask[kept[i]];
        }
        return out;
    }

    /** x of {@code shape} without the indices {@code gone} along {@code axis}. */
    static double[] drop(double[] x, int[] shape, int axis, IntPredicate gone) {
        return Arrays.stream(kept(shape, axis, gone)).mapToDouble(i -> x[i]).toArray();
    }

    private static int[] dropInts(int[] x, IntPredicate gone) {
        return java.util.stream.IntStream.range(0, x.length).filter(i -> !gone.test(i)).map(i -> x[i]).toArray();
    }

    /** The flat indices, in order, of the elements whose index along {@code axis} is not {@code gone}. */
    private static int[] kept(int[] shape, int axis, IntPredicate gone) {
        int inner = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            inner *= shape[a];
        }
        int size = shape[axis];
        int total = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        int stride = inner;
        return java.util.stream.IntStream.range(0, total).filter(i -> !gone.test(i / stride % size)).toArray();
    }
}
