package dev.attnref.cli;

import dev.attnref.golden.FileErrors;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.GoldenGenerator;
import dev.attnref.golden.GoldenVerifier;
import dev.attnref.golden.Json;
import dev.attnref.golden.Precision;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.Tolerance;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code attnref golden generate | verify}: writes the golden vectors of reference-data/v1 or v2
 * ({@link GoldenGenerator}) and checks a port's outputs against them ({@link GoldenVerifier}).
 * Presentation only.
 */
@Command(name = "golden", mixinStandardHelpOptions = true,
        description = "Golden vectors for other ports: generate reference-data/v1 or v2, verify a port's outputs, run the bug zoo.",
        subcommands = {GoldenCommand.Generate.class, GoldenCommand.Verify.class, ZooCommand.class})
public final class GoldenCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The repository root: system property {@code attnref.root} (the launcher sets it) or the working directory. */
    static Path root() {
        return Path.of(System.getProperty("attnref.root", "."));
    }

    /** {@code attnref golden generate [--version v1|v2] [--out DIR]}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Compute every case (float64 reference, cross-checked against the modules) and write it.")
    public static final class Generate implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--version", paramLabel = "VERSION", defaultValue = "v1",
                description = "Which case list: v1 (frozen; the default) or v2 (RoPE scaling and later cases).")
        private String version;

        @Option(names = "--out", paramLabel = "DIR", description = "Target folder (default: <root>/reference-data/<version>). "
                + "A published folder is never changed: files with other bytes stop the run.")
        private Path out;

        @Override
        public Integer call() throws IOException {
            if (!GoldenGenerator.VERSIONS.contains(version)) {
                spec.commandLine().getErr().println("attnref golden generate: --version (" + version + ") must be one of "
                        + GoldenGenerator.VERSIONS);
                spec.commandLine().getErr().flush();
                return 2;
            }
            Path dir = out != null ? out : root().resolve(GoldenGenerator.directory(version));
            List<GoldenCase> cases;
            try {
                cases = GoldenGenerator.cases(version);
                GoldenGenerator.WriteReport report = GoldenGenerator.write(dir, GoldenGenerator.files(version, cases));
                spec.commandLine().getOut().printf(Locale.ROOT, "golden generate: %d cases in %s (%d files written, %d unchanged)%n",
                        cases.size(), dir, report.written(), report.unchanged());
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IllegalArgumentException | IllegalStateException e) {
                spec.commandLine().getErr().println("attnref golden generate: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            }
        }
    }

    /**
     * {@code attnref golden verify <case.json|dir> --candidate <outputs.safetensors|dir> [--only GLOB] [--json]}.
     * Exit code 0 when every case passes, 1 when some outputs do not match (or a candidate file is missing),
     * 2 when a case or a candidate cannot be read: never the code of a mismatch.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Compare a port's outputs with the expected ones at each case's tolerance. "
                    + "Exit 0: all pass; 1: some mismatch; 2: a case or candidate cannot be read.")
    public static final class Verify implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CASE", description = "A case manifest <id>.json, or a folder of them.")
        private Path cases;

        @Option(names = "--candidate", required = true, paramLabel = "OUTPUTS",
                description = "The port's outputs: one safetensors file, or a folder holding <id>.safetensors per case.")
        private Path candidate;

        @Option(names = "--only", paramLabel = "GLOB",
                description = "Only the cases whose id matches this glob, e.g. 'attention-*' or 'mla-*-decode'.")
        private String only;

        @Option(names = "--json", description = "Print the reports as one JSON object instead of the table.")
        private boolean json;

        @Option(names = "--precision", paramLabel = "P", converter = PrecisionConverter.class,
                description = "The precision the port computes in: bf16 or fp16 (judged by FlashAttention's rule, error "
                        + "≤ 2 × the case's baseline error + floor; only cases stored in that precision), fp32 or fp64 "
                        + "(the fixed tolerances). Default: each output at the tolerance of its dtype.")
        private Precision precision;

        @Override
        public Integer call() {
            List<Path> manifests;
            try {
                manifests = selected(manifests(cases));
            } catch (IllegalArgumentException e) {
                return refuse(e.getMessage());
            } catch (IOException e) {
                return refuse(FileErrors.describe(cases, e));
            }
            boolean folder = Files.isDirectory(candidate);
            if (!folder && manifests.size() != 1) {
                return refuse(manifests.size() + " cases need a candidate folder; " + candidate + " is not one");
            }
            List<GoldenVerifier.CaseReport> reports = new ArrayList<>();
            for (Path manifest : manifests) {
                reports.add(verifyOne(manifest, folder));
            }
            int code = reports.stream().anyMatch(GoldenVerifier.CaseReport::unreadable) ? 2
                    : reports.stream().allMatch(GoldenVerifier.CaseReport::passed) ? 0 : 1;
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.print(new String(Json.bytes(json(reports, code, precision)), StandardCharsets.UTF_8));
            } else {
                reports.forEach(report -> print(out, report, precision));
                long passed = reports.stream().filter(GoldenVerifier.CaseReport::passed).count();
                long unreadable = reports.stream().filter(GoldenVerifier.CaseReport::unreadable).count();
                out.printf(Locale.ROOT, "golden verify: %d cases, %d passed, %d failed%s%n", reports.size(), passed,
                        reports.size() - passed - unreadable, unreadable > 0 ? ", " + unreadable + " unreadable" : "");
            }
            out.flush();
            return code;
        }

        /** The manifests whose case id (file name without .json) matches {@code --only}. */
        private List<Path> selected(List<Path> all) {
            if (only == null) {
                return all;
            }
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + only);
            List<Path> chosen = all.stream().filter(p -> glob.matches(Path.of(caseName(p)))).toList();
            if (chosen.isEmpty()) {
                throw new IllegalArgumentException("--only '" + only + "' matches none of the " + all.size() + " cases in "
                        + cases);
            }
            return chosen;
        }

        private int refuse(String message) {
            spec.commandLine().getErr().println("attnref golden verify: " + message);
            spec.commandLine().getErr().flush();
            return 2;
        }

        private GoldenVerifier.CaseReport verifyOne(Path manifest, boolean folder) {
            GoldenCase golden;
            try {
                golden = GoldenCase.read(manifest);
            } catch (IllegalArgumentException e) {
                return GoldenVerifier.CaseReport.unreadable(caseName(manifest), "cannot read the case: " + e.getMessage());
            } catch (IOException e) {
                return GoldenVerifier.CaseReport.unreadable(caseName(manifest), "cannot read the case: "
                        + FileErrors.describe(manifest, e));
            }
            Path file = folder ? candidate.resolve(golden.id() + ".safetensors") : candidate;
            if (!Files.exists(file)) {
                return new GoldenVerifier.CaseReport(golden.id(), List.of(), "no candidate file " + file);
            }
            try {
                return GoldenVerifier.verify(golden, Safetensors.read(file), precision);
            } catch (IllegalArgumentException e) {
                return GoldenVerifier.CaseReport.unreadable(golden.id(), "cannot read the candidate: " + e.getMessage());
            } catch (IOException e) {
                return GoldenVerifier.CaseReport.unreadable(golden.id(), "cannot read the candidate: "
                        + FileErrors.describe(file, e));
            }
        }

        private static void print(PrintWriter out, GoldenVerifier.CaseReport report, Precision precision) {
            out.printf(Locale.ROOT, "%s  %s%n", report.passed() ? "PASS" : report.unreadable() ? "ERROR" : "FAIL",
                    report.caseId());
            if (report.problem() != null) {
                out.printf(Locale.ROOT, "      %s%n", report.problem());
            }
            for (GoldenVerifier.TensorReport t : report.tensors()) {
                if (t.problem() != null) {
                    out.printf(Locale.ROOT, "      %-18s %-4s %s  FAIL%n", t.name(), t.dtype(), t.problem());
                    continue;
                }
                String rule = precision != null && precision.isLow()
                        ? String.format(Locale.ROOT, "(bound %.2e = %.0f × baseline + floor)", t.tolerance().atol(),
                                Tolerance.LOW_PRECISION_MULTIPLE)
                        : String.format(Locale.ROOT, "(atol %.0e, rtol %.0e)", t.tolerance().atol(), t.tolerance().rtol());
                out.printf(Locale.ROOT, "      %-18s %-4s %6d  max abs %.3e  max rel %.3e  max ulp %s  %s  %s%n",
                        t.name(), t.dtype(), t.elements(), t.maxAbsError(), t.maxRelError(), ulps(t.maxUlp()), rule,
                        t.passed() ? "ok" : "FAIL " + t.failures() + " elements, first " + t.firstFailure());
            }
        }

        /** "-" for a tensor that is not a float; "≥ 2⁶³" where the distance does not fit (opposite signs, huge values). */
        private static String ulps(long maxUlp) {
            return maxUlp < 0 ? "-" : maxUlp == Long.MAX_VALUE ? "≥ 2⁶³" : Long.toString(maxUlp);
        }

        /** {@code {"exit_code", "precision", "cases": [{"id", "status": pass|fail|error, "problem", "tensors": [...]}]}}. */
        private static ObjectNode json(List<GoldenVerifier.CaseReport> reports, int code, Precision precision) {
            ObjectNode root = Json.object();
            root.put("exit_code", code);
            root.put("precision", precision == null ? null : precision.cliName());
            ArrayNode list = root.putArray("cases");
            for (GoldenVerifier.CaseReport report : reports) {
                ObjectNode c = list.addObject();
                c.put("id", report.caseId());
                c.put("status", report.passed() ? "pass" : report.unreadable() ? "error" : "fail");
                c.put("problem", report.problem());
                ArrayNode tensors = c.putArray("tensors");
                for (GoldenVerifier.TensorReport t : report.tensors()) {
                    ObjectNode o = tensors.addObject();
                    o.put("name", t.name());
                    o.put("dtype", t.dtype());
                    o.put("passed", t.passed());
                    o.put("problem", t.problem());
                    if (t.problem() == null) {
                        o.put("elements", t.elements());
                        o.put("max_abs_error", t.maxAbsError());
                        o.put("max_rel_error", t.maxRelError());
                        o.put("max_ulp", t.maxUlp() < 0 ? null : t.maxUlp());
                        o.put("atol", t.tolerance().atol());
                        o.put("rtol", t.tolerance().rtol());
                        o.put("failures", t.failures());
                        o.put("first_failure", t.firstFailure());
                    }
                }
            }
            return root;
        }

        private static String caseName(Path manifest) {
            return manifest.getFileName().toString().replaceFirst("\\.json$", "");
        }
    }

    /** Reads {@code --precision}: bf16, fp16, fp32 or fp64. */
    static final class PrecisionConverter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.parse(value, "--precision");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * The case manifests named by {@code path}: the file itself, or every {@code *.json} of a folder whose
     * {@code "format"} is the golden format (so {@code manifest.json} and {@code provenance.json} are skipped).
     */
    static List<Path> manifests(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);   // names a missing path, a loop
        if (attributes.isRegularFile()) {
            return List.of(path);
        }
        if (!attributes.isDirectory()) {
            throw new IllegalArgumentException(path + " is neither a case manifest nor a folder");
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(path)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String n = p.getFileName().toString();
                if (n.endsWith(".json") && !n.equals("manifest.json") && !n.equals("provenance.json")) {
                    out.add(p);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(path + " holds no case manifests (*.json)");
        }
        return out;
    }
}
