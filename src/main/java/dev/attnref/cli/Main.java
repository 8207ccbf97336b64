package dev.attnref.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code attnref} launcher: sub-commands only, no logic of their own.
 *
 * <p>Errors: a bad option (picocli's parse errors, and an {@link IllegalArgumentException} from a
 * command, which names the value and what was expected) prints one line,
 * {@code attnref <cmd>: <message>}, then {@code see: attnref <cmd> --help}, and exits with 2.
 */
@Command(name = "attnref", mixinStandardHelpOptions = true, version = "attnref 0.2.0",
        description = "Reference implementations, conformance and golden vectors for transformer attention.",
        subcommands = {
                HelpCommand.class,
                ConformanceCommand.class,
                ModelsCommand.class,
                TraceCommand.class,
                GenerateCommand.class,
                BugsCommand.class,
                ClaimsCommand.class,
                RaceCommand.class,
                ExperimentCommand.class,
                ChartsCommand.class,
                ReportCommand.class,
                GoldenCommand.class,
                ComputeCommand.class,
        })
public final class Main {
    /** Exit code of a usage error (bad option or value). */
    static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line the launcher runs, with the one-line error handling above. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::executionError);
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println(cli.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("see: " + cli.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return USAGE;
    }

    private static int executionError(Exception e, CommandLine cli, ParseResult parsed) throws Exception {
        if (!(e instanceof IllegalArgumentException)) {
            throw e;
        }
        return usageError(new ParameterException(cli, e.getMessage(), e), parsed.originalArgs().toArray(String[]::new));
    }
}
