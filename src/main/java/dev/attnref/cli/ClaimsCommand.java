package dev.attnref.cli;

import dev.attnref.experiment.ExperimentRunner;
import dev.attnref.report.ClaimsLedger;
import dev.attnref.report.Evidence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code attnref claims [ID] [--json]}: the seeds' checkable claims, each decided by its rule on the
 * committed results ({@code experiments/*}{@code /results}, read from the repository root).
 */
@Command(name = "claims", mixinStandardHelpOptions = true,
        description = "The seeds' checkable claims, each verdict derived from the committed results; "
                + "with an ID, one claim in full (rule, figures and their sources).")
public final class ClaimsCommand implements Callable<Integer> {
    private static final int CLAIM_WIDTH = 90;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "One claim, e.g. C-MLA-LINEAR.")
    String id;

    @Option(names = "--json", description = "JSON: per claim its verdict, rule, figures {name, value, source} and reasoning.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClaimsLedger ledger = ClaimsLedger.load();
        List<ClaimsLedger.Decided> decided = id == null ? ledger.decide(ExperimentRunner.root())
                : List.of(ClaimsLedger.decide(ledger.get(id), ExperimentRunner.root()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ClaimsLedger.toJson(decided));
        } else if (id != null) {
            out.print(full(decided.get(0)));
        } else {
            List<List<String>> rows = decided.stream()
                    .map(d -> List.of(d.claim().id(), d.verdict().label(), d.claim().seed(), shorten(d.claim().claimEn())))
                    .toList();
            out.print(ColumnTable.render(List.of("ID", "VERDICT", "SEED", "CLAIM"), rows));
            Map<String, Long> byVerdict = new TreeMap<>();
            decided.forEach(d -> byVerdict.merge(d.verdict().label(), 1L, Long::sum));
            out.println(decided.size() + " claims " + byVerdict + "; `attnref claims <ID>` shows one with its rule and figures");
        }
        out.flush();
        return 0;
    }

    private static String full(ClaimsLedger.Decided d) {
        ClaimsLedger.Claim c = d.claim();
        StringBuilder sb = new StringBuilder();
        sb.append(c.id()).append(" (seed ").append(c.seed()).append(", ").append(c.section()).append(")\n\n");
        sb.append("Claim:     ").append(c.claimEn()).append("\n");
        sb.append("Quoted:    ").append(c.claimZh()).append("\n\n");
        sb.append("Verdict:   ").append(d.verdict().label()).append("\n");
        sb.append("Rule:      ").append(d.rule()).append("\n\n");
        sb.append("Figures:\n");
        for (Evidence.Figure f : d.figures()) {
            sb.append("  ").append(f.name()).append(" = ").append(f.value()).append("    ").append(f.source()).append("\n");
        }
        sb.append("\nReasoning: ").append(d.reasoning()).append("\n");
        return sb.append("Evidence:  ").append(c.evidence()).append("\n").toString();
    }

    private static String shorten(String text) {
        return text.length() <= CLAIM_WIDTH ? text : text.substring(0, CLAIM_WIDTH - 1) + "…";
    }
}
