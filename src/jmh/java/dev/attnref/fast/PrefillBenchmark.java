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
 * Causal prefill, B = 1, H = 32, D = Dv = 128, T = S, for GQA (G = 8, Llama-3-8B), MHA (G = 32) and
 * MQA (G = 1): {@link FastAttention#prefill} against ONNX Runtime's GroupQueryAttention and
 * Attention-23 ({@link OnnxRuntimePeer}) and PyTorch's SDPA with enable_gqa and with K/V repeated
 * ({@link TorchPeer}) on the same inputs, and the plain float32 loop
 * ({@link PlainFloatAttention}, single-threaded whatever {@code threads} says; minutes per call at
 * S = 4096, so pick it with small S). Useful FLOPs per call: 2·H·S(S+1)/2·(D + Dv).
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="PrefillBenchmark.fast -p kvHeads=8 -p seqLen=1024 -f 1 -wi 3 -i 5"}.
 * Same-process ratios with spread come from {@code attnref race}; JMH gives the per-contender
 * distribution with forks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class PrefillBenchmark {

    /** The shape and its inputs, shared by every contender of a trial. */
    @State(Scope.Benchmark)
    public static class Shape extends BenchmarkInputs.Attention {
        @Param({"8", "32", "1"})
        int kvHeads;
        @Param({"512", "1024", "2048", "4096", "8192"})
        int seqLen;
        @Param({"1", "2"})
        int threads;

        @Setup(Level.Trial)
        public void setUp() {
            draw(new AttentionDims(1, 32, kvHeads, seqLen, seqLen, 128, 128));
        }
    }

    /** ORT GroupQueryAttention. */
    @State(Scope.Benchmark)
    public static class OrtGqa extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            open(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, false, shape, shape.threads);
        }
    }

    /** ORT Attention (opset 23). */
    @State(Scope.Benchmark)
    public static class OrtAttention extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            open(OnnxRuntimePeer.Op.ATTENTION_23, false, shape, shape.threads);
        }
    }

    /** PyTorch SDPA, float32, enable_gqa. */
    @State(Scope.Benchmark)
    public static class TorchGqa extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            openSdpa(shape, shape.threads, true, false, TorchPeer.Precision.FLOAT32);
        }
    }

    /** PyTorch SDPA, float32, K/V repeated to H heads (repeat_interleave) in every call. */
    @State(Scope.Benchmark)
    public static class TorchRepeated extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            openSdpa(shape, shape.threads, true, true, TorchPeer.Precision.FLOAT32);
        }
    }

    @Benchmark
    public float[] fast(Shape shape, FastKernel fast) {
        fast.attention.prefill(shape.dims, shape.q, shape.k, shape.v, FastAttentionOptions.causalFrom(0), shape.out);
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
    public TorchPeer.Prepared torchSdpaRepeatedKv(TorchRepeated torch) {
        torch.prepared.run();
        return torch.prepared;
    }

    @Benchmark
    public float[] plainFloatLoop(Shape shape, PlainLoop plain) {
        plain.attention.attend(shape.dims, shape.q, shape.k, shape.v, FastAttentionOptions.causalFrom(0), shape.out);
        return shape.out;
    }
}
