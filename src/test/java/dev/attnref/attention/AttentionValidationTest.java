package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input to each of the three modules fails at the boundary with a message naming the value and
 * what was expected; never a NaN, never an index error from inside a loop.
 */
class AttentionValidationTest {

    /** Each module on a configuration it accepts: M = 4, H = 2, D = 2, B = 2, T = 3. */
    static Stream<Arguments> modules() {
        Function<AttentionConfig, SelfAttention<KvCache>> mha = c -> MultiHeadAttention.seeded(c, new SeededRandom(1));
        Function<AttentionConfig, SelfAttention<KvCache>> mqa = c -> MultiQueryAttention.seeded(c, new SeededRandom(1));
        Function<AttentionConfig, SelfAttention<KvCache>> gqa = c -> GroupedQueryAttention.seeded(c, new SeededRandom(1));
        return Stream.of(
                Arguments.of("MultiHeadAttention", AttentionConfig.builder(4, 2, 2, 2).build(), mha),
                Arguments.of("MultiQueryAttention", AttentionConfig.builder(4, 2, 1, 2).build(), mqa),
                Arguments.of("GroupedQueryAttention", AttentionConfig.builder(4, 2, 1, 2).build(), gqa));
    }

    private static final Tensor X = Tensor.randn(new SeededRandom(2), 1.0, 2, 3, 4);   // [B, T, M] = [2, 3, 4]

    private static String refusal(SelfAttention<KvCache> module, Tensor x, AttentionOptions options) {
        return assertThrows(IllegalArgumentException.class, () -> module.forward(x, options)).getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void refusesAnInputOfTheWrongWidthOrRank(String name, AttentionConfig config,
            Function<AttentionConfig, SelfAttention<KvCache>> factory) {
        SelfAttention<KvCache> module = factory.apply(config);
        assertEquals(name + " input x has shape [2, 3, 5]; expected [B, T, M] with M = 4",
                refusal(module, Tensor.zeros(2, 3, 5), AttentionOptions.none()));
        assertEquals(name + " input x has shape [3, 4]; expected [B, T, M] with M = 4",
                refusal(module, Tensor.zeros(3, 4), AttentionOptions.none()));
        assertEquals("query length T of input x (0) must be positive",
                refusal(module, Tensor.zeros(2, 0, 4), AttentionOptions.none()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void refusesNanAndInfinityInTheInput(String name, AttentionConfig config,
            Function<AttentionConfig, SelfAttention<KvCache>> factory) {
        SelfAttention<KvCache> module = factory.apply(config);
        double[] values = X.toArray();
        values[5] = Double.NaN;
        assertEquals(name + " input x holds NaN at flat index 5; expected only finite values",
                refusal(module, Tensor.of(values, 2, 3, 4), AttentionOptions.none()));
        values[5] = Double.POSITIVE_INFINITY;
        assertEquals(name + " input x holds Infinity at flat index 5; expected only finite values",
                refusal(module, Tensor.of(values, 2, 3, 4), AttentionOptions.none()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void refusesMasksThatDoNotBroadcastOrAreNotBoolean(String name, AttentionConfig config,
            Function<AttentionConfig, SelfAttention<KvCache>> factory) {
        SelfAttention<KvCache> module = factory.apply(config);
        // A rank-3 mask is [H, T, S]: a [B, T, S] = [2, 3, 3] mask happens to fit because H = B = 2,
        // but [3, 3, 3] cannot (H = 2).
        assertEquals("boolean mask has shape [3, 3, 3]; expected a shape that broadcasts to [B, H, T, S] = [2, 2, 3, 3]"
                + " (aligned from the right)", refusal(module, X, AttentionOptions.builder()
                        .booleanMask(Tensor.ones(3, 3, 3), MaskConvention.KEEP_WHERE_TRUE).build()));
        assertEquals("boolean mask of shape [3, 3] holds 2.0 at flat index 0; expected only 0 or 1",
                refusal(module, X, AttentionOptions.builder()
                        .booleanMask(Tensor.full(2.0, 3, 3), MaskConvention.HIDE_WHERE_TRUE).build()));
        assertEquals("additive mask has shape [3, 4]; expected a shape that broadcasts to [B, H, T, S] = [2, 2, 3, 3]"
                + " (aligned from the right)",
                refusal(module, X, AttentionOptions.builder().additiveMask(Tensor.zeros(3, 4)).build()));
        assertEquals("additive mask holds NaN at flat index 4; expected finite values or -Infinity",
                refusal(module, X, AttentionOptions.builder()
                        .additiveMask(Tensor.of(new double[] {0, 0, 0, 0, Double.NaN, 0, 0, 0, 0}, 3, 3)).build()));
        assertEquals("additive mask holds Infinity at flat index 0; expected finite values or -Infinity",
                refusal(module, X, AttentionOptions.builder()
                        .additiveMask(Tensor.full(Double.POSITIVE_INFINITY, 3)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void refusesKeyLengthsOfTheWrongCountOrRange(String name, AttentionConfig config,
            Function<AttentionConfig, SelfAttention<KvCache>> factory) {
        SelfAttention<KvCache> module = factory.apply(config);
        assertEquals("keyLengths has 3 entries; expected one per batch row (2)",
                refusal(module, X, AttentionOptions.builder().keyLengths(1, 2, 3).build()));
        assertEquals("key length 4 of batch row 1 must be in [0, 3]",
                refusal(module, X, AttentionOptions.builder().keyLengths(1, 4).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void refusesCausalNumberingOnANonCausalConfiguration(String name, AttentionConfig config,
            Function<AttentionConfig, SelfAttention<KvCache>> factory) {
        SelfAttention<KvCache> module = factory.apply(config);
        assertEquals("causal query numbering (TOP_LEFT) given, but the configuration is not causal",
                refusal(module, X, AttentionOptions.builder().causalAlignment(CausalAlignment.TOP_LEFT).build()));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> AttentionOptions.builder()
                .causalAlignment(CausalAlignment.TOP_LEFT).causalQueryStart(2).build());
        assertEquals("causal alignment (TOP_LEFT) and causal query start (2) both given; name one way to number the"
                + " queries", both.getMessage());
    }
}
