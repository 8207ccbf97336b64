package dev.attnref.experiment;

import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A results table (Tablesaw) built row by row, written as CSV with the {@link Stamp} columns last.
 *
 * <p>Columns are declared as {@code name:type}, type one of {@code s} (text), {@code i} (int),
 * {@code l} (long), {@code d} (double). Doubles are written with {@link Double#toString} (exact
 * round trip); infinities as {@code Infinity} / {@code -Infinity}.
 *
 * <p>Checked by {@code ExperimentFrameworkTest}.
 */
public final class Results {
    private final Table table;
    private final List<Character> types = new ArrayList<>();

    private Results(String name, String... columns) {
        table = Table.create(name);
        for (String column : columns) {
            int colon = column.lastIndexOf(':');
            if (colon <= 0 || colon != column.length() - 2) {
                throw new IllegalArgumentException("column (" + column + ") must be name:type with type s, i, l or d");
            }
            String columnName = column.substring(0, colon);
            if (Stamp.COLUMNS.contains(columnName)) {
                throw new IllegalArgumentException("column (" + columnName + ") is a stamp column " + Stamp.COLUMNS
                        + "; name it otherwise");
            }
            char type = column.charAt(colon + 1);
            table.addColumns(switch (type) {
                case 's' -> StringColumn.create(columnName);
                case 'i' -> IntColumn.create(columnName);
                case 'l' -> LongColumn.create(columnName);
                case 'd' -> DoubleColumn.create(columnName);
                default -> throw new IllegalArgumentException("column (" + column + ") has type '" + type
                        + "'; expected s, i, l or d");
            });
            types.add(type);
        }
    }

    /** An empty table named {@code name} with the declared columns. */
    public static Results of(String name, String... columns) {
        return new Results(name, columns);
    }

    /** Appends one row; one value per declared column, of the declared type. */
    public Results add(Object... values) {
        if (values.length != types.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values; table " + table.name()
                    + " has " + types.size() + " columns " + table.columnNames());
        }
        for (int c = 0; c < values.length; c++) {
            Object v = values[c];
            Column<?> column = table.column(c);
            switch (types.get(c)) {
                case 's' -> ((StringColumn) column).append(String.valueOf(v));
                case 'i' -> ((IntColumn) column).append(((Number) v).intValue());
                case 'l' -> ((LongColumn) column).append(((Number) v).longValue());
                default -> ((DoubleColumn) column).append(((Number) v).doubleValue());
            }
        }
        return this;
    }

    public Table table() {
        return table;
    }

    public int rowCount() {
        return table.rowCount();
    }

    /** Writes {@code file} (CSV, header row first), the stamp's columns appended to every row. */
    public void write(Path file, Stamp stamp) {
        Table out = table.copy();
        int rows = out.rowCount();
        List<String> values = stamp.values();
        for (int c = 0; c < Stamp.COLUMNS.size(); c++) {
            out.addColumns(StringColumn.create(Stamp.COLUMNS.get(c), rows).setMissingTo(values.get(c)));
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            out.write().csv(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Reads a results or imported CSV; text columns stay text, numbers become numbers. */
    public static Table read(Path file) {
        try {
            return Table.read().csv(CsvReadOptions.builder(file.toFile())
                    .columnTypesToDetect(List.of(ColumnType.INTEGER, ColumnType.LONG, ColumnType.DOUBLE, ColumnType.STRING))
                    .missingValueIndicator("")
                    .build());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("reading CSV " + file + ": " + e.getMessage(), e);
        }
    }

    /** The value at {@code row} of a numeric column as a double, whatever numeric type was detected. */
    public static double number(Table table, String column, int row) {
        Column<?> c = table.column(column);
        if (c instanceof DoubleColumn d) {
            return d.getDouble(row);
        }
        if (c instanceof IntColumn i) {
            return i.getInt(row);
        }
        if (c instanceof LongColumn l) {
            return l.getLong(row);
        }
        String text = c.getString(row);
        return switch (text) {
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** The value at {@code row} of any column as text. */
    public static String text(Table table, String column, int row) {
        return table.column(column).getString(row);
    }
}
