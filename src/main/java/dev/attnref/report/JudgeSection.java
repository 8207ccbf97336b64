package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * REPORT's derived section "Runtimes judged by the vectors": read from the matrices that
 * {@code attnref golden judge --peer ort|torch --out reference-data/judge/<peer>.json} committed. Per runtime:
 * its version, the counts per operator and precision, every disagreement with the convention behind it and its
 * minimal case, and why the other attention cases could not be asked.
 */
final class JudgeSection {
    static final String FOLDER = "reference-data/judge";
    private static final List<String> PEERS = List.of("ort", "torch");

    private JudgeSection() {
    }

    static String of(Path root) {
        StringBuilder sb = new StringBuilder("`attnref golden judge --peer ort|torch` runs every golden case a runtime can be "
                + "asked through its own attention operator, in float32 (the case's tolerance) and bf16 (FlashAttention's "
                + "rule against the float64 reference on bf16-rounded inputs), in-process. Matrices: `" + FOLDER + "/`.\n");
        for (String peer : PEERS) {
            Path file = root.resolve(FOLDER).resolve(peer + ".json");
            if (!Files.exists(file)) {
                sb.append("\n**").append(peer).append("**: no committed matrix (`").append(FOLDER).append('/').append(peer)
                        .append(".json`).\n");
                continue;
            }
            sb.append(runtime(peer, read(file)));
        }
        return sb.toString();
    }

    private static String runtime(String peer, JsonNode m) {
        StringBuilder sb = new StringBuilder("\n**").append(peer).append("**: ").append(m.get("runtime").asText())
                .append(", cases from ").append(m.get("cases_from").toString().replace("\"", "`")).append(".\n\n");
        List<List<String>> counts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> op : (Iterable<Map.Entry<String, JsonNode>>) m.get("summary")::fields) {
            for (Map.Entry<String, JsonNode> p : (Iterable<Map.Entry<String, JsonNode>>) op.getValue()::fields) {
                JsonNode c = p.getValue();
                counts.add(List.of(op.getKey(), p.getKey(), c.get("pass").asText(), c.get("fail").asText(),
                        c.get("not-expressible").asText()));
            }
        }
        sb.append(Markdown.table(List.of("operator", "precision", "pass", "fail", "not expressible"), counts)).append('\n');
        sb.append(disagreements(m)).append(notExpressible(m));
        return sb.toString();
    }

    /** One row per failing (case, operator, precision): the convention and the minimal case that still disagrees. */
    private static String disagreements(JsonNode m) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode row : m.get("rows")) {
            for (String precision : List.of("float32", "bf16")) {
                JsonNode v = row.get(precision);
                if (v.get("verdict").asText().equals("fail")) {
                    rows.add(List.of(row.get("case").asText(), row.get("operator").asText(), precision, v.get("reason").asText(),
                            v.get("minimal").asText() + ": " + v.get("minimal_first_failure").asText()));
                }
            }
        }
        if (rows.isEmpty()) {
            return "No disagreement.\n";
        }
        return "Disagreements, each explained by the convention the runtime's output matches, and minimised:\n\n"
                + Markdown.table(List.of("case", "operator", "precision", "whose convention", "minimal case"), rows);
    }

    /** The attention cases not asked, grouped by operator and reason (other variants: not an operator call). */
    private static String notExpressible(JsonNode m) {
        Map<String, List<String>> byReason = new TreeMap<>();
        for (JsonNode row : m.get("rows")) {
            JsonNode v = row.get("float32");
            if (row.get("variant").asText().equals("attention") && v.get("verdict").asText().equals("not-expressible")) {
                byReason.computeIfAbsent(row.get("operator").asText() + ": " + v.get("reason").asText(), k -> new ArrayList<>())
                        .add(row.get("case").asText());
            }
        }
        List<List<String>> rows = new ArrayList<>();
        byReason.forEach((reason, cases) -> rows.add(List.of(reason, String.join(", ", cases))));
        return rows.isEmpty() ? "" : "\nAttention cases not expressible (float32; every other variant needs more than one "
                + "operator call):\n\n" + Markdown.table(List.of("operator: reason", "cases"), rows);
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }
}
