package dev.attnref.fast;

import dev.attnref.core.SeededRandom;
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
 * Absorbed-MLA decode with DeepSeek-V3 head shapes: H = 128 heads, latent C = 512, rotary P = 64,
 * scale 1/√192, one token over a latent cache of S rows of C + P floats ({@link FastAttention#mlaDecode}; with
 * H ≥ 64 heads per key its vector path is {@link HeadLaneDecode}, the heads in the vector lanes).
 * Peers: ONNX Runtime Attention-23 on the MQA view (G = 1, D = 576, Dv = 512; the values a separate
 * copy of the first C columns, the scale folded into q, since ORT's default is 1/√D), and the plain
 * float32 loop on the same view, and PyTorch's absorbed einsum form. Compute-bound: 2·H·S·(2C + P) FLOPs per call.
 *
 * <p>Run, e.g.: {@code mvn -Pjmh verify -Djmh.args="MlaDecodeBenchmark -p cacheLength=4096 -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class MlaDecodeBenchmark {
    static final int HEADS = 128;
    static final int LATENT = 512;
    static final int ROPE = 64;
    static final float SCALE = (float) (1.0 / Math.sqrt(192));

    /** The latent cache and the absorbed queries. */
    @State(Scope.Benchmark)
    public static class Shape {
        @Param({"1024", "4096", "16384", "32768"})
        int cacheLength;
        @Param({"1", "2"})
        int threads;

        AttentionDims view;
        float[] qLatent;
        float[] qRope;
        float[] query;      // [H, C + P] = [q_latent | q_rope]
        float[] cache;      // [S, C + P]
        float[] values;     // [S, C], the first C columns of the cache
        float[] out;

        @Setup(Level.Trial)
        public void setUp() {
            int row = LATENT + ROPE;
            view = new AttentionDims(1, HEADS, 1, 1, cacheLength, row, LATENT);
            SeededRandom random = new SeededRandom(BenchmarkInputs.SEED);
            query = BenchmarkInputs.uniform(random, HEADS * row);
            cache = BenchmarkInputs.uniform(random, cacheLength * row);
            qLatent = new float[HEADS * LATENT];
            qRope = new float[HEADS * ROPE];
            for (int h = 0; h < HEADS; h++) {
                System.arraycopy(query, h * row, qLatent, h * LATENT, LATENT);
                System.arraycopy(query, h * row + LATENT, qRope, h * ROPE, ROPE);
            }
            values = new float[cacheLength * LATENT];
            for (int s = 0; s < cacheLength; s++) {
                System.arraycopy(cache, s * row, values, s * LATENT, LATENT);
            }
            out = new float[HEADS * LATENT];
        }
    }

    /** ORT Attention-23 on the MQA view, scale folded into q. */
    @State(Scope.Benchmark)
    public static class OrtAttention extends OrtPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) throws Exception {
            float[] scaled = shape.query.clone();
            float factor = (float) (SCALE * Math.sqrt(LATENT + ROPE));
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= factor;
            }
            peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.ATTENTION_23, true, shape.view, shape.threads, scaled,
                    shape.cache, shape.values);
        }
    }

    /** PyTorch, DeepSeek-V3's absorbed einsum form ({@link TorchPeer#prepareAbsorbedMla}). */
    @State(Scope.Benchmark)
    public static class TorchAbsorbed extends TorchPeerState {
        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            prepared = new TorchPeer(shape.threads).prepareAbsorbedMla(1, HEADS, LATENT, ROPE, shape.cacheLength, null,
                    shape.qLatent, shape.qRope, shape.cache, SCALE);
        }
    }

    @Benchmark
    public float[] fast(Shape shape, FastKernel fast) {
        fast.attention.mlaDecode(1, HEADS, LATENT, ROPE, shape.cacheLength, shape.qLatent, shape.qRope, shape.cache,
                SCALE, shape.out);
        return shape.out;
    }

    @Benchmark
    public OnnxRuntimePeer ortAttention23(OrtAttention ort) throws Exception {
        ort.peer.run();
        return ort.peer;
    }

    @Benchmark
    public TorchPeer.Prepared torchAbsorbedEinsum(TorchAbsorbed torch) {
        torch.prepared.run();
        return torch.prepared;
    }

    @Benchmark
    public float[] plainFloatLoop(Shape shape, PlainLoop plain) {
        plain.attention.attend(shape.view, shape.query, shape.cache, shape.values,
                FastAttentionOptions.none().withScale(SCALE), shape.out);
        return shape.out;
    }
}
