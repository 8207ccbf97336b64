package dev.attnref.cli;

import dev.attnref.report.ClaimsLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code attnref claims [--json]}: lists the seeds' checkable claims with their verdicts. */
@Command(name = "claims", mixinStandardHelpOptions = true,
        description = "List the seeds' checkable claims with verdict and evidence (dev/attnref/report/claims.json).")
public final class ClaimsCommand implements Callable<Integer> {
    private static final int EVIDENCE_WIDTH = 72;

    @Option(names = "--json", description = "Print the whole ledger as JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClaimsLedger ledger = ClaimsLedger.load();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ledger.toJson());
            out.flush();
            return 0;
        }
        List<List<String>> rows = ledger.claims().stream()
                .map(c -> List.of(c.id(), c.verdict().name(), c.seed(), shorten(c.evidence())))
                .toList();
        out.print(ColumnTable.render(List.of("ID", "VERDICT", "SEED", "EVIDENCE"), rows));
        Map<String, Long> byVerdict = new TreeMap<>();
        ledger.claims().forEach(c -> byVerdict.merge(c.verdict().name(), 1L, Long::sum));
        out.println(ledger.claims().size() + " claims " + byVerdict);
        out.flush();
        return 0;
    }

    private static String shorten(String text) {
        return text.length() <= EVIDENCE_WIDTH ? text : text.substring(0, EVIDENCE_WIDTH - 1) + "…";
    }
}
