package dev.attnref.fast;

import dev.attnref.core.SeededRandom;
import dev.attnref.experiment.OnnxRuntimePeer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GQA decode, one query token per head over a cache of S keys, B = 1, H = 32, G = 8, D = Dv = 128:
 * {@link FastAttention#decode} (split cache, merged partial softmax states) against ONNX Runtime's
 * GroupQueryAttention (past = the first S − 1 keys, the last one new; it also writes the present
 * cache) and Attention-23 (Q against all of K, V), and the plain float32 loop (single-threaded).
 * Bytes of K/V read per call: 2·G·S·D·4.
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="DecodeBenchmark -p cacheLength=16384 -f 1 -wi 3 -i 5"}.
 * Same-process ratios with spread come from {@code attnref race}; JMH gives the per-contender
 * distribution with forks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class DecodeBenchmark {

    /** The shape and its inputs, shared by every contender of a trial. */
    @State(Scope.Benchmark)
    public static class Shape {
        @Param({"1024", "4096", "16384", "32768"})
        int cacheLength;
        @Param({"1", "2"})
        int threads;

        AttentionDims dims;
        float[] q;
        float[] k;
        float[] v;
        float[] out;

        @Setup(Level.Trial)
        public void setUp() {
            dims = new AttentionDims(1, 32, 8, 1, cacheLength, 128, 128);
            SeededRandom random = new SeededRandom(BenchmarkInputs.SEED);
            q = BenchmarkInputs.uniform(random, dims.queryCount());
            k = BenchmarkInputs.uniform(random, dims.keyCount());
            v = BenchmarkInputs.uniform(random, dims.valueCount());
            out = new float[dims.outputCount()];
        }
    }

    /** The fast kernel with its pool of {@code threads}. */
    @State(Scope.Benchmark)
    public static class Fast {
        FastAttention attention;

        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            attention = new FastAttention(shape.threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            attention.close();
        }
    }

    /** ORT GroupQueryAttention. */
    @State(Scope.Benchmark)
    public static class OrtGqa {
        OnnxRuntimePeer peer;

        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, shape.dims, shape.threads,
                    shape.q, shape.k, shape.v);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            peer.close();
        }
    }

    /** ORT Attention (opset 23). */
    @State(Scope.Benchmark)
    public static class OrtAttention {
        OnnxRuntimePeer peer;

        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.ATTENTION_23, true, shape.dims, shape.threads,
                    shape.q, shape.k, shape.v);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            peer.close();
        }
    }

    /** The plain float32 loop. */
    @State(Scope.Benchmark)
    public static class Plain {
        final PlainFloatAttention attention = new PlainFloatAttention();
    }

    @Benchmark
    public float[] fast(Shape shape, Fast fast) {
        fast.attention.decode(shape.dims, shape.q, shape.k, shape.v, AttentionOptions.none(), shape.out);
        return shape.out;
    }

    @Benchmark
    public OnnxRuntimePeer ortGroupQueryAttention(OrtGqa ort) throws Exception {
        ort.peer.run();
        return ort.peer;
    }

    @Benchmark
    public OnnxRuntimePeer ortAttention23(OrtAttention ort) throws Exception {
        ort.peer.run();
        return ort.peer;
    }

    @Benchmark
    public float[] plainFloatLoop(Shape shape, Plain plain) {
        plain.attention.attend(shape.dims, shape.q, shape.k, shape.v, AttentionOptions.none(), shape.out);
        return shape.out;
    }
}
