package dev.attnref.report;

import java.nio.file.Path;

/**
 * Draws the charts of the derived report sections (quoted results, deployment memory) into {@code docs/charts/}.
 * They come from the project's data alone, nothing timed, so `./attnref report` redraws them on every run.
 */
final class DerivedCharts {
    private DerivedCharts() {
    }

    /** Every derived chart, as PNG (and SVG where available) under {@code dir}. */
    static void draw(Path dir) {
        QuotedResults.chart(dir);
        DeploymentMemory.charts(dir);
    }
}
