package dev.attnref.cli;

import dev.attnref.experiment.ChartFolder;
import dev.attnref.experiment.Experiment;
import dev.attnref.experiment.ExperimentRunner;
import dev.attnref.experiment.Experiments;
import dev.attnref.experiment.RaceCharts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code attnref charts [ID …] | --all}: redraws the committed charts of experiments
 * ({@code experiments/<id>/charts}) and of the race ({@code experiments/fast-race/charts}) from their
 * committed results CSVs alone; nothing is measured. Presentation only: the drawing is each
 * experiment's {@link Experiment#drawCharts} and {@link RaceCharts}.
 */
@Command(name = "charts", mixinStandardHelpOptions = true,
        description = "Redraw committed charts from the committed results CSVs alone (nothing is measured).")
public final class ChartsCommand implements Callable<Integer> {
    /** The id of the race's folder, experiments/fast-race. */
    static final String RACE = "fast-race";

    @CommandLine.Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Experiment id (E01 … E08, or folder name) or fast-race.")
    List<String> ids = new ArrayList<>();

    @Option(names = "--all", description = "Every experiment and the race.")
    boolean all;

    @Override
    public Integer call() {
        if (all == !ids.isEmpty()) {
            throw new IllegalArgumentException("give experiment IDs (E01 … E08, " + RACE + ") or --all, not both or neither");
        }
        List<String> chosen = new ArrayList<>(ids);
        if (all) {
            Experiments.all().forEach(e -> chosen.add(e.id()));
            chosen.add(RACE);
        }
        List<Experiment> experiments = chosen.stream().filter(id -> !id.equalsIgnoreCase(RACE)).map(Experiments::byId).toList();
        Path root = ExperimentRunner.root();
        PrintWriter out = spec.commandLine().getOut();
        for (Experiment e : experiments) {
            ChartFolder folder = ChartFolder.committed(root, e);
            e.drawCharts(folder);
            folder.written().forEach(f -> out.println("wrote " + root.relativize(f)));
        }
        if (chosen.stream().anyMatch(id -> id.equalsIgnoreCase(RACE))) {
            Path race = root.resolve("experiments").resolve(RACE);
            RaceCharts.draw(race.resolve("results").resolve("race.csv"), race.resolve("charts"))
                    .forEach(f -> out.println("wrote " + root.relativize(f)));
        }
        out.flush();
        return 0;
    }
}
