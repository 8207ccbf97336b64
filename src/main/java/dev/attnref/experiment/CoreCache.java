package dev.attnref.experiment;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;

/**
 * The cached keys/values of one layer's attention core ({@link CoreShape}) for one sequence, with
 * room for {@code capacity} tokens, in float64 or float32, plus H queries.
 *
 * <table>
 *   <caption>Storage (flat, row-major)</caption>
 *   <tr><th>layout</th><th>keys</th><th>values</th></tr>
 *   <tr><td>GROUPED</td><td>[G, capacity, Dk]</td><td>[G, capacity, Dv]</td></tr>
 *   <tr><td>LATENT</td><td>[capacity, Dk]</td><td>the first Dv entries of each key row (no separate array)</td></tr>
 *   <tr><td>KEY_REUSE</td><td>[capacity, Dk], unrotated k̄</td><td>the key rows themselves</td></tr>
 * </table>
 * Queries: [H, Dk] per query position; a prefill holds [T, H, Dk].
 *
 * <p>Values are seeded uniforms in [−1, 1) (or given ones); the arrays are written once when
 * made, so timing never pays first-touch page faults.
 */
public final class CoreCache {
    private final CoreShape shape;
    private final int capacity;
    private final int queryCount;
    private final boolean float64;
    final double[] keys64;
    final double[] values64;
    final double[] queries64;
    final float[] keys32;
    final float[] values32;
    final float[] queries32;

    private CoreCache(CoreShape shape, int capacity, int queryCount, double[] keys, double[] values, double[] queries,
                      float[] keys32, float[] values32, float[] queries32) {
        this.shape = shape;
        this.capacity = capacity;
        this.queryCount = queryCount;
        this.float64 = keys != null;
        boolean separateValues = shape.layout() == CoreShape.Layout.GROUPED;
        this.keys64 = keys;
        this.values64 = keys == null ? null : separateValues ? values : keys;
        this.queries64 = queries;
        this.keys32 = keys32;
        this.values32 = keys32 == null ? null : separateValues ? values32 : keys32;
        this.queries32 = queries32;
    }

    /** A cache of seeded uniforms in [−1, 1): keys and values for {@code capacity} tokens, {@code queryCount} query positions. */
    public static CoreCache random(CoreShape shape, int capacity, int queryCount, boolean float64, long seed) {
        Checks.positive("capacity", capacity);
        Checks.positive("queryCount", queryCount);
        SeededRandom random = new SeededRandom(seed);
        int keyCount = Math.toIntExact((long) keyRows(shape) * capacity * shape.keyWidth());
        int valueCount = shape.layout() == CoreShape.Layout.GROUPED
                ? Math.toIntExact((long) shape.numKvHeads() * capacity * shape.valueWidth()) : 0;
        int queryValues = queryCount * shape.numHeads() * shape.keyWidth();
        if (float64) {
            return new CoreCache(shape, capacity, queryCount, fill64(random, keyCount),
                    valueCount == 0 ? null : fill64(random, valueCount), fill64(random, queryValues), null, null, null);
        }
        return new CoreCache(shape, capacity, queryCount, null, null, null, fill32(random, keyCount),
                valueCount == 0 ? null : fill32(random, valueCount), fill32(random, queryValues));
    }

    /**
     * A cache holding the given float64 values (copied; rounded once to float32 when
     * {@code float64} is false). {@code values} is null for LATENT and KEY_REUSE.
     */
    public static CoreCache of(CoreShape shape, int capacity, int queryCount, boolean float64, double[] keys,
                               double[] values, double[] queries) {
        Checks.length("keys", keys, keyRows(shape) * capacity * shape.keyWidth());
        if (shape.layout() == CoreShape.Layout.GROUPED) {
            Checks.length("values", values, shape.numKvHeads() * capacity * shape.valueWidth());
        } else if (values != null) {
            throw new IllegalArgumentException("values must be null for layout " + shape.layout()
                    + ": they are read from the key rows");
        }
        Checks.length("queries", queries, queryCount * shape.numHeads() * shape.keyWidth());
        if (float64) {
            return new CoreCache(shape, capacity, queryCount, keys.clone(), values == null ? null : values.clone(),
                    queries.clone(), null, null, null);
        }
        return new CoreCache(shape, capacity, queryCount, null, null, null, toFloat(keys), toFloat(values),
                toFloat(queries));
    }

    private static double[] fill64(SeededRandom random, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = 2 * random.nextDouble() - 1;
        }
        return out;
    }

    private static float[] fill32(SeededRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (2 * random.nextDouble() - 1);
        }
        return out;
    }

    private static int keyRows(CoreShape shape) {
        return shape.layout() == CoreShape.Layout.GROUPED ? shape.numKvHeads() : 1;
    }

    private static float[] toFloat(double[] values) {
        if (values == null) {
            return null;
        }
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    public CoreShape shape() {
        return shape;
    }

    public int capacity() {
        return capacity;
    }

    public int queryCount() {
        return queryCount;
    }

    public boolean float64() {
        return float64;
    }

    /** Offset of key row (g, s). */
    int keyOffset(int g, int s) {
        return (g * capacity + s) * shape.keyWidth();
    }

    /** Offset of value row (g, s) in the value array (the key array for LATENT and KEY_REUSE). */
    int valueOffset(int g, int s) {
        return shape.layout() == CoreShape.Layout.GROUPED ? (g * capacity + s) * shape.valueWidth()
                : s * shape.keyWidth();
    }

    /** Offset of query (t, h). */
    int queryOffset(int t, int h) {
        return (t * shape.numHeads() + h) * shape.keyWidth();
    }
}
