package dev.attnref.fast;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The plain float32 loop ({@link PlainFloatAttention}, single-threaded), the baseline of every fast-kernel benchmark. */
@State(Scope.Benchmark)
public class PlainLoop {
    final PlainFloatAttention attention = new PlainFloatAttention();
}
