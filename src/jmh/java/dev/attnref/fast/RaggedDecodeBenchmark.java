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
 * Batched GQA decode over ragged caches, the serving shape: B rows, H = 32, G = 8, D = Dv = 128, one
 * query token per row, row b sees its first len_b keys of a cache of S = 2048, len_b uniform in
 * [S/16, S] (seeded by B, as {@code attnref race} draws them). {@link FastAttention#decode} with key
 * lengths over row-major keys, a Kᵀ cache ({@link TransposedKeys}) and a bf16 cache
 * ({@link HalfPrecisionCache}), against ONNX Runtime's GroupQueryAttention with per-row
 * {@code seqlens_k} and PyTorch's SDPA (enable_gqa) with a boolean padding mask [B, 1, 1, S].
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="RaggedDecodeBenchmark -p batch=32 -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class RaggedDecodeBenchmark {
    static final int MAX_LENGTH = 2048;

    /** The batch, its key lengths, inputs and caches. */
    @State(Scope.Benchmark)
    public static class Shape extends BenchmarkInputs.Attention {
        @Param({"1", "8", "32"})
        int batch;
        @Param({"1", "2"})
        int threads;

        int[] lengths;
        FastAttentionOptions ragged;
        TransposedKeys keys;
        HalfPrecisionCache cache;
        float[] roundedQ;

        @Setup(Level.Trial)
        public void setUp() {
            draw(new AttentionDims(batch, 32, 8, 1, MAX_LENGTH, 128, 128));
            SeededRandom random = new SeededRandom(BenchmarkInputs.SEED + batch);
            lengths = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = random.intBetween(MAX_LENGTH / 16, MAX_LENGTH);
            }
            ragged = FastAttentionOptions.none().withKeyLengths(lengths);
            keys = TransposedKeys.of(dims, k);
            cache = HalfPrecisionCache.of(HalfPrecisionCache.Format.BF16, dims, k, v);
            roundedQ = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                roundedQ[i] = HalfPrecisionCache.Format.BF16.round(q[i]);
            }
        }
    }

    /** ORT GroupQueryAttention, seqlens_k[b] = len_b − 1. */
    @State(Scope.Benchmark)
    public static class OrtGqa extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, shape.dims, shape.threads, shape.q,
                    shape.k, shape.v, shape.lengths);
        }
    }

    /** PyTorch SDPA, float32, enable_gqa, keep[b, 0, 0, s] = s &lt; len_b. */
    @State(Scope.Benchmark)
    public static class TorchMasked extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            boolean[] keep = new boolean[shape.batch * MAX_LENGTH];
            for (int b = 0; b < shape.batch; b++) {
                Arrays.fill(keep, b * MAX_LENGTH, b * MAX_LENGTH + shape.lengths[b], true);
            }
            prepared = new TorchPeer(shape.threads).prepareSdpa(shape.dims, shape.q, shape.k, shape.v, false,
                    TorchPeer.Mask.keep(keep, shape.batch, 1, 1, MAX_LENGTH), false, TorchPeer.Precision.FLOAT32);
        }
    }

    @Benchmark
    public float[] fast(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.q, shape.k, shape.v, shape.ragged, shape.out);
        return shape.out;
    }

    @Benchmark
    public float[] fastTransposedCache(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.q, shape.keys, shape.v, shape.ragged, shape.out);
        return shape.out;
    }

    @Benchmark
    public float[] fastBf16Cache(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.roundedQ, shape.cache, shape.ragged, shape.out);
        return shape.out;
    }

    @Benchmark
    public OnnxRuntimePeer ortGroupQueryAttention(OrtGqa ort) throws Exception {
        ort.peer.run();
        return ort.peer;
    }

    @Benchmark
    public TorchPeer.Prepared torchSdpaPaddingMask(TorchMasked torch) {
        torch.prepared.run();
        return torch.prepared;
    }
}
