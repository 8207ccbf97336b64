package dev.attnref.fast;

import dev.attnref.core.SeededRandom;
import dev.attnref.experiment.OnnxRuntimePeer;
import dev.attnref.peer.TorchPeer;
import java.util.Arrays;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Chunked prefill over a past cache, the serving shape: T new tokens after P = 4096 cached ones, query t
 * seeing keys s ≤ P + t (causal bottom-right), as {@code attnref race} runs {@code chunk-gqa-P4096-T*} and
 * {@code chunk-mla-P4096-T64}. GQA (H = 32, G = 8, D = Dv = 128): {@link FastAttention#prefill} with
 * {@code causalFrom(P)} over row-major keys (Kᵀ packed per call) and over a Kᵀ cache ({@link TransposedKeys}),
 * ORT GroupQueryAttention with past_key/past_value, PyTorch SDPA (enable_gqa) with a boolean [T, S] mask.
 * Absorbed MLA (DeepSeek-V3 heads: H = 128, C = 512, P = 64, scale 1/√192): {@link FastAttention#mlaPrefill}
 * and PyTorch's absorbed einsums with a −∞ mask.
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="ChunkedPrefillBenchmark -p chunk=64 -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class ChunkedPrefillBenchmark {
    static final int PAST = 4096;

    /** The GQA chunk: q [1, 32, T, 128] of the new tokens, k, v [1, 8, P + T, 128] with the chunk's own keys last. */
    @State(Scope.Benchmark)
    public static class Shape extends BenchmarkInputs.Attention {
        @Param({"64", "512"})
        int chunk;
        @Param({"1", "2"})
        int threads;

        FastAttentionOptions causal;
        TransposedKeys keys;

        @Setup(Level.Trial)
        public void setUp() {
            draw(new AttentionDims(1, 32, 8, chunk, PAST + chunk, 128, 128));
            causal = FastAttentionOptions.causalFrom(PAST);
            keys = TransposedKeys.of(dims, k);
        }
    }

    /** ORT GroupQueryAttention: past_key/past_value the first P keys, key/value the chunk's T. */
    @State(Scope.Benchmark)
    public static class OrtGqa extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            open(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, shape, shape.threads);
        }
    }

    /** PyTorch SDPA, float32, enable_gqa, keep[t, s] = s ≤ P + t. */
    @State(Scope.Benchmark)
    public static class TorchMasked extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            int kvLen = PAST + shape.chunk;
            boolean[] keep = new boolean[shape.chunk * kvLen];
            for (int t = 0; t < shape.chunk; t++) {
                Arrays.fill(keep, t * kvLen, t * kvLen + PAST + t + 1, true);
            }
            prepared = new TorchPeer(shape.threads).prepareSdpa(shape.dims, shape.q, shape.k, shape.v, false,
                    TorchPeer.Mask.keep(keep, shape.chunk, kvLen), false, TorchPeer.Precision.FLOAT32);
        }
    }

    /** The MLA chunk: q_latent [1, T, 128, 512], q_rope [1, T, 128, 64], latent cache [1, P + T, 576]. */
    @State(Scope.Benchmark)
    public static class MlaShape {
        @Param({"64"})
        int mlaChunk;
        @Param({"1", "2"})
        int threads;

        float[] qLatent;
        float[] qRope;
        float[] cache;
        float[] out;

        @Setup(Level.Trial)
        public void setUp() {
            int rows = mlaChunk * MlaDecodeBenchmark.HEADS;
            SeededRandom random = new SeededRandom(BenchmarkInputs.SEED);
            qLatent = BenchmarkInputs.uniform(random, rows * MlaDecodeBenchmark.LATENT);
            qRope = BenchmarkInputs.uniform(random, rows * MlaDecodeBenchmark.ROPE);
            cache = BenchmarkInputs.uniform(random, (PAST + mlaChunk) * (MlaDecodeBenchmark.LATENT + MlaDecodeBenchmark.ROPE));
            out = new float[rows * MlaDecodeBenchmark.LATENT];
        }
    }

    /** PyTorch's absorbed einsums over the chunk, −∞ where s &gt; P + t. */
    @State(Scope.Benchmark)
    public static class TorchAbsorbed extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(MlaShape shape) {
            prepared = new TorchPeer(shape.threads).prepareAbsorbedMla(1, MlaDecodeBenchmark.HEADS,
                    MlaDecodeBenchmark.LATENT, MlaDecodeBenchmark.ROPE, shape.mlaChunk, PAST + shape.mlaChunk, null,
                    shape.qLatent, shape.qRope, shape.cache, MlaDecodeBenchmark.SCALE);
        }
    }

    @Benchmark
    public float[] fast(Shape shape, FastKernel fast) {
        fast.attention.prefill(shape.dims, shape.q, shape.k, shape.v, shape.causal, shape.out);
        return shape.out;
    }

    @Benchmark
    public float[] fastTransposedCache(Shape shape, FastKernel fast) {
        fast.attention.prefill(shape.dims, shape.q, shape.keys, shape.v, shape.causal, shape.out);
        return shape.out;
    }

    @Benchmark
    public OnnxRuntimePeer ortGroupQueryAttention(OrtGqa ort) throws Exception {
        ort.peer.run();
        return ort.peer;
    }

    @Benchmark
    public TorchPeer.Prepared torchSdpaCausalMask(TorchMasked torch) {
        torch.prepared.run();
        return torch.prepared;
    }

    @Benchmark
    public float[] fastMla(MlaShape shape, FastKernel fast) {
        fast.attention.mlaPrefill(1, MlaDecodeBenchmark.HEADS, MlaDecodeBenchmark.LATENT, MlaDecodeBenchmark.ROPE,
                shape.mlaChunk, PAST + shape.mlaChunk, shape.qLatent, shape.qRope, shape.cache, MlaDecodeBenchmark.SCALE,
                shape.out);
        return shape.out;
    }

    @Benchmark
    public TorchPeer.Prepared torchAbsorbedEinsum(TorchAbsorbed torch) {
        torch.prepared.run();
        return torch.prepared;
    }
}
