package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The committed cases say what their descriptions say: every variant is covered, every mirror in
 * both fidelities, and the behaviours the README singles out (fully masked rows, NaN and uniform
 * rows of published code, the recorded Python errors, the transpose bug) are in the numbers. Each
 * expected value below follows from the case's own definition, not from running the reference.
 */
class GoldenCasesTest {
    private static GoldenCase read(String id) throws IOException {
        return GoldenCase.read(GoldenFilesTest.V1.resolve(id + ".json"));
    }

    @Test
    void everyVariantHasCasesAndEveryMirrorBothFidelities() {
        Map<String, Integer> perVariant = new TreeMap<>();
        Set<String> fidelities = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (GoldenGenerator.Definition d : GoldenCases.definitions()) {
            assertTrue(ids.add(d.id()), "duplicate case id " + d.id());
            perVariant.merge(d.variant(), 1, Integer::sum);
            if (d.variant().startsWith("mirror.")) {
                fidelities.add(d.variant() + " " + d.config().get("fidelity").asText());
            }
        }
        assertEquals(new TreeSet<>(Variants.ids()), perVariant.keySet());
        for (String variant : Variants.ids()) {
            if (variant.startsWith("mirror.")) {
                assertTrue(fidelities.contains(variant + " as_published"), variant + " lacks an as_published case");
                assertTrue(fidelities.contains(variant + " fixed"), variant + " lacks a fixed case");
            }
        }
        assertEquals(106, ids.size());
    }

    @Test
    void anEntryShowsOnlyWhatDiffersFromItsSectionsDefaultsAndKeepsTheSectionsKeyOrder() throws IOException {
        String list = """
                {"sections": [{"variant": "rope", "config_keys": ["a", "b", "c"], "defaults": {"b": 1, "c": 2},
                  "cases": [{"id": "x", "seed": 7, "description": "d", "config": {"c": 3, "a": 0},
                             "given": {"positions": [0]}}]}]}
                """;
        GoldenGenerator.Definition d = GoldenCases.definitions(Json.MAPPER.readTree(list)).get(0);
        assertEquals("{\"a\":0,\"b\":1,\"c\":3}", d.config().toString());
        assertEquals(List.of("x", "rope", "d", 7L), List.of(d.id(), d.variant(), d.description(), d.seed()));
        assertEquals("[0]", d.given().get("positions").toString());
        Map<String, String> refused = Map.of(
                list.replace("\"a\": 0", "\"z\": 0"), "case x: config key z is not in the section's config_keys [a, b, c]",
                list.replace("\"defaults\"", "\"defualts\""), "section rope has an unknown field defualts",
                list.replace("\"seed\": 7", "\"seed\": \"7\""), "case x needs a whole-number seed and a config object");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            IllegalStateException x = assertThrows(IllegalStateException.class,
                    () -> GoldenCases.definitions(Json.MAPPER.readTree(e.getKey())));
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }

    @Test
    void blockAndGenerationCasesCoverEveryAttentionKind() {
        // attention.kind absent = the GQA family; mla in both forms; mfa with and without key reuse.
        for (String variant : List.of("decoder_block", "generation")) {
            Set<String> kinds = new TreeSet<>();
            for (GoldenGenerator.Definition d : GoldenCases.definitions()) {
                if (d.variant().equals(variant)) {
                    var attention = d.config().get("attention");
                    String kind = attention.has("kind") ? attention.get("kind").asText() : "gqa";
                    kinds.add(switch (kind) {
                        case "mla" -> "mla " + attention.get("form").asText();
                        case "mfa" -> attention.get("key_reuse").asBoolean() ? "mfa-kr" : "mfa";
                        default -> kind;
                    });
                }
            }
            assertEquals(new TreeSet<>(List.of("gqa", "mla naive", "mla absorbed", "mfa", "mfa-kr")), kinds, variant);
        }
    }

