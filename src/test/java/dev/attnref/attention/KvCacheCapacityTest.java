package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A cache of capacity N holds exactly N positions: appends that reach N are accepted, one past it is
 * refused and leaves the cache as it was. Checked on {@link KvCache#append} itself, as a caller that
 * manages its own cache uses it (the modules check the room earlier, in their plan).
 */
class KvCacheCapacityTest {

    private static Tensor positions(int count, double value) {
        return Tensor.full(value, 1, 1, count, 1);   // [B=1, G=1, T=count, D=1]
    }

    @Test
    void appendsFillTheCapacityExactlyAndNoFurther() {
        KvCache cache = KvCache.withCapacity(1, 1, 1, 1, 3);
        cache.append(positions(2, 1.0), positions(2, 10.0));
        cache.append(positions(1, 2.0), positions(1, 20.0));
        assertEquals(3, cache.length());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.append(positions(1, 3.0), positions(1, 30.0)));
        assertTrue(e.getMessage().contains("cache of capacity 3 holds 3 positions; appending 1 would exceed it"),
                e.getMessage());
        assertEquals(3, cache.length());
        assertEquals(2.0, cache.keys().get(0, 0, 2, 0));
        assertEquals(20.0, cache.values().get(0, 0, 2, 0));
    }
}
