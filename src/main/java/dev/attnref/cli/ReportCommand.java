package dev.attnref.cli;

import dev.attnref.experiment.Experiment;
import dev.attnref.experiment.ExperimentRunner;
import dev.attnref.experiment.Experiments;
import dev.attnref.experiment.Spec;
import dev.attnref.report.ReportBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code attnref report [--quick] [--out FILE]}: regenerates REPORT.md from the committed experiment
 * results (seconds); with {@code --quick} it first reruns every experiment's quick block and builds the
 * report from those results. Presentation only; the work is in {@link ReportBuilder}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Regenerate REPORT.md from committed results; --quick reruns the quick experiments first.")
public final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Rerun every experiment's quick block first and report its results.")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of REPORT.md at the repository root.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        Path root = ExperimentRunner.root();
        long start = System.nanoTime();
        if (quick) {
            int threads = Runtime.getRuntime().availableProcessors();
            for (Experiment e : Experiments.all()) {
                ExperimentRunner.run(e, root, Spec.Mode.QUICK, null, null, threads, stdout);
            }
        }
        Path file = out != null ? out : root.resolve("REPORT.md");
        new ReportBuilder(root, quick).write(file);
        stdout.printf("wrote %s in %.1f s%n", file, (System.nanoTime() - start) / 1e9);
        stdout.flush();
        return 0;
    }
}
