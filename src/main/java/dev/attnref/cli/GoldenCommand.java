package dev.attnref.cli;

import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.GoldenGenerator;
import dev.attnref.golden.GoldenVerifier;
import dev.attnref.golden.Safetensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnref golden generate | verify}: writes the golden vectors of reference-data/v1
 * ({@link GoldenGenerator}) and checks a port's outputs against them ({@link GoldenVerifier}).
 * Presentation only.
 */
@Command(name = "golden", mixinStandardHelpOptions = true,
        description = "Golden vectors for other ports: generate reference-data/v1, verify a port's outputs.",
        subcommands = {GoldenCommand.Generate.class, GoldenCommand.Verify.class})
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

    /** {@code attnref golden generate [--out DIR]}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Compute every case (float64 reference, cross-checked against the modules) and write it.")
    public static final class Generate implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--out", paramLabel = "DIR", description = "Target folder (default: <root>/" + GoldenGenerator.DEFAULT_DIRECTORY
                + "). A published folder is never changed: files with other bytes stop the run.")
        private Path out;

        @Override
        public Integer call() throws IOException {
            Path dir = out != null ? out : root().resolve(GoldenGenerator.DEFAULT_DIRECTORY);
            List<GoldenCase> cases;
            try {
                cases = GoldenGenerator.cases();
                GoldenGenerator.WriteReport report = GoldenGenerator.write(dir, GoldenGenerator.files(cases));
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

    /** {@code attnref golden verify <case.json|dir> --candidate <outputs.safetensors|dir>}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Compare a port's outputs with the expected ones at each case's tolerance. Exit 0 iff all pass.")
    public static final class Verify implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CASE", description = "A case manifest <id>.json, or a folder of them.")
        private Path cases;

        @Option(names = "--candidate", required = true, paramLabel = "OUTPUTS",
                description = "The port's outputs: one safetensors file, or a folder holding <id>.safetensors per case.")
        private Path candidate;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<Path> manifests;
            try {
                manifests = manifests(cases);
            } catch (IllegalArgumentException | IOException e) {
                spec.commandLine().getErr().println("attnref golden verify: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 2;
            }
            boolean folder = Files.isDirectory(candidate);
            if (!folder && manifests.size() != 1) {
                spec.commandLine().getErr().println("attnref golden verify: " + manifests.size()
                        + " cases need a candidate folder; " + candidate + " is not one");
                spec.commandLine().getErr().flush();
                return 2;
            }
            int passed = 0;
            for (Path manifest : manifests) {
                GoldenVerifier.CaseReport report = verifyOne(manifest, folder);
                print(out, report);
                passed += report.passed() ? 1 : 0;
            }
            out.printf(Locale.ROOT, "golden verify: %d cases, %d passed, %d failed%n", manifests.size(), passed,
                    manifests.size() - passed);
            out.flush();
            return passed == manifests.size() ? 0 : 1;
        }

        private GoldenVerifier.CaseReport verifyOne(Path manifest, boolean folder) {
            String name = manifest.getFileName().toString().replaceFirst("\\.json$", "");
            GoldenCase golden;
            try {
                golden = GoldenCase.read(manifest);
            } catch (IllegalArgumentException | IOException e) {
                return new GoldenVerifier.CaseReport(name, List.of(), "cannot read the case: " + e.getMessage());
            }
            Path file = folder ? candidate.resolve(golden.id() + ".safetensors") : candidate;
            if (!Files.isRegularFile(file)) {
                return new GoldenVerifier.CaseReport(golden.id(), List.of(), "no candidate file " + file);
            }
            try {
                return GoldenVerifier.verify(golden, Safetensors.read(file));
            } catch (IllegalArgumentException | IOException e) {
                return new GoldenVerifier.CaseReport(golden.id(), List.of(), "cannot read the candidate: " + e.getMessage());
            }
        }

        private static void print(PrintWriter out, GoldenVerifier.CaseReport report) {
            out.printf(Locale.ROOT, "%s  %s%n", report.passed() ? "PASS" : "FAIL", report.caseId());
            if (report.problem() != null) {
                out.printf(Locale.ROOT, "      %s%n", report.problem());
            }
            for (GoldenVerifier.TensorReport t : report.tensors()) {
                if (t.problem() != null) {
                    out.printf(Locale.ROOT, "      %-18s %-4s %s  FAIL%n", t.name(), t.dtype(), t.problem());
                    continue;
                }
                out.printf(Locale.ROOT, "      %-18s %-4s %6d  max abs %.3e  max rel %.3e  max ulp %s  (atol %.0e, rtol %.0e)  %s%n",
                        t.name(), t.dtype(), t.elements(), t.maxAbsError(), t.maxRelError(),
                        t.maxUlp() < 0 ? "-" : Long.toString(t.maxUlp()), t.tolerance().atol(), t.tolerance().rtol(),
                        t.passed() ? "ok" : "FAIL " + t.failures() + " elements, first " + t.firstFailure());
            }
        }
    }

    /**
     * The case manifests named by {@code path}: the file itself, or every {@code *.json} of a folder whose
     * {@code "format"} is the golden format (so {@code manifest.json} and {@code provenance.json} are skipped).
     */
    static List<Path> manifests(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
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
