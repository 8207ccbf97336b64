package dev.attnref.cli;

import dev.attnref.experiment.Experiment;
import dev.attnref.experiment.ExperimentRunner;
import dev.attnref.experiment.Experiments;
import dev.attnref.experiment.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code attnref experiment <id> [--quick]}, {@code attnref experiment --all [--quick]},
 * {@code attnref experiment --list}: runs experiments from {@code experiments/<id>/spec.json} and
 * writes their results and charts. Presentation only; the work is in {@link ExperimentRunner}.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run an experiment (or all) and write experiments/<id>/results/*.csv and charts/*.png|svg.")
public final class ExperimentCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "Experiment id (E01 … E08) or folder name.")
    String id;

    @Option(names = "--all", description = "Run every experiment in id order.")
    boolean all;

    @Option(names = "--list", description = "List the experiments and exit.")
    boolean list;

    @Option(names = "--quick", description = "Run the spec's 'quick' block (a smoke test); writes under target/quick/experiments/<id>/.")
    boolean quick;

    @Option(names = "--spec", paramLabel = "FILE", description = "Spec file instead of experiments/<id>/spec.json.")
    Path specFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Write results/ and charts/ under DIR instead.")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for measured code (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        if (list) {
            for (Experiment e : Experiments.all()) {
                stdout.printf("%-4s %-22s %s%n", e.id(), e.folder(), e.title());
            }
            stdout.flush();
            return 0;
        }
        if (all == (id != null)) {
            err.println("attnref experiment: give one experiment ID or --all (see --list)");
            return 2;
        }
        if (all && specFile != null) {
            err.println("attnref experiment: --spec names one experiment's spec; it cannot go with --all");
            return 2;
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) {
            err.println("attnref experiment: --threads (" + n + ") must be ≥ 1");
            return 2;
        }
        List<Experiment> chosen;
        try {
            chosen = all ? Experiments.all() : List.of(Experiments.byId(id));
        } catch (IllegalArgumentException e) {
            err.println("attnref experiment: " + e.getMessage());
            return 2;
        }
        Spec.Mode mode = quick ? Spec.Mode.QUICK : Spec.Mode.FULL;
        Path root = ExperimentRunner.root();
        for (Experiment e : chosen) {
            Path output = out == null ? null : chosen.size() == 1 ? out : out.resolve(e.folder());
            try {
                if (chosen.size() > 1) {   // each in its own JVM: see ExperimentRunner.runInFreshJvm
                    int code = ExperimentRunner.runInFreshJvm(e, mode, output, n, stdout);
                    if (code != 0) {
                        return code;
                    }
                } else {
                    ExperimentRunner.run(e, root, mode, specFile, output, n, stdout);
                }
            } catch (IllegalArgumentException ex) {
                err.println("attnref experiment " + e.id() + ": " + ex.getMessage());
                return 2;
            }
        }
        return 0;
    }
}
