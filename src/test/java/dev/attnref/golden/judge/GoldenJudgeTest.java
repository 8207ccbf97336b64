package dev.attnref.golden.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.Json;
import dev.attnref.golden.Precision;
import dev.attnref.oracle.OracleAttention;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The judge's verdicts, re-derived: a plain case passes on a real runtime; a known convention difference
 * (PyTorch's top-left {@code is_causal} on a bottom-right case) fails with that reason and a minimal case;
 * two deliberately wrong operators (tiled grouping h mod G, NaN for fully masked rows) are caught and named;
 * and rows of the committed matrices ({@code reference-data/judge/}) come out the same when judged again.
 */
class GoldenJudgeTest {
    private static final Path V1 = Path.of("reference-data/v1");

    private static GoldenCase golden(String id) throws IOException {
        return GoldenCase.read(V1.resolve(id + ".json"));
    }

    private static JudgeProblem problem(String id) throws IOException {
        return JudgeProblem.of(Json.read(V1.resolve(id + ".json")).get("config"), golden(id).inputs());
    }

    private static GoldenJudge.Verdict judge(AttentionOp op, String id, Precision precision) throws IOException {
        return GoldenJudge.judge(op, problem(id), precision, golden(id));
    }

    /** An operator computed by the oracle on {@code reread(p)}, its output rounded to the run's precision. */
    private record Mutant(String id, java.util.function.UnaryOperator<JudgeProblem> reread) implements AttentionOp {
        @Override
        public String whyNot(JudgeProblem p) {
            return null;
        }

        @Override
        public String layout(JudgeProblem p) {
            return null;
        }

        @Override
        public double[] run(JudgeProblem p, Precision precision) {
            double[] out = OracleAttention.attend(reread.apply(p).oracle().build()).output();
            return java.util.Arrays.stream(out).map(precision::round).toArray();
        }
    }

    @Test
    void theOracleItselfPassesInBothPrecisions() throws IOException {
        Mutant exact = new Mutant("oracle", p -> p);
        assertEquals("pass", judge(exact, "attention-everything", Precision.FP32).verdict());
        assertEquals("pass", judge(exact, "attention-everything", Precision.BF16).verdict());
    }

    @Test
    void tiledGroupingIsCaughtNamedAndMinimised() throws IOException {
        // query head h reads kv head h mod G: K, V written out to H heads that way, then G = H
        Mutant tiled = new Mutant("tiled", p -> {
            int block = p.kvLen() * p.headDim();
            int valueBlock = p.kvLen() * p.valueHeadDim();
            double[] k = new double[p.batch() * p.numHeads() * block];
            double[] v = new double[p.batch() * p.numHeads() * valueBlock];
            for (int b = 0; b < p.batch(); b++) {
                for (int h = 0; h < p.numHeads(); h++) {
                    int g = h % p.numKvHeads();
                    System.arraycopy(p.key(), (b * p.numKvHeads() + g) * block, k, (b * p.numHeads() + h) * block, block);
                    System.arraycopy(p.value(), (b * p.numKvHeads() + g) * valueBlock, v, (b * p.numHeads() + h) * valueBlock,
                            valueBlock);
                }
            }
            return new JudgeProblem(p.batch(), p.numHeads(), p.numHeads(), p.qLen(), p.pastLen(), p.kvLen(), p.headDim(),
                    p.valueHeadDim(), p.query(), k, v, p.keep(), p.keepShape(), p.additive(), p.additiveShape(),
                    p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), p.nanRows());
        });
        GoldenJudge.Verdict v = judge(tiled, "attention-gqa-h6-g2", Precision.FP32);
        assertEquals("fail", v.verdict());
        assertEquals("grouping-h-mod-g", v.convention());
        // the smallest GQA where h mod G ≠ ⌊h/R⌋: G = 2 groups of R = 2 heads; one query, one key, width 1
        assertEquals("B=1 H=4 G=2 T=1 S=1 D=1 Dv=1", v.minimal());
        assertEquals("fail", judge(tiled, "attention-gqa-h6-g2", Precision.BF16).verdict());
    }

    @Test
    void nanForFullyMaskedRowsIsNamed() throws IOException {
        Mutant nanRows = new Mutant("nan", p -> new JudgeProblem(p.batch(), p.numHeads(), p.numKvHeads(), p.qLen(),
                p.pastLen(), p.kvLen(), p.headDim(), p.valueHeadDim(), p.query(), p.key(), p.value(), p.keep(), p.keepShape(),
                p.additive(), p.additiveShape(), p.keyLengths(), p.causal(), p.scale(), p.softcap(), p.fill(), true));
        GoldenJudge.Verdict v = judge(nanRows, "attention-fully-masked-zeros", Precision.FP32);
        assertEquals("fail", v.verdict());
        assertEquals("fully-masked-rows", v.convention());
        assertTrue(v.reason().startsWith("nan gives NaN for a row whose keys are all hidden"), v.reason());
        // a case without a fully masked row cannot tell the two apart
        assertEquals("pass", judge(nanRows, "attention-mha-h3", Precision.FP32).verdict());
    }

    @Test
    void torchPassesAPlainGqaCase() throws IOException {
        GoldenJudge.Verdict v = judge(new TorchSdpa(), "attention-gqa-h6-g2", Precision.FP32);
        assertEquals("pass", v.verdict(), v.reason());
        assertNull(v.convention());
    }

    @Test
    void torchIsCausalIsTopLeftOnABottomRightCase() throws IOException {
        GoldenJudge.Verdict v = judge(new TorchSdpa(), "attention-causal-bottom-right", Precision.FP32);
        assertEquals("fail", v.verdict());
        assertEquals("causal-top-left", v.convention());
        // one query over two keys: bottom-right sees both, top-left only the first
        assertEquals("B=1 H=1 G=1 T=1 S=2 D=1 Dv=1, causal bottom-right", v.minimal());
    }

    @Test
    void softcapIsNotExpressibleInTorch() throws IOException {
        GoldenJudge.Verdict v = judge(new TorchSdpa(), "attention-softcap", Precision.BF16);
        assertEquals("not-expressible", v.verdict());
        assertEquals("softcap: SDPA has no softcap argument", v.reason());
    }

    @Test
    void committedMatricesAreReDerived() throws IOException {
        Map<String, AttentionOp> ops = Map.of("scaled_dot_product_attention", new TorchSdpa(),
                "Attention-23", new OrtAttention23(), "GroupQueryAttention", new OrtGroupQueryAttention(),
                "MultiHeadAttention", new OrtMultiHeadAttention());
        int checked = 0;
        for (String peer : new String[] {"ort", "torch"}) {
            JsonNode matrix = Json.read(Path.of("reference-data/judge", peer + ".json"));
            for (JsonNode row : matrix.get("rows")) {
                String id = row.get("case").asText();
                if (!id.equals("attention-causal-bottom-right-t-gt-s") && !id.equals("attention-fully-masked-zeros")
                        && !id.equals("attention-decode-step")) {
                    continue;
                }
                for (Precision precision : GoldenJudge.JUDGED) {
                    GoldenJudge.Verdict again = judge(ops.get(row.get("operator").asText()), id, precision);
                    JsonNode stored = row.get(precision.label());
                    String where = peer + " " + id + " " + row.get("operator").asText() + " " + precision.label();
                    assertEquals(stored.get("verdict").asText(), again.verdict(), where);
                    assertEquals(stored.has("reason") ? stored.get("reason").asText() : null, again.reason(), where);
                    checked++;
                }
            }
        }
        assertEquals(2 * (3 * 3 + 3), checked, "rows re-derived: 3 cases × (3 ORT operators + 1 PyTorch) × 2 precisions");
    }
}
