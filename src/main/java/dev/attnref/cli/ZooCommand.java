package dev.attnref.cli;

import dev.attnref.golden.zoo.BugZoo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attnref golden zoo [--json]}: every golden case against every porting-bug mutant of the plain port
 * ({@link BugZoo}), in float32 and bf16, and which cases catch which bug. Presentation only.
 */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Run every golden case (reference-data/v1, v2, …) against a plain port with one classic porting bug "
                + "switched on, for each bug, in float32 and bf16, and print which cases catch it. "
                + "Exit 0 when the bug-free port passes every case it runs and every bug is caught; 1 otherwise.")
public final class ZooCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the result as JSON: one entry per mutant with id, description and "
            + "caught_by (case ids), also per precision.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        BugZoo.Result result = BugZoo.run(BugZoo.manifests(BugZoo.versions(GoldenCommand.root())));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, BugZoo.json(result));
        } else {
            out.print(ColumnTable.render(BugZoo.HEADER, BugZoo.rows(result, 3)));
            out.println(BugZoo.summary(result));
            out.flush();
        }
        boolean controlPasses = result.controlFailures().values().stream().allMatch(List::isEmpty);
        boolean allCaught = result.mutants().stream().noneMatch(c -> c.caughtByAny().isEmpty());
        return controlPasses && allCaught ? 0 : 1;
    }
}
