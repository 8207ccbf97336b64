package dev.attnref.cli;

import dev.attnref.core.Checks;
import dev.attnref.experiment.AttentionRace;
import dev.attnref.experiment.RaceCharts;
import dev.attnref.experiment.RaceCsv;
import dev.attnref.experiment.Spec.Mode;
import dev.attnref.experiment.Stamp;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attnref race}: the fast kernels against ONNX Runtime and PyTorch in one process
 * ({@link AttentionRace}); options only.
 */
@Command(name = "race", mixinStandardHelpOptions = true,
        description = "Race the fast attention kernels (float32; decode also over bf16/fp16 caches) against ONNX Runtime and PyTorch 2.10 (same process, same inputs).")
public final class RaceCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "One configuration per kind, fewer runs (about a minute).")
    private boolean quick;

    @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "Thread counts (default: ${DEFAULT-VALUE}).")
    private List<Integer> threads;

    @Option(names = "--runs", description = "Timed rounds per configuration (default 5 quick, 11 full).")
    private Integer runs;

    @Option(names = "--warmups", description = "Warm-up rounds per configuration (default 3 quick, 5 full).")
    private Integer warmups;

    @Option(names = "--only", description = "Only configurations whose id contains this text (e.g. prefill-gqa).")
    private String only;

    @Option(names = "--phases", description = "Phase breakdown: each of prefill-gqa-S2048, decode-gqa-S16384 (Kᵀ cache) and decode-mla-S4096 at full widths and with D or Dv shrunk to 16, attnref's kernel and the FMA (and read) loop only; CSV default experiments/fast-race/results/phases.csv.")
    private boolean phases;

    @Option(names = "--seed", defaultValue = "20240601", description = "Seed of the inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--out", description = "CSV file (default: experiments/fast-race/results/race.csv; with --quick or --only, target/fast-race/race-quick.csv or race-partial.csv, so a smoke or partial run never touches a committed file).")
    private Path out;

    @Option(names = "--charts-only", description = "Redraw the charts from the CSV (--out or the default) without racing.")
    private boolean chartsOnly;

    /** Every option is checked before anything is raced or drawn; a bad one is a one-line usage error. */
    @Override
    public Integer call() throws Exception {
        threads.forEach(n -> Checks.positive("--threads", n));
        if (runs != null) {
            Checks.positive("--runs", runs);
        }
        if (warmups != null) {
            Checks.nonNegative("--warmups", warmups);
        }
        PrintWriter log = spec.commandLine().getOut();
        Path root = Path.of(System.getProperty("attnref.root", "."));
        // Only a full run writes the committed results; a quick or partial one goes under target/.
        String name = phases ? "phases" : "race";
        Path file = out != null ? out
                : quick ? root.resolve("target/fast-race/" + name + "-quick.csv")
                : only != null ? root.resolve("target/fast-race/" + name + "-partial.csv")
                : root.resolve("experiments/fast-race/results/" + name + ".csv");
        // Charts of a full run go to experiments/fast-race/charts (beside results/); a quick run has one
        // length per kind, nothing to draw a curve through.
        Path charts = file.toAbsolutePath().getParent().resolveSibling("charts");
        if (chartsOnly) {
            if (phases) {
                throw new IllegalArgumentException("--charts-only draws the race's charts; --phases has none");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--charts-only: no race results at " + file
                        + "; expected the CSV of an earlier race (give it with --out)");
            }
            RaceCharts.draw(file, charts).forEach(f -> log.println("wrote " + f));
            log.flush();
            return 0;
        }
        AttentionRace.Settings settings = new AttentionRace.Settings(quick, threads,
                warmups != null ? warmups : quick ? 3 : 5, runs != null ? runs : quick ? 5 : 11, seed, phases);
        List<AttentionRace.Config> all = phases ? AttentionRace.phaseConfigs() : AttentionRace.configs(quick);
        List<AttentionRace.Config> configs = all.stream().filter(c -> only == null || c.id().contains(only)).toList();
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("--only " + only + " matches no configuration of "
                    + all.stream().map(AttentionRace.Config::id).toList());
        }
        Stamp stamp = Stamp.of(root, threads.stream().mapToInt(Integer::intValue).max().orElse(1),
                quick ? Mode.QUICK : Mode.FULL);
        log.printf("attnref race: commit %s, %s, %s (%d cores)%n", stamp.commit(), stamp.jdk(), stamp.cpu(), stamp.cores());
        AttentionRace.Report report = AttentionRace.run(settings, configs, log);
        RaceCsv.write(file, stamp, settings, report);
        log.println("wrote " + file);
        if (phases) {
            AttentionRace.printPhaseSplit(report, log);
        } else if (!quick && only == null) {
            RaceCharts.draw(file, charts).forEach(f -> log.println("wrote " + f));
        }
        log.flush();
        return 0;
    }
}
