package dev.attnref.report;

import java.util.List;
import java.util.Locale;

/** Small Markdown helpers for the report: tables, numbers, escaping. */
public final class Markdown {
    private Markdown() {
    }

    /** A pipe table; cells are escaped ({@code |} and line breaks). */
    public static String table(List<String> headers, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", headers.stream().map(Markdown::cell).toList())).append(" |\n");
        sb.append("|").append("---|".repeat(headers.size())).append("\n");
        for (List<String> row : rows) {
            if (row.size() != headers.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " cells; table has " + headers.size()
                        + " columns " + headers);
            }
            sb.append("| ").append(String.join(" | ", row.stream().map(Markdown::cell).toList())).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /**
     * A number with 3 significant digits: plain for 0.001 ≤ |x| &lt; 1e6, otherwise scientific;
     * integers below 1e9 in full with thousands separators.
     */
    public static String num(double x) {
        if (Double.isNaN(x)) {
            return "–";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "∞" : "−∞";
        }
        if (x == Math.rint(x) && Math.abs(x) < 1e9) {
            return String.format(Locale.ROOT, "%,d", (long) x);
        }
        double a = Math.abs(x);
        if (a >= 1e-3 && a < 1e6) {
            int decimals = Math.max(0, 2 - (int) Math.floor(Math.log10(a)));
            return String.format(Locale.ROOT, "%." + decimals + "f", x);
        }
        return String.format(Locale.ROOT, "%.2e", x);
    }

    /** Bytes in binary units: {@code 70.3 KiB}, {@code 1.50 MiB}, {@code 80.0 GB} (decimal for ≥ 1e9 capacities). */
    public static String bytes(double b) {
        if (b < 1024) {
            return num(b) + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024);
        }
        if (b < 1e9) {
            return String.format(Locale.ROOT, "%.2f MiB", b / 1024 / 1024);
        }
        return String.format(Locale.ROOT, "%.1f GB", b / 1e9);
    }

    /** A time in seconds as µs, ms or s with 3 significant digits. */
    public static String seconds(double s) {
        if (s < 1e-3) {
            return num(s * 1e6) + " µs";
        }
        if (s < 1) {
            return num(s * 1e3) + " ms";
        }
        return num(s) + " s";
    }
}