    @Test
    void aKeyLengthOfZeroGivesZeroRowsOrNanRowsAsThePolicySays() throws IOException {
        // key_lengths = [3, 0]: batch row 1 sees no key at all.
        double[] zeros = read("attention-fully-masked-zeros").expected().get("output").values();
        double[] nans = read("attention-fully-masked-nan").expected().get("output").values();
        int half = zeros.length / 2;                                       // [B=2, H, T, Dv]: row 1 is the second half
        for (int i = half; i < zeros.length; i++) {
            assertEquals(0.0, zeros[i]);
            assertTrue(Double.isNaN(nans[i]));
        }
        for (int i = 0; i < half; i++) {
            assertEquals(zeros[i], nans[i]);
        }
    }

    @Test
    void aFiniteFillMakesAFullyHiddenRowUniform() throws IOException {
        // mask_fill −1e9; batch 0, query 1 has keep bits 0, 0, 0 over S = 3 keys: p = 1/3 each, in both heads.
        double[] p = read("attention-finite-fill").expected().get("probabilities").values();   // [2, 2, 3, 3]
        for (int h = 0; h < 2; h++) {
            for (int s = 0; s < 3; s++) {
                assertEquals(1.0 / 3, p[(h * 3 + 1) * 3 + s], Tolerances.HAND_COMPUTED);
            }
        }
    }

