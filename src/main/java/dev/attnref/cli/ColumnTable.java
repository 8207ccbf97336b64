package dev.attnref.cli;

import java.util.List;

/** Left-aligned plain-text columns for the CLI's listings: a header, a rule, one line per row. */
final class ColumnTable {
    private ColumnTable() {
    }

    /** Renders {@code rows} under {@code header}; every row has as many cells as the header. */
    static String render(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
        }
        for (List<String> row : rows) {
            if (row.size() != width.length) {
                throw new IllegalArgumentException("row has " + row.size() + " cells; expected " + width.length);
            }
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.append(rule).append('\n');
        for (List<String> row : rows) {
            line(out, row, width);
        }
        return out.toString();
    }

    /** {@code text}'s first line, cut at a word boundary to at most {@code max} characters with "…" when anything is left out. */
    static String shorten(String text, int max) {
        String first = text.lines().findFirst().orElse("");
        boolean more = !first.equals(text.strip());
        if (first.length() <= max && !more) {
            return first;
        }
        String cut = first.length() <= max - 1 ? first : first.substring(0, max - 1);
        int space = cut.lastIndexOf(' ');
        return (first.length() > max - 1 && space > max / 2 ? cut.substring(0, space) : cut).stripTrailing() + "…";
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            line.append(c == 0 ? "" : "  ").append(cells.get(c));
            if (c < width.length - 1) {
                line.append(" ".repeat(width[c] - cells.get(c).length()));
            }
        }
        out.append(line).append('\n');
    }
}
