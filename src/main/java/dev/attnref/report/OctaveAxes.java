package dev.attnref.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Log₂ axes with a tick at every octave for the report's own charts. XChart's logarithmic axes tick only
 * at powers of ten, so a series is plotted at log₂ of its values on a linear axis with a tick per unit, and
 * each tick is labelled with 2^k in the axis's units.
 */
final class OctaveAxes {
    /**
     * Tick spacing hints as a share of the chart's size per octave: XChart picks the step 1 when the hint is near the
     * pixels one unit spans (the plot takes about this share of the chart, legend below).
     */
    private static final double PLOT_WIDTH = 0.8;
    private static final double PLOT_HEIGHT = 0.45;

    private OctaveAxes() {
    }

    /** log₂ of every value; each must be &gt; 0. */
    static double[] log2(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0)) {
                throw new IllegalArgumentException("value " + i + " (" + values[i] + ") must be > 0 on a log axis");
            }
            out[i] = Math.log(values[i]) / Math.log(2);
        }
        return out;
    }

    /**
     * The x axis spans octaves {@code from}..{@code to} (exponents of 2), one labelled tick each; the legend goes
     * below the plot so that the plot's width, and so the pixels per octave, is known.
     */
    static void x(XYChart chart, int from, int to, DoubleFunction<String> label) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisMin((double) from).setXAxisMax((double) to);
        chart.getStyler().setXAxisTickMarkSpacingHint((int) (PLOT_WIDTH * chart.getWidth() / (to - from)));
        chart.setCustomXAxisTickLabelsFormatter(k -> octave(k, label));
    }

    /** The y axis spans octaves {@code from}..{@code to}, one labelled tick each. */
    static void y(XYChart chart, int from, int to, DoubleFunction<String> label) {
        chart.getStyler().setYAxisMin((double) from).setYAxisMax((double) to);
        chart.getStyler().setYAxisTickMarkSpacingHint((int) (PLOT_HEIGHT * chart.getHeight() / (to - from)));
        chart.setCustomYAxisTickLabelsFormatter(k -> octave(k, label));
    }

    /** Tableau 10, purple before yellow: ten colours no two alike, neighbours far apart. */
    private static final Color[] COLOURS = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759),
        new Color(0x76B7B2), new Color(0x59A14F), new Color(0xB07AA1), new Color(0xEDC948), new Color(0xFF9DA7),
        new Color(0x9C755F), new Color(0xBAB0AC)};

    /** Gives every solid series its own colour, in order; dashed (modelled) series stay grey. */
    static void distinctColours(XYChart chart) {
        int i = 0;
        for (XYSeries s : chart.getSeriesCollection()) {
            Color c = s.getMarker() == SeriesMarkers.NONE ? Color.GRAY : COLOURS[i++ % COLOURS.length];
            s.setLineColor(c);
            s.setMarkerColor(c);
        }
    }

    private static String octave(double k, DoubleFunction<String> label) {
        return Math.abs(k - Math.rint(k)) < 1e-9 ? label.apply(Math.pow(2, Math.rint(k))) : "";
    }

    /** 4K, 128K, 1M: a token count at an octave. */
    static String tokens(double n) {
        if (n >= 1 << 20) {
            return String.format(Locale.ROOT, "%.0fM", n / (1 << 20));
        }
        return n >= 1024 ? String.format(Locale.ROOT, "%.0fK", n / 1024) : String.format(Locale.ROOT, "%.0f", n);
    }

    /** 1/64, 1/2, 1, 8: a power of two as a fraction or a whole number. */
    static String power(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : "1/" + String.format(Locale.ROOT, "%.0f", 1 / v);
    }
}
