package dev.attnref.property;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Labels a generator promises to produce, with their classifiers; see {@link Property#coverage}. */
public record Coverage<S>(Map<String, Predicate<S>> classifiers, List<String> required) {
}
