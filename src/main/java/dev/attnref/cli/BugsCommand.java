package dev.attnref.cli;

import dev.attnref.mirror.BugCatalogue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code attnref bugs [--json]}: lists the bugs published in the seeds' code. */
@Command(name = "bugs", mixinStandardHelpOptions = true,
        description = "List every bug published in the seeds' code (the catalogue in dev/attnref/mirror/bugs.json).")
public final class BugsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the whole catalogue as JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BugCatalogue catalogue = BugCatalogue.load();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(catalogue.toJson());
            out.flush();
            return 0;
        }
        List<List<String>> rows = catalogue.bugs().stream()
                .map(b -> List.of(b.id(), b.kind().label(), b.snippet(), b.section(), b.fixTag(),
                        b.witness().substring(b.witness().lastIndexOf('.') + 1)))
                .toList();
        out.print(ColumnTable.render(List.of("ID", "KIND", "SNIPPET", "SECTION", "FIX", "WITNESS"), rows));
        Map<String, Long> byKind = new TreeMap<>();
        catalogue.bugs().forEach(b -> byKind.merge(b.kind().label(), 1L, Long::sum));
        out.println(catalogue.bugs().size() + " bugs " + byKind);
        out.flush();
        return 0;
    }
}
