package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Attention parameter counts worked out by hand for the catalogue's MFA model, Step-3 (stepfun-ai/step3
 * config.json, cited in {@link ModelCatalogue}), per layer and over its 61 layers; and a KV claim that
 * compares a non-positive number of cached values is refused.
 */
class ParameterCountTest {

    @Test
    void step3HasOneHundredSixtyNineMillionAttentionParametersPerLayer() {
        // M 7168, H 64, query rank C_q 2048, one shared head D 256, separate S_K and S_V:
        //   S_Q     7168·2048      =  14,680,064
        //   q_norm                 =       2,048
        //   Q_c     2048·64·256    =  33,554,432
        //   S_K     7168·256       =   1,835,008
        //   S_V     7168·256       =   1,835,008
        //   W_O     64·256·7168    = 117,440,512
        //   sum                    = 169,347,072;  × 61 layers = 10,330,171,392
        assertEquals(169_347_072L, ModelCatalogue.STEP_3.attention().parametersPerLayer());
        assertEquals(10_330_171_392L, ModelCatalogue.STEP_3.attentionParameters());
    }

    @Test
    void keyReuseReplacesSvByAHeadSquareAndAlpha() {
        // MFA-KR: S_V (7168·256) becomes N (256·256) plus α (256): 169,347,072 − 1,835,008 + 65,536 + 256.
        assertEquals(167_577_856L, new MfaShape(7168, 64, 2048, 256, true).parametersPerLayer());
    }

    @Test
    void aClaimMustCompareAPositiveNumberOfValues() {
        for (long[] values : new long[][] {{0, 8}, {8, 0}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KvCacheClaim("C-TEST",
                    "text", "source", "reduced", "baseline", values[0], 16, values[1], 16));
            assertTrue(e.getMessage().contains("expected both positive"), e.getMessage());
        }
    }
}
