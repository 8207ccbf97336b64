package dev.attnref.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.mirror.BugCatalogue;
import dev.attnref.mirror.BugCatalogue.Bug;
import dev.attnref.mirror.BugCatalogue.Upstream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code attnref bugs [ID] [--json]}: the bugs published in the seeds' code, as a table or one in full. */
@Command(name = "bugs", mixinStandardHelpOptions = true,
        description = "List every bug published in the seeds' code (the catalogue in dev/attnref/mirror/bugs.json), "
                + "or print one in full.")
public final class BugsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "ID", description = "Print this bug in full (e.g. S000-MQA-MASK).")
    String id;

    @Option(names = "--json", description = "Print the catalogue (or the one bug) as JSON instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BugCatalogue catalogue = BugCatalogue.load();
        PrintWriter out = spec.commandLine().getOut();
        if (id != null) {
            Bug bug = catalogue.get(id);
            if (json) {
                JsonOutput.print(out, entryOf(catalogue, id));
            } else {
                printInFull(out, bug);
            }
            return 0;
        }
        if (json) {
            out.println(catalogue.toJson());
            out.flush();
            return 0;
        }
        List<List<String>> rows = catalogue.bugs().stream()
                .map(b -> List.of(b.id(), b.kind().label(), b.nature().label(), b.seedFile().substring(0, 3) + " "
                        + b.section(), b.fixTag(), ColumnTable.shorten(b.publishedLines(), 48),
                        ColumnTable.shorten(b.effect(), 72)))
                .toList();
        out.print(ColumnTable.render(List.of("ID", "KIND", "NATURE", "SEED", "FIX", "PUBLISHED LINE", "EFFECT"), rows));
        Map<String, Long> byKind = new TreeMap<>();
        Map<String, Long> byNature = new TreeMap<>();
        catalogue.bugs().forEach(b -> byKind.merge(b.kind().label(), 1L, Long::sum));
        catalogue.bugs().forEach(b -> byNature.merge(b.nature().label(), 1L, Long::sum));
        long copied = catalogue.bugs().stream().filter(b -> b.upstream() != null).count();
        out.println(catalogue.bugs().size() + " bugs " + byKind + ", " + byNature + ", " + copied
                + " in code the seeds copied from upstream; attnref bugs <ID> prints one in full");
        out.flush();
        return 0;
    }

    /** The catalogue's own JSON entry of bug {@code id} (the same fields and kind labels as {@code bugs --json}). */
    private static JsonNode entryOf(BugCatalogue catalogue, String id) {
        try {
            for (JsonNode entry : new ObjectMapper().readTree(catalogue.toJson()).path("bugs")) {
                if (entry.path("id").asText().equals(id)) {
                    return entry;
                }
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("bug " + id + " is missing from the catalogue's own JSON");
    }

    private static void printInFull(PrintWriter out, Bug bug) {
        out.println(bug.id() + "  (" + bug.kind().label() + ", " + bug.nature().label() + ", " + bug.fixTag() + ", family "
                + bug.family() + ")");
        out.println("seed:     " + bug.seedFile() + " " + bug.section() + ", snippet " + bug.snippet());
        out.println("published:");
        bug.publishedLines().lines().forEach(line -> out.println("    " + line));
        out.println("does:     " + bug.does());
        out.println("effect:   " + bug.effect());
        out.println("fix:      " + bug.fix());
        out.println("witness:  " + bug.witness());
        out.println("PyTorch:  " + bug.pythonEvidence() + " in reference-data/seeds/seed_outputs.json");
        Upstream up = bug.upstream();
        out.println("upstream: " + (up == null ? "none established (see the catalogue's description)"
                : up.url() + " (lines " + up.lines() + "; "
                        + (up.inUpstream() ? "the bug is there too" : "introduced by the seed") + ")"));
        out.flush();
    }
}
