package dev.attnref.oracle;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.SeededRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time of one {@link OracleAttention#attend} call on causal GQA prefill, B = 1, H = 8, G = 2,
 * T = S = 128, D = Dv = 64 (about 2·B·H·T·S·(D + Dv) = 33.6 MFLOP, half of it under the causal mask
 * but computed anyway: the oracle is plain loops, not a kernel). It is the baseline the fast paths
 * are compared with, not a speed claim. The problem is built once; the call allocates its own
 * results, as callers of the oracle see it.
 *
 * <p>Run: {@code mvn -Pjmh verify -Djmh.args="OracleAttentionBenchmark -f 2 -wi 3 -i 5"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class OracleAttentionBenchmark {
    private static final int BATCH = 1;
    private static final int NUM_HEADS = 8;
    private static final int NUM_KV_HEADS = 2;
    private static final int SEQ_LEN = 128;
    private static final int HEAD_DIM = 64;

    private AttentionProblem problem;

    @Setup(Level.Trial)
    public void setUp() {
        SeededRandom random = new SeededRandom(20240601L);
        problem = AttentionProblem.builder().batch(BATCH).numHeads(NUM_HEADS).numKvHeads(NUM_KV_HEADS)
                .qLen(SEQ_LEN).newKvLen(SEQ_LEN).headDim(HEAD_DIM).valueHeadDim(HEAD_DIM)
                .query(random.gaussians(BATCH * NUM_HEADS * SEQ_LEN * HEAD_DIM, 1))          // [B, H, T, D]
                .key(random.gaussians(BATCH * NUM_KV_HEADS * SEQ_LEN * HEAD_DIM, 1))         // [B, G, S, D]
                .value(random.gaussians(BATCH * NUM_KV_HEADS * SEQ_LEN * HEAD_DIM, 1))       // [B, G, S, Dv]
                .causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT))
                .build();
    }

    @Benchmark
    public AttentionResult causalGqaPrefill() {
        return OracleAttention.attend(problem);
    }
}
