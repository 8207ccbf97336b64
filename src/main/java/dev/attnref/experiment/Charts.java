package dev.attnref.experiment;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Charts of experiment results (XChart), written headless as PNG and SVG.
 *
 * <p>SVG needs XChart's optional dependency {@code de.erichseifert.vectorgraphics2d:VectorGraphics2D};
 * when it is not on the classpath the PNG is still written and {@link #save} reports the SVG as
 * skipped (the caller prints it), never silently.
 *
 * <p>Checked by {@code ExperimentFrameworkTest}.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int BAR_HEIGHT = 720;
    private static final int BAR_WIDTH = 1300;
    private static final String SVG_CLASS = "de.erichseifert.vectorgraphics2d.svg.SVGProcessor";
    /** Ten distinct colours for measured series with spreads (Tableau 10): XChart's default palette repeats after 6. */
    private static final Color[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759),
        new Color(0x76B7B2), new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7),
        new Color(0x9C755F), new Color(0xBAB0AC)};

    private Charts() {
    }

    /** Whether SVG can be written in this JVM. */
    public static boolean svgAvailable() {
        try {
            Class.forName(SVG_CLASS, false, Charts.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** A line chart; log axes where asked (every plotted value must then be &gt; 0). */
    public static XYChart lines(String title, String xTitle, String yTitle, boolean logX, boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setXAxisDecimalPattern(logX ? "#,###" : null);
        return chart;
    }

    /** Adds a measured series: line with markers. */
    public static void series(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        chart.addSeries(name, x, y);
    }

    /**
     * Adds a measured series with its spread: the line through the medians, and at each point a
     * vertical bar from {@code low} to {@code high} (e.g. min and max over the rounds) in the same colour,
     * not in the legend.
     */
    public static void series(XYChart chart, String name, double[] x, double[] median, double[] low, double[] high) {
        checkLengths(name, x, median);
        checkLengths(name, x, low);
        checkLengths(name, x, high);
        int measured = (int) chart.getSeriesCollection().stream().filter(s -> s.getMarker() != SeriesMarkers.NONE).count();
        Color color = PALETTE[measured % PALETTE.length];
        XYSeries line = chart.addSeries(name, x, median);
        line.setLineColor(color);
        line.setMarkerColor(color);
        for (int i = 0; i < x.length; i++) {
            XYSeries bar = chart.addSeries(name + " [" + i + "]", new double[] {x[i], x[i]}, new double[] {low[i], high[i]});
            bar.setLineColor(color);
            bar.setMarker(SeriesMarkers.NONE);
            bar.setShowInLegend(false);
        }
    }

    /** Adds a modelled series: dashed line, no markers; returns it (e.g. to give it a measured series' colour). */
    public static XYSeries modelled(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        return s;
    }

    /** Adds imported points from another machine: markers only. */
    public static void imported(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
    }

    /** A bar chart over categories; with a log axis a dot plot (XChart draws no bars on log axes). */
    public static CategoryChart bars(String title, String xTitle, String yTitle, boolean logY) {
        CategoryChart chart = new CategoryChartBuilder().width(BAR_WIDTH).height(BAR_HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setXAxisTickMarkSpacingHint(8);
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        if (logY) {
            chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        }
        return chart;
    }

    /**
     * Writes {@code dir/name.png} and, when available, {@code dir/name.svg}.
     *
     * @return the files written
     */
    public static List<Path> save(Chart<?, ?> chart, Path dir, String name) {
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            Path png = dir.resolve(name + ".png");
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(png);
            if (svgAvailable()) {
                Path svg = dir.resolve(name + ".svg");
                VectorGraphicsEncoder.saveVectorGraphic(chart, svg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                written.add(svg);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing chart " + dir.resolve(name), e);
        }
        return written;
    }

    private static void checkLengths(String name, double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("series " + name + " has " + x.length + " x and " + y.length
                    + " y values; expected the same positive number");
        }
    }
}
