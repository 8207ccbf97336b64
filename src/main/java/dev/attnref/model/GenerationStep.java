package dev.attnref.model;

/**
 * One generated token: its absolute position, id, its probability under the processed
 * distribution it was drawn from, the model's raw logits row {@code [V]} at that step and the
 * processed distribution {@code [V]}.
 */
public record GenerationStep(int position, int token, double probability, double[] logits, double[] probabilities) {
}
