package dev.attnref.property;

import dev.attnref.core.SeededRandom;

/**
 * A law: a plain check of one shape, drawing its data from the given random stream. Laws are
 * written as static methods ({@code static void gqaEqualsMha(AttnShape s, SeededRandom r)}) and
 * passed as method references, so the engine that runs them can be swapped without touching them.
 * Throwing anything (an assertion error included) means the law failed for this shape.
 */
@FunctionalInterface
public interface Law<S> {
    void check(S shape, SeededRandom data) throws Exception;
}
