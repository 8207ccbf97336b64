package dev.attnref.fast;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * GQA decode over a 16-bit cache (B = 1, H = 32, G = 8, D = Dv = 128, T = 1): {@link FastAttention#decode}
 * over a {@link HalfPrecisionCache} of the {@code format}, against the same decode over a float32 Kᵀ cache
 * ({@link TransposedKeys}; the ratio of the two is the 16-bit speed-up) and PyTorch's SDPA with enable_gqa
 * in the same 16-bit format. Bytes of K/V read per call: 2·G·S·D·2 (16-bit) or ·4 (float32).
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="HalfCacheDecodeBenchmark -p cacheLength=32768 -p format=BF16 -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class HalfCacheDecodeBenchmark {

    /** The shape, its float32 inputs and both caches over them. */
    @State(Scope.Benchmark)
    public static class Shape extends BenchmarkInputs.Attention {
        @Param({"16384", "32768"})
        int cacheLength;
        @Param({"1", "2"})
        int threads;
        @Param({"BF16", "FP16"})
        HalfPrecisionCache.Format format;

        HalfPrecisionCache cache;
        TransposedKeys keys;
        float[] roundedQ;

        @Setup(Level.Trial)
        public void setUp() {
            draw(new AttentionDims(1, 32, 8, 1, cacheLength, 128, 128));
            cache = HalfPrecisionCache.of(format, dims, k, v);
            keys = TransposedKeys.of(dims, k);
            // q as PyTorch's 16-bit SDPA reads it
            roundedQ = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                roundedQ[i] = format.round(q[i]);
            }
        }
    }

    /** PyTorch SDPA in the shape's 16-bit format, enable_gqa. */
    @State(Scope.Benchmark)
    public static class Torch16 extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            openSdpa(shape, shape.threads, false, false, shape.format == HalfPrecisionCache.Format.BF16
                    ? TorchPeer.Precision.BFLOAT16 : TorchPeer.Precision.FLOAT16);
        }
    }

    @Benchmark
    public float[] fastHalfCache(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.roundedQ, shape.cache, FastAttentionOptions.none(), shape.out);
        return shape.out;
    }

    @Benchmark
    public float[] fastFloat32TransposedCache(Shape shape, FastKernel fast) {
        fast.attention.decode(shape.dims, shape.q, shape.keys, shape.v, FastAttentionOptions.none(), shape.out);
        return shape.out;
    }

    @Benchmark
    public TorchPeer.Prepared torchSdpa16(Torch16 torch) {
        torch.prepared.run();
        return torch.prepared;
    }
}