    @Test
    void bottomRightWithMoreQueriesThanKeysLeavesTheLeadingQueriesEmpty() throws IOException {
        // T = 5, S = 3, bottom-right: first = S − T = −2, so queries 0 and 1 see no key and give zeros.
        double[] out = read("attention-causal-bottom-right-t-gt-s").expected().get("output").values();   // [1, 2, 5, 4]
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 2; t++) {
                for (int d = 0; d < 4; d++) {
                    assertEquals(0.0, out[(h * 5 + t) * 4 + d]);
                }
            }
            assertTrue(out[(h * 5 + 2) * 4] != 0.0);
        }
    }

    @Test
    void publishedLabmlGivesNanForAFullyHiddenQueryAndFixedGivesZeros() throws IOException {
        // mask[1, :, 1] = 0: query 1 of batch row 1 sees nothing. attn is [T=3, S=3, B=2, H=2], output [T, B, M=6].
        GoldenCase published = read("mirror-seed000-labml-mha-as-published");
        GoldenCase fixed = read("mirror-seed000-labml-mha-fixed");
        double[] attnPublished = published.expected().get("attn").values();
        double[] attnFixed = fixed.expected().get("attn").values();
        for (int j = 0; j < 3; j++) {
            for (int h = 0; h < 2; h++) {
                int at = ((1 * 3 + j) * 2 + 1) * 2 + h;
                assertTrue(Double.isNaN(attnPublished[at]));
                assertEquals(0.0, attnFixed[at]);
            }
        }
        double[] outPublished = published.expected().get("output").values();
        double[] outFixed = fixed.expected().get("output").values();
        for (int m = 0; m < 6; m++) {
            assertTrue(Double.isNaN(outPublished[(1 * 2 + 1) * 6 + m]));
            assertFalse(Double.isNaN(outFixed[(1 * 2 + 1) * 6 + m]));
        }
    }

    @Test
    void publishedSeed002AttendsUniformlyWhereFixedGivesOnlyTheOutputBias() throws IOException {
        // Batch row 1 hides both keys. Fixed: probabilities 0, so the output row is o_proj's bias.
        GoldenCase fixed = read("mirror-seed002-mha-fixed");
        double[] bias = fixed.inputs().values("o_proj.bias");
        double[] out = fixed.expected().get("output").values();                 // [3, 2, 8]
        for (int t = 0; t < 2; t++) {
            for (int m = 0; m < 8; m++) {
                assertEquals(bias[m], out[(1 * 2 + t) * 8 + m], Tolerances.HAND_COMPUTED);
            }
        }
        double[] published = read("mirror-seed002-mha-as-published").expected().get("output").values();
        assertTrue(Math.abs(published[2 * 8] - bias[0]) > 1e-3, "a uniform row is not the bias alone");
    }

    @Test
    void publishedErrorsAreRecordedWithTheirPythonKind() throws IOException {
        Map<String, String> expected = Map.of(
                "mirror-seed000-gqa-as-published", "TypeError construct",
                "mirror-seed000-mla-as-published-causal", "TypeError forward",
                "mirror-seed002-gqa-indivisible", "AssertionError construct",
                "mirror-seed003-mha-indivisible", "AssertionError construct",
                "mirror-seed003-sdpa-bmm-split-heads-as-published", "RuntimeError forward");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            GoldenCase c = read(e.getKey());
            assertEquals(e.getValue(), c.expectedError().kind() + " " + c.expectedError().stage(), e.getKey());
            assertTrue(c.expected().isEmpty(), e.getKey() + " must have no outputs");
        }
        assertNull(read("mirror-seed003-sdpa-bmm-split-heads-fixed").expectedError());
    }

    @Test
    void thePublishedTransposeScramblesPositionsOnlyWhenThereIsMoreThanOne() throws IOException {
        // Same module and input, published vs fixed: with T = 4 the rows differ; the published T = 1 case equals
        // its fixed computation, W_o·o + b_o with o = v (one key, p = 1): checked through the v and o projections.
        double[] published = read("mirror-seed000-mqa-as-published").expected().get("output").values();
        double[] fixed = read("mirror-seed000-mqa-fixed").expected().get("output").values();
        double worst = 0;
        for (int i = 0; i < fixed.length; i++) {
            worst = Math.max(worst, Math.abs(published[i] - fixed[i]));
        }
        assertTrue(worst > 1e-2, "published and fixed MQA differ by only " + worst);

        GoldenCase decode = read("mirror-seed000-mqa-as-published-decode");      // B 2, T 1, M 6, H 2, D 3
        CaseInputs in = decode.inputs();
        double[] x = in.values("hidden_state");
        double[] wv = in.values("v_linear.weight");
        double[] bv = in.values("v_linear.bias");
        double[] wo = in.values("o_linear.weight");
        double[] bo = in.values("o_linear.bias");
        double[] out = decode.expected().get("output").values();
        for (int b = 0; b < 2; b++) {
            double[] v = new double[3];
            for (int d = 0; d < 3; d++) {
                v[d] = bv[d];
                for (int m = 0; m < 6; m++) {
                    v[d] += wv[d * 6 + m] * x[b * 6 + m];
                }
            }
            for (int m = 0; m < 6; m++) {
                double y = bo[m];
                for (int c = 0; c < 6; c++) {
                    y += wo[m * 6 + c] * v[c % 3];                               // both heads output v
                }
                assertEquals(y, out[b * 6 + m], Tolerances.HAND_COMPUTED_CHAIN);
            }
        }
    }

    @Test
    void naiveAndAbsorbedMlaCasesRecordTheirCheckingModules() throws IOException {
        List<String> absorbed = List.of("mla-absorbed-query-compression-decode", "mla-absorbed-no-query-compression",
                "mla-absorbed-yarn");
        for (String id : absorbed) {
            assertTrue(java.nio.file.Files.readString(GoldenFilesTest.V1.resolve(id + ".json"))
                    .contains("\"checked_against\": [\"dev.attnref.attention.AbsorbedMla\"]"), id);
        }
        assertTrue(java.nio.file.Files.readString(GoldenFilesTest.V1.resolve("gqa-mha-decode-no-rope.json")).contains(
                "\"checked_against\": [\"dev.attnref.attention.GroupedQueryAttention\", "
                        + "\"dev.attnref.attention.MultiHeadAttention\"]"));
        Path mqa = GoldenFilesTest.V1.resolve("gqa-mqa-rope-split-halves.json");
        assertTrue(java.nio.file.Files.readString(mqa).contains("\"dev.attnref.attention.MultiQueryAttention\""));
    }
}
