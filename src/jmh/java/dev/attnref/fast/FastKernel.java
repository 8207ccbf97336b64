package dev.attnref.fast;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The fast kernel with its pool of {@code threads}, the {@code @Param} every fast-kernel benchmark's
 * shape declares; shared by {@link DecodeBenchmark}, {@link PrefillBenchmark} and {@link MlaDecodeBenchmark}.
 */
@State(Scope.Benchmark)
public class FastKernel {
    FastAttention attention;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        attention = new FastAttention(Integer.parseInt(params.getParam("threads")));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        attention.close();
    }
}
