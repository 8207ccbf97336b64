package dev.attnref.mirror;

/**
 * Which behaviour a mirror reproduces: the snippet exactly as published, or with every tagged
 * {@code FIX-n} of its class header applied. Only mirrors whose published behaviour differs from
 * the fixed one take a {@code Fidelity}; a snippet without a behavioural bug has no switch.
 */
public enum Fidelity {
    /** Statement for statement as printed in the seed, bugs included (errors fail as PyTorch fails). */
    AS_PUBLISHED,
    /** Every {@code FIX-n} applied; must agree with the canonical module in {@code dev.attnref.attention}. */
    FIXED
}
