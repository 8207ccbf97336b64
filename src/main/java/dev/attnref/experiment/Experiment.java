package dev.attnref.experiment;

/**
 * One experiment: a folder {@code experiments/<folder>/} with {@code README.md}, {@code spec.json},
 * {@code results/*.csv} and {@code charts/*.png|svg}. {@link #run} reads the spec block of the
 * context's mode and writes its results and charts through the context.
 */
public interface Experiment {

    /** Short id used on the command line and in the claims ledger, e.g. {@code E02}. */
    String id();

    /** Folder name under {@code experiments/}, e.g. {@code E02-decode}. */
    String folder();

    /** One-line title. */
    String title();

    /** Runs the experiment; progress goes to {@link ExperimentContext#progress}. Its last step draws the charts. */
    void run(ExperimentContext context);

    /** Draws the charts from the results CSVs alone: nothing is measured, so a chart fix never needs a rerun. */
    void drawCharts(ChartFolder charts);
}
