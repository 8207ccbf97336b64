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
 * results (seconds). {@code --quick} is a smoke test: it reruns every experiment's quick block into
 * {@code target/quick/experiments/} and writes {@code target/quick/REPORT.md} from those results, so no
 * committed file changes. Presentation only; the work is in {@link ReportBuilder}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Regenerate REPORT.md from committed results; --quick is a smoke test that reruns the quick "
                + "experiments and writes everything under target/quick/.")
public final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Smoke test: rerun every quick block into target/quick/ and write "
            + "target/quick/REPORT.md (committed files untouched).")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of REPORT.md at the repository root "
            + "(target/quick/REPORT.md with --quick).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        Path root = ExperimentRunner.root();
        long start = System.nanoTime();
        Path quickBase = quick ? ReportBuilder.quickBase(root) : null;
        if (quick) {
            int threads = Runtime.getRuntime().availableProcessors();
            for (Experiment e : Experiments.all()) {
                Path output = quickBase.resolve("experiments").resolve(e.folder());
                int code = ExperimentRunner.runInFreshJvm(e, Spec.Mode.QUICK, output, threads, stdout);
                if (code != 0) {
                    return code;
                }
            }
        }
        Path file = out != null ? out : (quick ? quickBase : root).resolve("REPORT.md");
        new ReportBuilder(root, quickBase).write(file);
        stdout.printf("wrote %s in %.1f s%n", file, (System.nanoTime() - start) / 1e9);
        stdout.flush();
        return 0;
    }
}
