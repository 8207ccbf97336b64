package dev.attnref.model;

import dev.attnref.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record of the tensor shape after each stage of one forward pass, written against seed 001's
 * walk-through {@code (B, T) → (B, T, M) → … → (B, T, V)}.
 *
 * <p>Each stage names its axes symbolically ({@code "B, T, H, D"}), and the trace checks the
 * symbols against the real tensor: the rank must match, a letter must keep one size for the whole
 * trace ({@code T} is 5 everywhere or the trace fails), and a product such as {@code H·D} must equal
 * the size of its axis (checked once every letter in it has been sized). So a printed {@code (B, H, T, S)} is a checked claim, not a label.
 *
 * <table>
 *   <caption>Contract</caption>
 *   <tr><th>call</th><th>effect</th></tr>
 *   <tr><td>{@link #off()}</td><td>records nothing; {@link #record} returns its tensor unchanged</td></tr>
 *   <tr><td>{@link #recording()}</td><td>one trace per forward pass (letters keep one size)</td></tr>
 *   <tr><td>{@link #enter}/{@link #exit}</td><td>nest stages under a section heading (a block, attention)</td></tr>
 * </table>
 *
 * <p>Letters: the core legend (B, T, S, H, G, R, D, Dv, M, C, P) plus V (vocabulary) and F
 * (feed-forward width). Checked by {@code ShapeTraceTest} and {@code DecoderModelTest}.
 */
public final class ShapeTrace {
    /** One line of the trace: a section heading (no axes) or a stage with its axes and shape. */
    public record Stage(int depth, String label, String axes, int[] shape) {
        public boolean isSection() {
            return axes == null;
        }
    }

    private static final ShapeTrace OFF = new ShapeTrace(false);

    private final boolean enabled;
    private final List<Stage> stages = new ArrayList<>();
    private final Map<String, Integer> letterSizes = new LinkedHashMap<>();
    private final List<PendingProduct> pendingProducts = new ArrayList<>();
    private int depth;

    private ShapeTrace(boolean enabled) {
        this.enabled = enabled;
    }

    /** A trace that records nothing (the default for every forward pass). */
    public static ShapeTrace off() {
        return OFF;
    }

    /** A fresh recording trace. */
    public static ShapeTrace recording() {
        return new ShapeTrace(true);
    }

    /** Whether this trace records (so that work done only for the trace can be skipped when it does not). */
    public boolean isRecording() {
        return enabled;
    }

    /** Opens a section (e.g. "block 0"); stages recorded until {@link #exit()} are nested under it. */
    public void enter(String section) {
        if (enabled) {
            stages.add(new Stage(depth, section, null, null));
            depth++;
        }
    }

    /** Closes the innermost section. */
    public void exit() {
        if (enabled) {
            if (depth == 0) {
                throw new IllegalStateException("ShapeTrace.exit() without a matching enter()");
            }
            depth--;
        }
    }

    /** Records {@code tensor}'s shape under {@code label} with symbolic {@code axes}; returns {@code tensor}. */
    public Tensor record(String label, String axes, Tensor tensor) {
        if (enabled) {
            recordShape(label, axes, tensor.shape());
        }
        return tensor;
    }

    /** Records a shape that is not held in a {@link Tensor} (the integer token ids). */
    public void recordShape(String label, String axes, int[] shape) {
        if (!enabled) {
            return;
        }
        String[] symbols = axes.split(",");
        if (symbols.length != shape.length) {
            throw new IllegalStateException("trace stage '" + label + "' names axes (" + axes + ") but the tensor has shape "
                    + Arrays.toString(shape));
        }
        for (int i = 0; i < symbols.length; i++) {
            checkSymbol(label, symbols[i].trim(), shape[i]);
        }
        stages.add(new Stage(depth, label, axes, shape.clone()));
    }

    /** The stages in order. */
    public List<Stage> stages() {
        return List.copyOf(stages);
    }

    /** The size each letter took in this trace (e.g. {@code T → 5}), in order of first appearance. */
    public Map<String, Integer> letterSizes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(letterSizes));
    }

    /**
     * The trace as aligned text: label, symbolic shape, numeric shape; sections indent their
     * stages. Fails if a product axis ({@code H·D}) names a letter no stage ever sized.
     */
    public String format() {
        if (!pendingProducts.isEmpty()) {
            PendingProduct first = pendingProducts.get(0);
            throw new IllegalStateException("trace stage '" + first.label() + "': product " + first.symbol()
                    + " uses a letter that no stage sized");
        }
        int labelWidth = 0;
        int axesWidth = 0;
        for (Stage stage : stages) {
            labelWidth = Math.max(labelWidth, 2 * stage.depth() + stage.label().length());
            if (!stage.isSection()) {
                axesWidth = Math.max(axesWidth, stage.axes().length() + 2);
            }
        }
        StringBuilder out = new StringBuilder();
        for (Stage stage : stages) {
            String indented = "  ".repeat(stage.depth()) + stage.label();
            if (stage.isSection()) {
                out.append(indented).append('\n');
                continue;
            }
            out.append(String.format("%-" + (labelWidth + 2) + "s%-" + (axesWidth + 2) + "s%s%n", indented,
                    "(" + stage.axes() + ")", Arrays.toString(stage.shape())));
        }
        return out.toString();
    }

    // A symbol is one letter group (T, Dv) or a product of them (H·D). A letter keeps the size it
    // first had; a product is checked as soon as all its letters have sizes (the projection
    // (B, T, H·D) comes before the head split that sizes H and D).
    private void checkSymbol(String label, String symbol, int size) {
        if (symbol.contains("·")) {
            pendingProducts.add(new PendingProduct(label, symbol, size));
        } else {
            Integer seen = letterSizes.putIfAbsent(symbol, size);
            if (seen != null && seen != size) {
                throw new IllegalStateException("trace stage '" + label + "': axis " + symbol + " has size " + size
                        + " but was " + seen + " earlier in the same trace");
            }
        }
        pendingProducts.removeIf(this::checkProductIfSized);
    }

    private boolean checkProductIfSized(PendingProduct pending) {
        long product = 1;
        for (String factor : pending.symbol().split("·")) {
            Integer known = letterSizes.get(factor);
            if (known == null) {
                return false;
            }
            product *= known;
        }
        if (product != pending.size()) {
            throw new IllegalStateException("trace stage '" + pending.label() + "': axis " + pending.symbol() + " = "
                    + product + " but the tensor has " + pending.size());
        }
        return true;
    }

    private record PendingProduct(String label, String symbol, int size) {
    }
}
