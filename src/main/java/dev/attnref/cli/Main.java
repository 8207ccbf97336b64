package dev.attnref.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code attnref} launcher: sub-commands only, no logic of its own. */
@Command(name = "attnref", mixinStandardHelpOptions = true, version = "attnref 0.1.0",
        description = "Reference implementations, conformance and golden vectors for transformer attention.",
        subcommands = {
                ConformanceCommand.class,
                ModelsCommand.class,
                TraceCommand.class,
                GenerateCommand.class,
                BugsCommand.class,
                ClaimsCommand.class,
                RaceCommand.class,
                ExperimentCommand.class,
                ReportCommand.class,
                GoldenCommand.class,
                ComputeCommand.class,
        })
public final class Main {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
