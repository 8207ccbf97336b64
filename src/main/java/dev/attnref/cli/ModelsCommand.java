package dev.attnref.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnref.attention.AttentionShape;
import dev.attnref.attention.GqaShape;
import dev.attnref.attention.KvCacheClaim;
import dev.attnref.attention.KvCacheClaims;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attnref models}: prints {@link ModelCatalogue} (attention parameters and KV cache per token
 * of real models) and {@link KvCacheClaims}, as a table or, with {@code --json}, as JSON.
 * Presentation only: every number comes from the catalogue.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Attention configurations of real models: parameters per layer and KV cache per token.")
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print the catalogue and the KV-cache claims as JSON.")
    private boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(asJson()));
        } else {
            printTables(out);
        }
        out.flush();
        return 0;
    }

    private static void printTables(PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"model", "variant", "M", "layers", "H", "G", "D", "params/layer",
            "KV values/token/layer", "KV values/token", "KV bytes/token (bf16)"});
        for (ModelConfig model : ModelCatalogue.all()) {
            AttentionShape shape = model.attention();
            rows.add(new String[] {model.name(), model.variant().label(), count(shape.modelWidth()),
                count(model.numLayers()), count(shape.numHeads()),
                shape.numKvHeads() < 0 ? "–" : count(shape.numKvHeads()), shape.headDimLabel(),
                count(shape.parametersPerLayer()), count(shape.kvValuesPerTokenPerLayer()),
                count(model.kvValuesPerToken()), count(model.kvBytesPerToken(ModelConfig.BF16_BYTES))});
        }
        printAligned(out, rows, 0, 1, 6);
        out.println();
        List<String[]> claims = new ArrayList<>();
        claims.add(new String[] {"claim", "reduced", "baseline", "values (bits)", "fraction", "saving", "published"});
        for (KvCacheClaim claim : KvCacheClaims.all()) {
            claims.add(new String[] {claim.id(), claim.reduced(), claim.baseline(),
                count(claim.reducedValues()) + " (" + claim.reducedBits() + ") / " + count(claim.baselineValues())
                        + " (" + claim.baselineBits() + ")",
                percent(claim.fraction()), percent(claim.saving()), claim.published()});
        }
        printAligned(out, claims, 0, 1, 2, 6);
    }

    private static Map<String, Object> asJson() {
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelConfig model : ModelCatalogue.all()) {
            AttentionShape shape = model.attention();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("model", model.name());
            entry.put("variant", model.variant().label());
            entry.put("modelWidth", shape.modelWidth());
            entry.put("numLayers", model.numLayers());
            entry.put("numHeads", shape.numHeads());
            entry.put("numKvHeads", shape.numKvHeads() < 0 ? null : shape.numKvHeads());
            entry.put("headDim", shape.headDimLabel());
            entry.put("shape", shapeFields(shape));
            entry.put("parametersPerLayer", shape.parametersPerLayer());
            entry.put("kvValuesPerTokenPerLayer", shape.kvValuesPerTokenPerLayer());
            entry.put("kvValuesPerToken", model.kvValuesPerToken());
            entry.put("kvBytesPerTokenBf16", model.kvBytesPerToken(ModelConfig.BF16_BYTES));
            entry.put("source", model.source());
            models.add(entry);
        }
        List<Map<String, Object>> claims = new ArrayList<>();
        for (KvCacheClaim claim : KvCacheClaims.all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", claim.id());
            entry.put("published", claim.published());
            entry.put("source", claim.source());
            entry.put("reduced", claim.reduced());
            entry.put("reducedValuesPerToken", claim.reducedValues());
            entry.put("reducedBitsPerValue", claim.reducedBits());
            entry.put("baseline", claim.baseline());
            entry.put("baselineValuesPerToken", claim.baselineValues());
            entry.put("baselineBitsPerValue", claim.baselineBits());
            entry.put("fraction", claim.fraction());
            entry.put("saving", claim.saving());
            claims.add(entry);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("models", models);
        root.put("claims", claims);
        return root;
    }

    /** The family's own hyper-parameters, in config.json's terms. */
    private static Map<String, Object> shapeFields(AttentionShape shape) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (shape instanceof MlaShape mla) {
            fields.put("qLoraRank", mla.qLoraRank());
            fields.put("kvLoraRank", mla.kvLoraRank());
            fields.put("qkNopeHeadDim", mla.qkNopeHeadDim());
            fields.put("qkRopeHeadDim", mla.qkRopeHeadDim());
            fields.put("vHeadDim", mla.vHeadDim());
            fields.put("naiveKvValuesPerTokenPerLayer", mla.naiveKvValuesPerTokenPerLayer());
        } else if (shape instanceof MfaShape mfa) {
            fields.put("queryRank", mfa.queryRank());
            fields.put("headDim", mfa.headDim());
            fields.put("keyReuse", mfa.keyReuse());
        } else if (shape instanceof GqaShape gqa) {
            fields.put("headDim", gqa.headDim());
            fields.put("valueHeadDim", gqa.valueHeadDim());
        }
        return fields;
    }

    private static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * fraction);
    }

    /** Columns padded to their widest cell; the text columns listed are left-aligned, numbers right-aligned. */
    private static void printAligned(PrintWriter out, List<String[]> rows, int... textColumns) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean leftAligned = false;
                for (int text : textColumns) {
                    leftAligned |= text == c;
                }
                String cell = leftAligned ? String.format("%-" + widths[c] + "s", row[c])
                        : String.format("%" + widths[c] + "s", row[c]);
                line.append(c == 0 ? "" : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
