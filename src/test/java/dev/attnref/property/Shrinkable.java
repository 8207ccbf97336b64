package dev.attnref.property;

import java.util.List;

/**
 * A shape that knows its smaller neighbours. Shrinking tries them in order and keeps the first one
 * on which the property still fails, so list the most aggressive reductions first. Every candidate
 * must satisfy the shape's own invariants (for attention: G divides H).
 */
public interface Shrinkable<S> {
    List<S> shrinks();
}
