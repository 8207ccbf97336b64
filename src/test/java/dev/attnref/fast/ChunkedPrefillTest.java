package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static dev.attnref.fast.Engines.VECTOR;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Gen;
import dev.attnref.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Chunked prefill over a past cache, the serving shape: T new tokens after P cached ones (S = P + T),
 * query t of the chunk sees keys s ≤ P + t (causal bottom-right). Two laws, each against the float64
 * oracle under the accuracy law of {@link FastAttentionAccuracyTest} (error ≤ K·max(plain float32 loop's
 * error, one float32 ulp of max |v|), {@link Tolerances}):
 * <ul>
 *   <li>the chunk's outputs are the last T rows of a full causal prefill over all S tokens;</li>
 *   <li>they are also what T successive decodes give, decode t seeing the cache up to its own token.</li>
 * </ul>
 * For the GQA family over row-major keys and a {@link TransposedKeys} cache
 * ({@link FastAttention#prefill(AttentionDims, float[], TransposedKeys, float[], FastAttentionOptions, float[])}),
 * and for absorbed MLA ({@link FastAttention#mlaPrefill}); plus determinism across thread counts.
 */
class ChunkedPrefillTest {
    /** FastCase's head layouts and widths, T ∈ [1, 40] after P ∈ [0, 150], or (one try in four) P ∈ [520, 700]. */
    static Gen<AttnShape> chunkShapes() {
        Gen<AttnShape> base = FastCase.shapes();
        return r -> {
            AttnShape s = base.generate(r);
            int past = r.nextInt(4) == 0 ? r.intBetween(520, 700) : r.intBetween(0, 150);
            int chunk = r.intBetween(1, 40);
            return new AttnShape(s.batch(), s.numHeads(), s.numKvHeads(), chunk, past + chunk, s.headDim(), s.valueDim(),
                    1, AttnShape.Kind.WITH_PAST);
        };
    }

    @Test
    void chunkedGqaPrefillIsTheLastRowsOfFullPrefillAndSuccessiveDecodes() {
        Property.of("chunkedGqaPrefillIsTheLastRowsOfFullPrefillAndSuccessiveDecodes", chunkShapes())
                .tries(20)
                .classify("no past", s -> s.pastLen() == 0)
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .classify("T > one tile", s -> s.qLen() > 1 && s.kvLen() > TileEngine.TILE)
                .require("S > decode chunk", "T > one tile")
                .check(ChunkedPrefillTest::gqaChunkWithinKTimesPlain);
    }

    static void gqaChunkWithinKTimesPlain(AttnShape shape, SeededRandom data) {
        int past = shape.pastLen();
        int chunk = shape.qLen();
        int kvLen = shape.kvLen();
        int heads = shape.batch() * shape.numHeads();           // (b, h) pairs: q and out are [B·H, ·, ·]
        AttentionDims full = new AttentionDims(shape.batch(), shape.numHeads(), shape.numKvHeads(), kvLen, kvLen,
                shape.headDim(), shape.valueDim());
        AttentionDims dims = new AttentionDims(shape.batch(), shape.numHeads(), shape.numKvHeads(), chunk, kvLen,
                shape.headDim(), shape.valueDim());
        float[] qAll = data.floats(full.queryCount(), -3, 3);                    // [B, H, S, D]
        float[] k = data.floats(full.keyCount(), -1, 1);                         // [B, G, S, D]
        float[] v = data.floats(full.valueCount(), -1, 1);                       // [B, G, S, Dv]
        float[] q = lastRows(qAll, heads, kvLen, chunk, shape.headDim());        // [B, H, T, D]

        // Reference: the float64 causal prefill over all S tokens, its last T rows.
        double[] prefill = OracleAttention.attend(AttentionProblem.builder().batch(full.batch()).numHeads(full.numHeads())
                .numKvHeads(full.numKvHeads()).qLen(kvLen).newKvLen(kvLen).headDim(full.headDim())
                .valueHeadDim(full.valueHeadDim()).query(FastCase.widen(qAll)).key(FastCase.widen(k))
                .value(FastCase.widen(v)).causal(QueryPositions.startingAt(0)).build()).output();
        double[] reference = lastRows(prefill, heads, kvLen, chunk, shape.valueDim());
        FastAttentionOptions options = FastAttentionOptions.causalFrom(past);
        float[] plain = new float[dims.outputCount()];
        new PlainFloatAttention().attend(dims, q, k, v, options, plain);
        double bound = bound(plain, reference, v);
        TransposedKeys cache = TransposedKeys.of(dims, k);
        for (FastAttention fast : BOTH) {
            float[] out = new float[dims.outputCount()];
            fast.prefill(dims, q, k, v, options, out);
            check(shape, fast.kernels() + " chunked prefill", out, reference, bound);
            fast.prefill(dims, q, cache, v, options, out);
            check(shape, fast.kernels() + " chunked prefill over Kᵀ cache", out, reference, bound);
            fast.decode(dims, q, cache, v, options, out);
            check(shape, fast.kernels() + " decode of the chunk over Kᵀ cache", out, reference, bound);
            check(shape, fast.kernels() + " T successive decodes", successiveDecodes(fast, dims, q, k, v), reference, bound);
        }
    }

    /** Decode t (t = 0 … T−1) of query row P + t, over the cache up to its own token: key length P + t + 1. */
    private static float[] successiveDecodes(FastAttention fast, AttentionDims dims, float[] q, float[] k, float[] v) {
        int chunk = dims.qLen();
        int past = dims.kvLen() - chunk;
        int heads = dims.batch() * dims.numHeads();
        int width = dims.headDim();
        int valueWidth = dims.valueHeadDim();
        AttentionDims step = new AttentionDims(dims.batch(), dims.numHeads(), dims.numKvHeads(), 1, dims.kvLen(), width,
                valueWidth);
        float[] out = new float[dims.outputCount()];
        float[] query = new float[step.queryCount()];
        float[] token = new float[step.outputCount()];
        int[] lengths = new int[dims.batch()];
        for (int t = 0; t < chunk; t++) {
            for (int i = 0; i < heads; i++) {
                System.arraycopy(q, (i * chunk + t) * width, query, i * width, width);
            }
            Arrays.fill(lengths, past + t + 1);
            fast.decode(step, query, k, v, FastAttentionOptions.none().withKeyLengths(lengths), token);
            for (int i = 0; i < heads; i++) {
                System.arraycopy(token, i * valueWidth, out, (i * chunk + t) * valueWidth, valueWidth);
            }
        }
        return out;
    }

    @Test
    void chunkedAbsorbedMlaPrefillIsTheLastRowsOfFullPrefillAndSuccessiveDecodes() {
        Property.of("chunkedAbsorbedMlaPrefillIsTheLastRowsOfFullPrefillAndSuccessiveDecodes", chunkShapes())
                .tries(20)
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .classify("T > one panel", s -> s.qLen() * s.numHeads() > TileEngine.PANEL)
                .require("S > decode chunk", "T > one panel")
                .check(ChunkedPrefillTest::mlaChunkWithinKTimesPlain);
    }

    /**
     * H heads, latent C = D, rotary P = Dv mod 9 (0 included), over a [B, S, C + P] cache; the oracle on the MQA
     * view (q = [q_latent | q_rope], k = cache rows, v = their first C columns), queries token-major [B, S, H, ·].
     */
    static void mlaChunkWithinKTimesPlain(AttnShape shape, SeededRandom data) {
        int batch = shape.batch();
        int heads = shape.numHeads();
        int latent = shape.headDim();
        int rope = shape.valueDim() % 9;
        int row = latent + rope;
        int kvLen = shape.kvLen();
        int chunk = shape.qLen();
        int past = shape.pastLen();
        float scale = (float) (1.0 / Math.sqrt(row));
        float[] qLatentAll = data.floats(batch * kvLen * heads * latent, -2, 2);         // [B, S, H, C]
        float[] qRopeAll = data.floats(batch * kvLen * heads * rope, -2, 2);             // [B, S, H, P]
        float[] cache = data.floats(batch * kvLen * row, -1, 1);                         // [B, S, C + P]
        float[] qLatent = lastRows(qLatentAll, batch, kvLen, chunk, heads * latent);       // [B, T, H, C]
        float[] qRope = lastRows(qRopeAll, batch, kvLen, chunk, heads * rope);             // [B, T, H, P]

        // The MQA view: q [B, H, S, C + P] from the token-major queries, v [B, S, C].
        AttentionDims full = new AttentionDims(batch, heads, 1, kvLen, kvLen, row, latent);
        float[] qAll = headMajorView(qLatentAll, qRopeAll, batch, kvLen, heads, latent, rope);
        float[] values = new float[batch * kvLen * latent];
        for (int i = 0; i < batch * kvLen; i++) {
            System.arraycopy(cache, i * row, values, i * latent, latent);
        }
        double[] prefill = OracleAttention.attend(AttentionProblem.builder().batch(batch).numHeads(heads).numKvHeads(1)
                .qLen(kvLen).newKvLen(kvLen).headDim(row).valueHeadDim(latent).query(FastCase.widen(qAll))
                .key(FastCase.widen(cache)).value(FastCase.widen(values)).scale(scale)
                .causal(QueryPositions.startingAt(0)).build()).output();                 // [B, H, S, C]
        double[] reference = tokenMajor(lastRows(prefill, batch * heads, kvLen, chunk, latent), batch, heads, chunk, latent);
        AttentionDims dims = new AttentionDims(batch, heads, 1, chunk, kvLen, row, latent);
        float[] plainHeadMajor = new float[dims.outputCount()];
        new PlainFloatAttention().attend(dims, lastRows(qAll, batch * heads, kvLen, chunk, row), cache, values,
                FastAttentionOptions.causalFrom(past).withScale(scale), plainHeadMajor);
        float[] plain = narrow(tokenMajor(FastCase.widen(plainHeadMajor), batch, heads, chunk, latent));
        double bound = bound(plain, reference, values);
        String what = "B=" + batch + " H=" + heads + " C=" + latent + " P=" + rope + " past=" + past + " T=" + chunk;
        for (FastAttention fast : BOTH) {
            float[] out = new float[batch * chunk * heads * latent];
            fast.mlaPrefill(batch, heads, latent, rope, chunk, kvLen, qLatent, qRope, cache, scale, out);
            checkMla(what, fast.kernels() + " chunked MLA prefill", out, reference, bound);
            // T successive decodes: decode t sees the cache up to its own token, key length past + t + 1.
            float[] decodes = new float[out.length];
            float[] token = new float[batch * heads * latent];
            int[] lengths = new int[batch];
            for (int t = 0; t < chunk; t++) {
                Arrays.fill(lengths, past + t + 1);
                fast.mlaDecode(batch, heads, latent, rope, kvLen, lengths, tokenRows(qLatent, batch, chunk, t, heads * latent),
                        tokenRows(qRope, batch, chunk, t, heads * rope), cache, scale, token);
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(token, b * heads * latent, decodes, (b * chunk + t) * heads * latent, heads * latent);
                }
            }
            checkMla(what, fast.kernels() + " T successive MLA decodes", decodes, reference, bound);
        }
    }

    @Test
    void chunkedPrefillsAreIdenticalForOneTwoAndThreeThreads() {
        // Several query blocks and tiles, a past not a multiple of the tile.
        FastCase c = FastCase.draw(new AttnShape(2, 8, 2, 70, 600, 65, 33, 1, AttnShape.Kind.WITH_PAST),
                new SeededRandom(5), FastCase.Masking.CAUSAL_BOTTOM_RIGHT);
        TransposedKeys cache = TransposedKeys.of(c.dims, c.k);
        FastAttentionDeterminismTest.assertSameForEveryThreadCount("chunked prefill over Kᵀ cache " + c,
                c.dims.outputCount(), (fast, out) -> fast.prefill(c.dims, c.q, cache, c.v, c.options, out));
        SeededRandom data = new SeededRandom(6);
        int batch = 2;
        int heads = 5;
        int latent = 40;
        int rope = 8;
        int chunk = 9;
        int kvLen = 1100;
        float[] qLatent = data.floats(batch * chunk * heads * latent, -1, 1);
        float[] qRope = data.floats(batch * chunk * heads * rope, -1, 1);
        float[] latentCache = data.floats(batch * kvLen * (latent + rope), -1, 1);
        FastAttentionDeterminismTest.assertSameForEveryThreadCount("chunked MLA prefill",
                batch * chunk * heads * latent, (fast, out) -> fast.mlaPrefill(batch, heads, latent, rope, chunk, kvLen,
                        qLatent, qRope, latentCache, 0.125f, out));
    }

    @Test
    void aChunkLongerThanTheCacheIsRefusedByName() {
        float[] none = new float[0];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.mlaPrefill(1, 1, 1, 0, 3, 2, none, none, none, 1f, none));
        assertTrue(e.getMessage().startsWith("qLen (3) exceeds kvLen (2)"), e.getMessage());
    }

    /** Rows [S − T, S) of each of {@code blocks} blocks of S rows of {@code width}: [N, S, W] → [N, T, W]. */
    private static float[] lastRows(float[] x, int blocks, int rows, int last, int width) {
        float[] y = new float[blocks * last * width];
        for (int n = 0; n < blocks; n++) {
            System.arraycopy(x, ((n * rows) + rows - last) * width, y, n * last * width, last * width);
        }
        return y;
    }

    private static double[] lastRows(double[] x, int blocks, int rows, int last, int width) {
        double[] y = new double[blocks * last * width];
        for (int n = 0; n < blocks; n++) {
            System.arraycopy(x, ((n * rows) + rows - last) * width, y, n * last * width, last * width);
        }
        return y;
    }

    /** Token t of x [B, T, H·W]: [B, H·W]. */
    private static float[] tokenRows(float[] x, int batch, int tokens, int t, int width) {
        float[] y = new float[batch * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, (b * tokens + t) * width, y, b * width, width);
        }
        return y;
    }

    /** [B, S, H, C] and [B, S, H, P] → q [B, H, S, C + P]:  bshc,bshp -> bhs(c|p) */
    private static float[] headMajorView(float[] latent, float[] rope, int batch, int tokens, int heads, int c, int p) {
        float[] q = new float[batch * heads * tokens * (c + p)];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < tokens; s++) {
                for (int h = 0; h < heads; h++) {
                    int target = ((b * heads + h) * tokens + s) * (c + p);
                    System.arraycopy(latent, ((b * tokens + s) * heads + h) * c, q, target, c);
                    System.arraycopy(rope, ((b * tokens + s) * heads + h) * p, q, target + c, p);
                }
            }
        }
        return q;
    }

    /** [B, H, T, C] → [B, T, H, C]:  bhtc -> bthc */
    private static double[] tokenMajor(double[] x, int batch, int heads, int tokens, int width) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    System.arraycopy(x, ((b * heads + h) * tokens + t) * width, y, ((b * tokens + t) * heads + h) * width,
                            width);
                }
            }
        }
        return y;
    }

    private static float[] narrow(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    /** K·max(plain error, one float32 ulp of max |v|). */
    private static double bound(float[] plain, double[] reference, float[] v) {
        double maxV = 0;
        for (float value : v) {
            maxV = Math.max(maxV, Math.abs(value));
        }
        return Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(FastCase.maxAbsError(plain, reference), Tolerances.FLOAT32_ULP * maxV);
    }

    private static void check(AttnShape shape, String path, float[] actual, double[] reference, double bound) {
        double error = FastCase.maxAbsError(actual, reference);
        assertTrue(error <= bound, () -> path + " of " + shape + ": max |fast − float64| = " + error
                + " exceeds K·max(plain error, floor) = " + bound);
    }

    private static void checkMla(String what, String path, float[] actual, double[] reference, double bound) {
        double error = FastCase.maxAbsError(actual, reference);
        assertTrue(error <= bound, () -> path + " " + what + ": max |fast − float64| = " + error + " exceeds " + bound);
    }
}
