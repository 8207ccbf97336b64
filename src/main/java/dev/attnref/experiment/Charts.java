package dev.attnref.experiment;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.AxesChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Charts of experiment results (XChart), written headless as PNG and SVG, under these rules:
 * <ul>
 *   <li><b>Octave axes.</b> A log axis ({@link #lines} with {@code logX}/{@code logY}) is drawn in log₂: a tick
 *       at every power of two ({@code 1K, 2K, …} on x; {@code 0.5, 1, 2, …, 2⁻²⁴} on y), never only decades.
 *       Series are given in natural units; {@link #save} maps them to log₂ when it draws.</li>
 *   <li><b>Distinct series.</b> Each measured series gets its own colour and marker (no two alike, at
 *       most {@value #MAX_SERIES} a chart: more go into panels, {@link #save(String, List, int, Path, String)}),
 *       and on a log or category x axis a small sideways offset, so that no series hides another.</li>
 *   <li><b>Spread.</b> {@link #series(XYChart, String, double[], double[], double[], double[])} draws an
 *       error bar with caps at every point.</li>
 *   <li><b>Guides and references</b> ({@link #modelled}, {@link #horizontal}): dark, dashed, each its own dash.</li>
 *   <li><b>Titles</b> are drawn above the chart and wrapped, never clipped.</li>
 * </ul>
 * The same charts give the same bytes (PNG; SVG when available). SVG needs XChart's optional dependency
 * {@code de.erichseifert.vectorgraphics2d:VectorGraphics2D}; without it the PNG is still written and
 * {@link #save} returns only the PNG, never silently (the caller reports it).
 *
 * <p>Checked by {@code ChartsTest} and {@code ExperimentFrameworkTest}.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Most measured series one chart may hold; past it, split the chart into panels. */
    public static final int MAX_SERIES = 8;
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    /** Category charts are taller: their names stand rotated under the axis. */
    private static final int CATEGORY_WIDTH = 1100;
    private static final int CATEGORY_HEIGHT = 760;
    private static final String SVG_CLASS = "de.erichseifert.vectorgraphics2d.svg.SVGProcessor";
    /** Okabe–Ito's colour-blind-safe palette (yellow swapped for dark grey, which reads on white), one per series. */
    private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0x7F7F7F)};
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS,
        SeriesMarkers.TRAPEZOID};
    /** Dash patterns of guides and references, one per line, all dark. */
    private static final float[][] DASHES = {{8f, 4f}, {2f, 3f}, {12f, 3f, 2f, 3f}, {4f, 4f}, {16f, 4f}};
    /** Line of a measured series and of its error bars: shared instances, so a chart can count its series. */
    private static final BasicStroke MEASURED = new BasicStroke(1.8f);
    private static final BasicStroke BAR = new BasicStroke(1.2f);
    private static final Color[] GUIDE_COLOURS = {new Color(0x222222), new Color(0x555555)};
    /** Sideways offset between series, in octaves (log x) or categories. */
    private static final double DODGE_OCTAVES = 0.06;
    private static final double DODGE_CATEGORIES = 0.09;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final int TITLE_PAD = 8;
    private static final Font CATEGORY_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS_TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);

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

    /** A line chart; log axes where asked (octave ticks; every plotted value must then be &gt; 0). */
    public static XYChart lines(String title, String xTitle, String yTitle, boolean logX, boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        return chart;
    }

    /**
     * A dot chart over named categories on x (markers only, names rotated under the axis); add series with
     * x = the category's index ({@link #indices}).
     */
    public static XYChart categories(String title, String xTitle, String yTitle, List<String> names, boolean logY) {
        XYChart chart = new CategoryAxisChart(List.copyOf(names));
        chart.setTitle(title);
        chart.setXAxisTitle(xTitle);
        chart.setYAxisTitle(yTitle);
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        // the names are drawn under the plot by Figure, at each category's x; XChart's own ticks would not match them
        chart.getStyler().setXAxisTicksVisible(false);
        chart.getStyler().setXAxisTitleVisible(false);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        return chart;
    }

    /** Index of each of {@code names} among the categories {@code all}: a series' x on a {@link #categories} chart. */
    public static double[] indices(List<String> all, List<String> names) {
        return names.stream().mapToDouble(n -> {
            int i = all.indexOf(n);
            if (i < 0) {
                throw new IllegalArgumentException("category (" + n + ") is not one of " + all);
            }
            return i;
        }).toArray();
    }

    /** Adds a measured series: line (none on a category chart) with its own colour and marker. */
    public static XYSeries series(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        int k = nextMeasured(chart, name);
        XYSeries s = chart.addSeries(name, dodge(chart, x, k), y);
        s.setLineColor(PALETTE[k]);
        s.setMarkerColor(PALETTE[k]);
        s.setMarker(MARKERS[k]);
        s.setLineStyle(MEASURED);
        return s;
    }

    /**
     * Adds a measured series with its spread: the line through the medians and at each point an error bar
     * with caps from {@code low} to {@code high} (e.g. min and max over the rounds) in the series' colour,
     * not in the legend.
     */
    public static XYSeries series(XYChart chart, String name, double[] x, double[] median, double[] low, double[] high) {
        checkLengths(name, x, low);
        checkLengths(name, x, high);
        XYSeries line = series(chart, name, x, median);
        double[] at = line.getXData();
        boolean log = chart.getStyler().isXAxisLogarithmic();
        double cap = chart instanceof CategoryAxisChart ? DODGE_CATEGORIES / 3 : log ? DODGE_OCTAVES / 2 : 0;
        for (int i = 0; i < x.length; i++) {
            double left = log ? at[i] * Math.pow(2, -cap) : at[i] - cap;
            double right = log ? at[i] * Math.pow(2, cap) : at[i] + cap;
            XYSeries bar = chart.addSeries(name + " [" + i + "]", new double[] {left, right, at[i], at[i], left, right},
                    new double[] {low[i], low[i], low[i], high[i], high[i], high[i]});
            bar.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            bar.setLineColor(line.getLineColor());
            bar.setLineStyle(BAR);
            bar.setMarker(SeriesMarkers.NONE);
            bar.setShowInLegend(false);
        }
        return line;
    }

    /**
     * Adds a modelled series or guide: dashed, no markers, dark, each with its own dash; returns it (e.g. to
     * give it a measured series' colour).
     */
    public static XYSeries modelled(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        int j = (int) chart.getSeriesCollection().stream()
                .filter(s -> s.getMarker() == SeriesMarkers.NONE && s.getLineStyle() != BAR).count();
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(GUIDE_COLOURS[j % GUIDE_COLOURS.length]);
        s.setLineStyle(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASHES[j % DASHES.length], 0f));
        return s;
    }

    /** A horizontal reference at {@code y} across the x range of the series so far (e.g. 1.0 on a ratio chart). */
    public static XYSeries horizontal(XYChart chart, String name, double y) {
        double[] range = xRange(chart);
        return modelled(chart, name, range, new double[] {y, y});
    }

    /** Adds imported points from another machine: black diamonds, no line. */
    public static XYSeries imported(XYChart chart, String name, double[] x, double[] y) {
        checkLengths(name, x, y);
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setMarkerColor(Color.BLACK);
        return s;
    }

    /**
     * A bar chart over categories (XChart's own; experiments use {@link #categories}); with a log axis a dot
     * plot on an octave axis.
     */
    public static CategoryChart bars(String title, String xTitle, String yTitle, boolean logY) {
        CategoryChart chart = new CategoryChartBuilder().width(1300).height(720).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setXAxisLabelRotation(90);
        if (logY) {
            chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        }
        return chart;
    }

    /**
     * Writes {@code dir/name.png} and, when available, {@code dir/name.svg}: the chart under its title.
     *
     * @return the files written
     */
    public static List<Path> save(Chart<?, ?> chart, Path dir, String name) {
        prepare(chart);
        chart.getStyler().setChartTitleVisible(false);
        return write(new Figure(chart.getTitle(), List.of(chart), 1), dir, name);
    }

    /**
     * Writes several charts as panels of one figure, {@code columns} a row, under one (wrapped) title; each
     * panel keeps its own title.
     *
     * @return the files written
     */
    public static List<Path> save(String title, List<? extends Chart<?, ?>> panels, int columns, Path dir, String name) {
        if (panels.isEmpty() || columns < 1) {
            throw new IllegalArgumentException("figure " + name + " has " + panels.size() + " panels in " + columns
                    + " columns; expected ≥ 1 of each");
        }
        panels.forEach(Charts::prepare);
        return write(new Figure(title, panels, columns), dir, name);
    }

    private static List<Path> write(Figure figure, Path dir, String name) {
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            Path png = dir.resolve(name + ".png");
            ImageIO.write(figure.image(), "png", png.toFile());
            written.add(png);
            if (svgAvailable()) {
                Path svg = dir.resolve(name + ".svg");
                try (OutputStream out = Files.newOutputStream(svg)) {
                    Svg.write(figure, out);
                }
                written.add(svg);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing chart " + dir.resolve(name), e);
        }
        return written;
    }

    /**
     * Octave label of 2^v: {@code 1K}, {@code 512}, {@code 0.25}, {@code 2⁻²⁴}. Off an octave, the label of the
     * octave below: XChart refuses a set of ticks whose labels repeat, so it never keeps a tick between octaves.
     */
    static String octaveLabel(double v, boolean xAxis) {
        long k = Math.round(v);
        if (Math.abs(v - k) > 1e-6) {
            return octaveLabel(Math.floor(v), xAxis);
        }
        if (k >= 10 && k < 40 && (xAxis || k >= 14)) {
            String[] suffix = {"K", "M", "G"};
            return (1L << (k % 10)) + suffix[(int) (k / 10) - 1];
        }
        if (k >= 0 && k < 14) {
            return String.format(Locale.ROOT, "%,d", 1L << k);
        }
        if (k < 0 && k >= -4) {
            return new BigDecimal(Math.pow(2, k)).toPlainString();
        }
        return "2" + superscript(k);
    }

    private static String superscript(long k) {
        String digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        StringBuilder b = new StringBuilder(k < 0 ? "⁻" : "");
        for (char c : Long.toString(Math.abs(k)).toCharArray()) {
            b.append(digits.charAt(c - '0'));
        }
        return b.toString();
    }

    private static void style(Styler styler) {
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendBorderColor(new Color(0xBBBBBB));
        styler.setChartTitleFont(TITLE_FONT.deriveFont(13f));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (styler instanceof AxesChartStyler axes) {
            axes.setAxisTickLabelsFont(CATEGORY_FONT);
            axes.setAxisTitleFont(AXIS_TITLE_FONT);
            axes.setPlotGridLinesColor(new Color(0xDDDDDD));
            axes.setPlotGridLinesStroke(new BasicStroke(0.8f));
            axes.setMarkerSize(9);
        }
    }

    /** The index of the next measured series, refused past {@value #MAX_SERIES}. */
    private static int nextMeasured(XYChart chart, String name) {
        int k = (int) chart.getSeriesCollection().stream().filter(s -> s.getLineStyle() == MEASURED).count();
        if (k >= MAX_SERIES) {
            throw new IllegalArgumentException("chart '" + chart.getTitle() + "' would get a measured series number "
                    + (k + 1) + " (" + name + "); at most " + MAX_SERIES + " a chart: split it into panels");
        }
        return k;
    }

    /** x moved sideways by the series' offset k·δ on a log or category x axis; {@link #prepare} centres them. */
    private static double[] dodge(XYChart chart, double[] x, int k) {
        double step = k;
        if (chart.getStyler().isXAxisLogarithmic()) {
            return Arrays.stream(x).map(v -> v * Math.pow(2, step * DODGE_OCTAVES)).toArray();
        }
        if (chart instanceof CategoryAxisChart) {
            return Arrays.stream(x).map(v -> v + step * DODGE_CATEGORIES).toArray();
        }
        return x.clone();
    }

    private static double[] xRange(XYChart chart) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (XYSeries s : chart.getSeriesCollection()) {
            for (double v : s.getXData()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min > max) {
            throw new IllegalArgumentException("chart '" + chart.getTitle() + "' has no series yet; a horizontal "
                    + "reference spans the series' x range");
        }
        return new double[] {min, max};
    }

    /**
     * Readies a chart to be drawn: every log axis redrawn as a linear axis in log₂ with a label at every octave. The series' values become log₂ values once (the log flags
     * are cleared, so a second save leaves them as they are).
     */
    private static void prepare(Chart<?, ?> chart) {
        if (!(chart.getStyler() instanceof AxesChartStyler styler)) {
            return;
        }
        boolean logX = styler.isXAxisLogarithmic();
        boolean logY = styler.isYAxisLogarithmic();
        if (chart instanceof CategoryAxisChart categories && !categories.centred) {
            double shift = centring(categories) * DODGE_CATEGORIES;
            for (XYSeries s : List.copyOf(categories.getSeriesCollection())) {
                categories.updateXYSeries(s.getName(), Arrays.stream(s.getXData()).map(v -> v - shift).toArray(), s.getYData(), null);
            }
            categories.centred = true;
        }
        if (!logX && !logY) {
            return;
        }
        double[] xSpan = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] ySpan = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        if (chart instanceof XYChart xy) {
            double shift = logX ? centring(xy) * DODGE_OCTAVES : 0;
            for (XYSeries s : List.copyOf(xy.getSeriesCollection())) {
                double[] x = logX ? Arrays.stream(log2(chart, s.getName(), s.getXData(), xSpan)).map(v -> v - shift).toArray()
                        : s.getXData();
                double[] y = logY ? log2(chart, s.getName(), s.getYData(), ySpan) : s.getYData();
                xy.updateXYSeries(s.getName(), x, y, null);
            }
        } else if (chart instanceof CategoryChart category) {
            for (CategorySeries s : List.copyOf(category.getSeriesCollection())) {
                double[] y = log2(chart, s.getName(), s.getYData(), ySpan);
                category.updateCategorySeries(s.getName(), new ArrayList<>(s.getXData()), Arrays.stream(y).boxed().toList(), null);
            }
        }
        styler.setXAxisLogarithmic(false);
        styler.setYAxisLogarithmic(false);
        if (logX) {
            octaveAxis(styler, xSpan, true);
        }
        if (logY) {
            octaveAxis(styler, ySpan, false);
        }
        if (logY && chart instanceof CategoryAxisChart) {
            // XChart lays out this axis without refusing repeated labels: whole octaves at its ends, blanks between
            styler.setYAxisMin(Math.floor(ySpan[0])).setYAxisMax(Math.max(Math.ceil(ySpan[1]), Math.floor(ySpan[0]) + 1));
            styler.setyAxisTickLabelsFormattingFunction(v -> Math.abs(v - Math.rint(v)) < 1e-6 ? octaveLabel(v, false) : "");
        }
        octaveSpacing((AxesChart<?, ?>) chart, logX ? xSpan : null, logY ? ySpan : null);
    }

    /**
     * Sets the tick spacing hint of each octave axis to about one octave's length on screen, measured by
     * drawing the chart once: XChart steps by 1, 2 or 5 units and keeps the first step whose labels fit, so
     * it then puts a tick at every octave wherever the labels fit.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void octaveSpacing(AxesChart chart, double[] xSpan, double[] ySpan) {
        Graphics2D g = new BufferedImage(chart.getWidth(), chart.getHeight(), BufferedImage.TYPE_INT_RGB).createGraphics();
        chart.paint(g, chart.getWidth(), Figure.plotHeight(chart));
        g.dispose();
        AxesChartStyler styler = (AxesChartStyler) chart.getStyler();
        // XChart maps only values inside the axis range: measure across the middle half of it. The hint is at
        // most a third of the axis, so that a short axis (a ratio near 1) still gets several ticks.
        if (xSpan != null) {
            double[] r = range(xSpan);
            double octave = Math.abs(chart.getScreenXFromChart(quarter(r, 3)) - chart.getScreenXFromChart(quarter(r, 1)))
                    / (quarter(r, 3) - quarter(r, 1));
            styler.setXAxisTickMarkSpacingHint(hint(1.1 * octave, octave * (r[1] - r[0])));
        }
        if (ySpan != null) {
            double[] r = range(ySpan);
            double octave = Math.abs(chart.getScreenYFromChart(quarter(r, 3)) - chart.getScreenYFromChart(quarter(r, 1)))
                    / (quarter(r, 3) - quarter(r, 1));
            // a category chart's y ticks are laid out before its x axis gives up its (hidden) labels' height
            double share = chart instanceof CategoryAxisChart ? 0.75 : 1.1;
            styler.setYAxisTickMarkSpacingHint(hint(share * octave, octave * (r[1] - r[0])));
        }
    }

    private static double quarter(double[] range, int k) {
        return range[0] + (range[1] - range[0]) * k / 4;
    }

    private static int hint(double perOctave, double axis) {
        return (int) Math.max(15, Math.round(Math.min(perOctave, axis / 3)));
    }

    /** An axis' range: the span, or, under one octave, the whole octaves around it with some room at each end. */
    private static double[] range(double[] span) {
        if (span[1] - span[0] >= 1) {
            return span;
        }
        double low = Math.floor(span[0] - 0.05);
        return new double[] {low, Math.max(Math.ceil(span[1] + 0.05), low + 1)};
    }

    /** Half the spread of the measured series' offsets, in steps: subtracted, it centres them on their x. */
    private static double centring(XYChart chart) {
        long measured = chart.getSeriesCollection().stream().filter(s -> s.getLineStyle() == MEASURED).count();
        return Math.max(0, measured - 1) / 2.0;
    }

    /** Octave labels on one axis; a span under one octave is widened to the octaves around it. */
    private static void octaveAxis(AxesChartStyler styler, double[] span, boolean xAxis) {
        Function<Double, String> labels = v -> octaveLabel(v, xAxis);
        if (span[1] - span[0] < 1) {
            double[] range = range(span);
            if (xAxis) {
                styler.setXAxisMin(range[0]).setXAxisMax(range[1]);
            } else {
                styler.setYAxisMin(range[0]).setYAxisMax(range[1]);
            }
        }
        if (xAxis) {
            styler.setxAxisTickLabelsFormattingFunction(labels);
        } else {
            styler.setyAxisTickLabelsFormattingFunction(labels);
        }
    }

    private static double[] log2(Chart<?, ?> chart, String series, double[] values, double[] span) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0) || Double.isInfinite(values[i])) {
                throw new IllegalArgumentException("chart '" + chart.getTitle() + "', series " + series + " has value "
                        + values[i] + " on a log axis; expected a finite value > 0");
            }
            out[i] = Math.log(values[i]) / Math.log(2);
            span[0] = Math.min(span[0], out[i]);
            span[1] = Math.max(span[1], out[i]);
        }
        return out;
    }

    private static void checkLengths(String name, double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("series " + name + " has " + x.length + " x and " + y.length
                    + " y values; expected the same positive number");
        }
    }

    /** An XY chart whose x axis holds named categories at 0, 1, …, n − 1; {@link Figure} draws their names. */
    private static final class CategoryAxisChart extends XYChart {
        private final List<String> names;
        /** Whether {@link #prepare} has centred the series' offsets. */
        private boolean centred;

        CategoryAxisChart(List<String> names) {
            super(CATEGORY_WIDTH, CATEGORY_HEIGHT);
            this.names = names;
        }
    }

    /** SVG through VectorGraphics2D (XChart's own encoder draws one chart; a figure has several). */
    private static final class Svg {
        static void write(Figure figure, OutputStream out) throws IOException {
            VectorGraphics2D g = new VectorGraphics2D();
            figure.paint(g);
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, figure.width(), figure.height()))
                    .writeTo(out);
        }
    }

    /** Panels in a grid under a wrapped title, painted the same way to PNG and SVG. */
    static final class Figure {
        private final List<String> titleLines;
        private final List<? extends Chart<?, ?>> panels;
        private final int columns;
        private final int panelWidth;
        private final int width;
        private final int height;
        private final int header;

        Figure(String title, List<? extends Chart<?, ?>> panels, int columns) {
            this.panels = panels;
            this.columns = Math.min(columns, panels.size());
            this.panelWidth = panels.stream().mapToInt(Chart::getWidth).max().orElseThrow();
            this.width = panelWidth * this.columns;
            this.titleLines = wrap(title, width - 2 * TITLE_PAD);
            this.header = titleLines.isEmpty() ? 0 : TITLE_PAD * 2 + titleLines.size() * lineHeight();
            this.height = header + IntStream.range(0, rows()).map(this::rowHeight).sum();
        }

        private int rows() {
            return (panels.size() + columns - 1) / columns;
        }

        /** The tallest panel of row {@code r}. */
        private int rowHeight(int r) {
            return panels.subList(r * columns, Math.min(panels.size(), (r + 1) * columns)).stream()
                    .mapToInt(Figure::panelHeight).max().orElseThrow();
        }

        int width() {
            return width;
        }

        int height() {
            return height;
        }

        BufferedImage image() {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            paint(g);
            g.dispose();
            return image;
        }

        void paint(Graphics2D g) {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setFont(TITLE_FONT);
            g.setColor(Color.BLACK);
            FontMetrics metrics = g.getFontMetrics();
            for (int i = 0; i < titleLines.size(); i++) {
                String line = titleLines.get(i);
                g.drawString(line, (width - metrics.stringWidth(line)) / 2,
                        TITLE_PAD + metrics.getAscent() + i * lineHeight());
            }
            for (int p = 0; p < panels.size(); p++) {
                int x = (p % columns) * panelWidth;
                int y = header + IntStream.range(0, p / columns).map(this::rowHeight).sum();
                g.translate(x, y);
                paintPanel(panels.get(p), g);
                g.translate(-x, -y);
            }
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private void paintPanel(Chart chart, Graphics2D g) {
            if (!(chart instanceof CategoryAxisChart categories)) {
                chart.paint(g, chart.getWidth(), chart.getHeight());
                return;
            }
            // the chart above a strip that holds each category's name, rotated, under its x, then the axis title
            FontMetrics names = g.getFontMetrics(CATEGORY_FONT);
            FontMetrics title = g.getFontMetrics(AXIS_TITLE_FONT);
            int longest = categories.names.stream().mapToInt(names::stringWidth).max().orElse(0);
            int plotHeight = plotHeight(chart);
            chart.paint(g, chart.getWidth(), plotHeight);
            g.setColor(Color.BLACK);
            g.setFont(CATEGORY_FONT);
            for (int i = 0; i < categories.names.size(); i++) {
                String name = categories.names.get(i);
                double x = categories.getScreenXFromChart(i);
                Graphics2D rotated = (Graphics2D) g.create();
                rotated.translate(x, plotHeight + names.stringWidth(name));
                rotated.rotate(-Math.PI / 2);
                rotated.drawString(name, 0, (names.getAscent() - names.getDescent()) / 2f);
                rotated.dispose();
            }
            g.setFont(AXIS_TITLE_FONT);
            String axis = categories.getXAxisTitle();
            g.drawString(axis, (chart.getWidth() - title.stringWidth(axis)) / 2,
                    plotHeight + longest + TITLE_PAD + title.getAscent());
        }

        /** A panel's height: XChart's paint sets a chart's height to the one it is drawn at, so a category chart keeps its own. */
        static int panelHeight(Chart<?, ?> chart) {
            return chart instanceof CategoryAxisChart ? CATEGORY_HEIGHT : chart.getHeight();
        }

        /** The height XChart draws a panel in: all of it, less the strip of category names under a category chart. */
        static int plotHeight(Chart<?, ?> chart) {
            if (!(chart instanceof CategoryAxisChart categories)) {
                return chart.getHeight();
            }
            Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            int longest = categories.names.stream().mapToInt(g.getFontMetrics(CATEGORY_FONT)::stringWidth).max().orElse(0);
            int title = g.getFontMetrics(AXIS_TITLE_FONT).getHeight();
            g.dispose();
            return CATEGORY_HEIGHT - longest - title - 3 * TITLE_PAD;
        }

        private static int lineHeight() {
            return TITLE_FONT.getSize() + 6;
        }

        /** Greedy word wrap at {@code maxWidth} pixels of the title font. */
        private static List<String> wrap(String text, int maxWidth) {
            List<String> lines = new ArrayList<>();
            if (text == null || text.isBlank()) {
                return lines;
            }
            Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            FontMetrics metrics = g.getFontMetrics(TITLE_FONT);
            StringBuilder line = new StringBuilder();
            for (String word : text.split(" ")) {
                String candidate = line.isEmpty() ? word : line + " " + word;
                if (metrics.stringWidth(candidate) > maxWidth && !line.isEmpty()) {
                    lines.add(line.toString());
                    line = new StringBuilder(word);
                } else {
                    line = new StringBuilder(candidate);
                }
            }
            lines.add(line.toString());
            g.dispose();
            return lines;
        }
    }
}
