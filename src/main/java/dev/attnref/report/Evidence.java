package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.experiment.Results;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The committed data a claim's rule reads, and every figure it read, each with its source.
 *
 * <table>
 *   <caption>Sources</caption>
 *   <tr><th>kind</th><th>source text</th><th>value</th></tr>
 *   <tr><td>cell</td><td>{@code experiments/<folder>/results/<file>.csv · <column> · <col>=<text>, …}</td>
 *       <td>that cell of the one row whose named columns hold those texts</td></tr>
 *   <tr><td>derived</td><td>{@code derived: <formula> from <file>}</td><td>computed from cells or probes of that file</td></tr>
 * </table>
 *
 * A table is named {@code <folder>/<file>}, e.g. {@code E03-prefill/prefill_fit}. Missing files,
 * columns or rows are an {@link IllegalArgumentException} naming the file and what was looked for.
 */
public final class Evidence {
    /** The separator of a cell source's parts. */
    static final String SEP = " · ";

    /** One number a rule read, with where it was read. */
    public record Figure(String name, double value, String source) {
    }

    /** The seeds' PyTorch runs, whose probes some claims rest on. */
    static final String SEED_OUTPUTS = "reference-data/seeds/seed_outputs.json";

    private final Path root;
    private final Map<String, Table> tables = new HashMap<>();
    private final List<Figure> figures = new ArrayList<>();
    private JsonNode probes;

    Evidence(Path root) {
        this.root = root;
    }

    /** The committed path of a table: {@code experiments/<folder>/results/<file>.csv}. */
    static String path(String table) {
        int slash = table.indexOf('/');
        return "experiments/" + table.substring(0, slash) + "/results/" + table.substring(slash + 1) + ".csv";
    }

    Table table(String table) {
        return tables.computeIfAbsent(table, t -> {
            Path file = root.resolve(path(t));
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("committed results file " + path(t) + " does not exist; a claim's rule "
                        + "reads it (rerun the experiment that writes it)");
            }
            return Results.read(file);
        });
    }

    boolean hasColumn(String table, String column) {
        return table(table).columnNames().contains(column);
    }

    /** Rows of a table whose columns hold the given texts ({@code "variant=MHA"}; numbers compare by value). */
    List<Integer> rows(String table, String... where) {
        Table t = table(table);
        for (String condition : where) {
            column(table, condition.substring(0, condition.indexOf('=')));
        }
        return IntStream.range(0, t.rowCount()).filter(r -> matches(t, r, where)).boxed().toList();
    }

    private static boolean matches(Table t, int row, String[] where) {
        for (String condition : where) {
            int eq = condition.indexOf('=');
            String cell = Results.text(t, condition.substring(0, eq), row);
            String wanted = condition.substring(eq + 1);
            if (!cell.equals(wanted) && !sameNumber(cell, wanted)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameNumber(String a, String b) {
        try {
            return Double.parseDouble(a) == Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String column(String table, String column) {
        if (!hasColumn(table, column)) {
            throw new IllegalArgumentException(path(table) + " has no column '" + column + "'; columns: "
                    + table(table).columnNames());
        }
        return column;
    }

    /** A number of a table's row, not recorded as a figure. */
    double number(String table, String column, int row) {
        return Results.number(table(table), column(table, column), row);
    }

    String text(String table, String column, int row) {
        return Results.text(table(table), column(table, column), row);
    }

    /** The cell of the one row matching {@code where}, recorded as figure {@code name}. */
    double cell(String name, String table, String column, String... where) {
        List<Integer> rows = rows(table, where);
        if (rows.size() != 1) {
            throw new IllegalArgumentException(path(table) + ": " + rows.size() + " rows match " + String.join(", ", where)
                    + "; a claim's figure '" + name + "' needs exactly one");
        }
        return record(name, number(table, column, rows.get(0)), path(table) + SEP + column + SEP
                + (where.length == 0 ? "its one row" : String.join(", ", where)));
    }

    /** A figure computed from cells or probes of {@code file}: {@code formula} says how. */
    double derived(String name, double value, String formula, String file) {
        return record(name, value, "derived: " + formula + " from " + file);
    }

    private double record(String name, double value, String source) {
        if (figures.stream().anyMatch(f -> f.name().equals(name))) {
            throw new IllegalStateException("figure '" + name + "' recorded twice");
        }
        figures.add(new Figure(name, value, source));
        return value;
    }

    /** {@code probes.<name>} of the seeds' PyTorch runs. */
    JsonNode probe(String name) {
        if (probes == null) {
            try {
                probes = new ObjectMapper().readTree(Files.readString(root.resolve(SEED_OUTPUTS))).path("probes");
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + SEED_OUTPUTS, e);
            }
        }
        JsonNode probe = probes.path(name);
        if (probe.isMissingNode()) {
            throw new IllegalArgumentException(SEED_OUTPUTS + " has no probe '" + name + "'");
        }
        return probe;
    }

    /** Every figure recorded so far, in reading order. */
    List<Figure> figures() {
        return List.copyOf(figures);
    }
}
