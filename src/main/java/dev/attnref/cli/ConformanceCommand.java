package dev.attnref.cli;

import dev.attnref.golden.OnnxConformance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attnref conformance}: replays the ONNX {@code Attention}-23/24 node tests on the float64
 * oracle ({@link OnnxConformance}) and prints one row per case and a summary line. Exit code 0 iff
 * every case passes. Presentation only.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Replay the ONNX Attention-23/24 conformance cases on the float64 oracle.")
public final class ConformanceCommand implements Callable<Integer> {
    private static final Map<String, String> SHORT = Map.of(
            "Y", "Y", "present_key", "pk", "present_value", "pv", "qk_matmul_output", "qk");

    @Spec
    private CommandSpec spec;

    @Option(names = "--dir", paramLabel = "FOLDER",
            description = "Folder of test_attention_*.json cases (default: " + OnnxConformance.CASE_FOLDER + ").")
    private Path dir;

    @Option(names = "--json", description = "Print every case's result and the summary as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path folder = dir != null ? dir : OnnxConformance.defaultCaseDirectory();
        List<OnnxConformance.CaseReport> reports = new ArrayList<>();
        for (Path file : OnnxConformance.caseFiles(folder)) {
            reports.add(OnnxConformance.run(file));
        }
        int passed = (int) reports.stream().filter(OnnxConformance.CaseReport::passed).count();
        if (json) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("passed", passed);
            document.put("failed", reports.size() - passed);
            document.put("cases", reports.stream().map(ConformanceCommand::asJson).toList());
            JsonOutput.print(out, document);
        } else {
            printTable(out, reports, passed);
        }
        return passed == reports.size() ? 0 : 1;
    }

    private static void printTable(PrintWriter out, List<OnnxConformance.CaseReport> reports, int passed) {
        int nameWidth = reports.stream().mapToInt(r -> r.name().length()).max().orElse(4);
        String format = "%-" + nameWidth + "s  %-11s  %8s  %9s  %13s  %-21s  %s%n";
        out.printf(Locale.ROOT, format, "case", "outputs", "elements", "bit-exact", "max abs error", "tolerance", "result");
        List<String> problems = new ArrayList<>();
        for (OnnxConformance.CaseReport report : reports) {
            String outputs = report.checks().stream().map(c -> SHORT.getOrDefault(c.output(), c.output()))
                    .collect(Collectors.joining(" "));
            int elements = report.checks().stream().mapToInt(OnnxConformance.OutputCheck::elements).sum();
            int exact = report.checks().stream().mapToInt(OnnxConformance.OutputCheck::exactElements).sum();
            out.printf(Locale.ROOT, format, report.name(), outputs.isEmpty() ? "-" : outputs,
                    report.checks().isEmpty() ? "-" : elements, report.checks().isEmpty() ? "-" : exact,
                    report.checks().isEmpty() ? "-" : String.format(Locale.ROOT, "%.3e", report.maxAbsError()),
                    report.tolerance() == null ? "-" : report.tolerance(), report.passed() ? "PASS" : "FAIL");
            if (report.error() != null) {
                problems.add(report.name() + ": " + report.error());
            } else {
                report.checks().stream().filter(c -> !c.passed())
                        .forEach(c -> problems.add(report.name() + " " + c.output() + ": " + c.firstFailure()));
            }
        }
        out.println();
        out.println("outputs: Y = Y, pk = present_key, pv = present_value, qk = qk_matmul_output; "
                + "bit-exact = elements equal to the golden after rounding to its dtype");
        for (String problem : problems) {
            out.println("FAIL " + problem);
        }
        out.printf(Locale.ROOT, "ONNX Attention conformance: %d passed, %d failed%n", passed, reports.size() - passed);
        out.flush();
    }

    private static Map<String, Object> asJson(OnnxConformance.CaseReport report) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("case", report.name());
        row.put("passed", report.passed());
        row.put("tolerance", report.tolerance());
        row.put("error", report.error());
        row.put("outputs", report.checks());
        return row;
    }
}
