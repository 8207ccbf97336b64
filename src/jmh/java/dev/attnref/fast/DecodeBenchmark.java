package dev.attnref.fast;

import dev.attnref.experiment.OnnxRuntimePeer;
import dev.attnref.peer.TorchPeer;
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
 * cache) and Attention-23 (Q against all of K, V), PyTorch's SDPA (enable_gqa), and the plain float32
 * loop (single-threaded). 16-bit caches: {@link HalfCacheDecodeBenchmark}.
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
    public static class Shape extends BenchmarkInputs.Attention {
        @Param({"1024", "4096", "16384", "32768"})
        int cacheLength;
        @Param({"1", "2"})
        int threads;

        @Setup(Level.Trial)
        public void setUp() {
            draw(new AttentionDims(1, 32, 8, 1, cacheLength, 128, 128));
        }
    }

    /** ORT GroupQueryAttention. */
    @State(Scope.Benchmark)
    public static class OrtGqa extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            open(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, shape, shape.threads);
        }
    }

    /** ORT Attention (opset 23). */
    @State(Scope.Benchmark)
    public static class OrtAttention extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            open(OnnxRuntimePeer.Op.ATTENTION_23, true, shape, shape.threads);
        }
    }

    /** PyTorch SDPA, float32, enable_gqa, T = 1. */
    @State(Scope.Benchmark)
    public static class TorchGqa extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            openSdpa(shape, shape.threads, false, false, TorchPeer.Precision.FLOAT32);
        }
    }

    @Benchmark
    public float[] fast(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.q, shape.k, shape.v, FastAttentionOptions.none(), shape.out);
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
    public TorchPeer.Prepared torchSdpaEnableGqa(TorchGqa torch) {
        torch.prepared.run();
        return torch.prepared;
    }

    @Benchmark
    public float[] plainFloatLoop(Shape shape, PlainLoop plain) {
        plain.attention.attend(shape.dims, shape.q, shape.k, shape.v, FastAttentionOptions.none(), shape.out);
        return shape.out;
    }
}
