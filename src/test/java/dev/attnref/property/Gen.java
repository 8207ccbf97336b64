package dev.attnref.property;

import dev.attnref.core.SeededRandom;

/** Draws one shape from a random stream; the same stream state gives the same shape. */
@FunctionalInterface
public interface Gen<S> {
    S generate(SeededRandom random);
}
