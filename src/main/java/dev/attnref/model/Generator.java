package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive generation for one sequence (B = 1), with or without the KV cache.
 *
 * <pre>
 *   with cache:     logits = model(prompt, state);   then per step: choose token, logits = model([token], state)
 *   without cache:  per step: logits = model(prompt ++ generated so far)  (fresh state each time)
 *   step:           l = logits[0, last, :];  q = decoding.probabilities(l, history);  token = decoding.choose(q, random)
 * </pre>
 * The history seen by the repetition penalty is the prompt plus every token generated so far.
 * Law: both paths give the same tokens and the same logits (to rounding), step for step
 * ({@code GenerationTest}); the cached path does O(1) new positions per step instead of O(n).
 * Checked by {@code GenerationTest}.
 */
public final class Generator {
    private Generator() {
    }

    /** How two generations of the same length compare: same tokens, and the largest logit difference over all steps. */
    public record Agreement(boolean sameTokens, double maxLogitDifference) {
    }

    /** Compares two runs step by step (e.g. cached against uncached). */
    public static Agreement compare(List<GenerationStep> first, List<GenerationStep> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("cannot compare generations of " + first.size() + " and " + second.size()
                    + " steps");
        }
        boolean sameTokens = true;
        double worst = 0.0;
        for (int i = 0; i < first.size(); i++) {
            sameTokens &= first.get(i).token() == second.get(i).token();
            double[] a = first.get(i).logits();
            double[] b = second.get(i).logits();
            for (int v = 0; v < a.length; v++) {
                worst = Math.max(worst, Math.abs(a[v] - b[v]));
            }
        }
        return new Agreement(sameTokens, worst);
    }

    /** Generates {@code steps} tokens after {@code prompt}; the random stream is used only when sampling. */
    public static List<GenerationStep> generate(DecoderModel model, int[] prompt, int steps, DecodingConfig decoding,
            SeededRandom random, boolean useCache) {
        Checks.notNull("model", model);
        Checks.notNull("prompt", prompt);
        Checks.positive("prompt length", prompt.length);
        Checks.nonNegative("steps", steps);
        Checks.notNull("decoding", decoding);
        Checks.notNull("random", random);
        int[] tokens = Arrays.copyOf(prompt, prompt.length + steps);
        int length = prompt.length;
        List<GenerationStep> out = new ArrayList<>();
        DecoderState state = model.newState(1);
        Tensor logits = useCache ? model.forward(new int[][] {prompt}, state, ShapeTrace.off()) : null;   // [1, T, V]
        for (int step = 0; step < steps; step++) {
            if (!useCache) {
                logits = model.forward(new int[][] {Arrays.copyOf(tokens, length)});                      // [1, n, V]
            }
            // l = logits[0, last, :]
            double[] row = logits.narrow(1, logits.size(1) - 1, 1).contiguous().toArray();              // [V]
            int[] history = Arrays.copyOf(tokens, length);
            double[] probabilities = decoding.probabilities(row, history);
            int token = decoding.choose(probabilities, random);
            out.add(new GenerationStep(length, token, probabilities[token], row, probabilities));
            tokens[length++] = token;
            if (useCache && step + 1 < steps) {
                logits = model.forward(new int[][] {{token}}, state, ShapeTrace.off());                  // [1, 1, V]
            }
        }
        return out;
    }
}
