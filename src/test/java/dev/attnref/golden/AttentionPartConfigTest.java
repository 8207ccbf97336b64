package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The attention part of {@code decoder_block} and {@code generation} (README, "Attention parts"):
 * which tensors each kind reads, and that a malformed part is refused naming the key and value.
 */
class AttentionPartConfigTest {
    private static final String MLA = "{\"kind\": \"mla\", \"num_heads\": 3, \"q_lora_rank\": %d, \"kv_lora_rank\": 4, "
            + "\"qk_nope_head_dim\": 2, \"qk_rope_head_dim\": %d, \"v_head_dim\": 3, \"rope_theta\": 10000.0, "
            + "\"rope_pairing\": \"interleaved\", \"rms_eps\": 1e-6, \"form\": \"naive\"}";
    private static final String MFA = "{\"kind\": \"mfa\", \"num_heads\": 2, \"query_rank\": 3, \"head_dim\": %d, "
            + "\"key_reuse\": %s, \"rope_theta\": 10000.0, \"rope_pairing\": \"split_halves\", \"rms_eps\": 1e-6}";

    private static JsonNode block(String attention) {
        String json = "{\"batch\": 1, \"seq_len\": 2, \"model_width\": 5, \"placement\": \"pre\", \"attention\": " + attention
                + ", \"norm\": {\"kind\": \"rms\", \"eps\": 1e-5, \"affine\": false}, "
                + "\"ffn\": {\"kind\": \"swiglu\", \"hidden_width\": 3}}";
        try {
            return new ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names and shapes of the {@code attn.*} inputs a block config needs. */
    private static List<String> attentionInputs(String attention) {
        return Variants.get("decoder_block").prepare(block(attention)).specs().stream()
                .filter(spec -> spec.name().startsWith("attn."))
                .map(spec -> spec.name() + java.util.Arrays.toString(spec.shape())).toList();
    }

    private static void assertRefused(String attention, String expectedText) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Variants.get("decoder_block").prepare(block(attention)));
        assertTrue(e.getMessage().contains(expectedText), "expected '" + expectedText + "' in: " + e.getMessage());
    }

    @Test
    void eachKindReadsItsOwnTensors() {
        // M = 5. GQA H = 2, G = 1, D = 2: w_q [4, 5], w_k, w_v [2, 5], w_o [5, 4].
        assertEquals(List.of("attn.w_q[4, 5]", "attn.w_k[2, 5]", "attn.w_v[2, 5]", "attn.w_o[5, 4]"),
                attentionInputs("{\"num_heads\": 2, \"num_kv_heads\": 1, \"head_dim\": 2, \"rope\": null}"));
        // MLA H = 3, C_q = 6, C = 4, D_nope = 2, P = 2, Dv = 3: W_UQ [3·4, 6], W_DKV [4 + 2, 5], W_UKV [3·5, 4], W_O [5, 9].
        assertEquals(List.of("attn.w_dq[6, 5]", "attn.q_norm[6]", "attn.w_uq[12, 6]", "attn.w_dkv[6, 5]", "attn.kv_norm[4]",
                "attn.w_ukv[15, 4]", "attn.w_o[5, 9]"), attentionInputs(String.format(MLA, 6, 2)));
        // Without query compression W_Q [3·4, 5] replaces W_DQ, q_norm and W_UQ.
        assertEquals("attn.w_q[12, 5]", attentionInputs(String.format(MLA, 0, 2)).get(0));
        // MFA H = 2, C_q = 3, C = 4: Q_c [8, 3], S_V [4, 5], W_O [5, 8]; MFA-KR has α [4] and N [4, 4] instead of S_V.
        assertEquals(List.of("attn.s_q[3, 5]", "attn.q_norm[3]", "attn.q_c[8, 3]", "attn.s_k[4, 5]", "attn.s_v[4, 5]",
                "attn.w_o[5, 8]"), attentionInputs(String.format(MFA, 4, "false")));
        assertEquals(List.of("attn.s_q[3, 5]", "attn.q_norm[3]", "attn.q_c[8, 3]", "attn.s_k[4, 5]", "attn.alpha[4]",
                "attn.n[4, 4]", "attn.w_o[5, 8]"), attentionInputs(String.format(MFA, 4, "true")));
    }

    @Test
    void malformedPartsAreRefusedNamingTheKey() {
        assertRefused(String.format(MLA, 6, 3), "config.attention.qk_rope_head_dim (3) must be even");
        assertRefused(String.format(MFA, 5, "true"), "config.attention.head_dim (5) must be even");
        assertRefused(String.format(MLA, 6, 2).replace("\"rms_eps\": 1e-6", "\"rms_eps\": 0"),
                "config.attention.rms_eps (0.0) must be > 0");
        assertRefused(String.format(MFA, 4, "false").replace("\"mfa\"", "\"mxa\""), "config.attention.kind");
        // A GQA key in an MLA part is not silently ignored.
        assertRefused(String.format(MLA, 6, 2).replace("{\"kind\"", "{\"num_kv_heads\": 1, \"kind\""), "num_kv_heads");
    }
}
