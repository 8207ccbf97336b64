package dev.attnref.cli;

import dev.attnref.golden.CaseOutputs;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.GoldenCompute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnref compute <case.json> --out <outputs.safetensors>}: runs the float64 reference on the
 * inputs and weights of any case in the golden format ({@link GoldenCompute}) and writes the outputs.
 * A malformed case is reported with what is wrong and exit code 2. Presentation only.
 */
@Command(name = "compute", mixinStandardHelpOptions = true,
        description = "Run the float64 reference on a golden-format case (committed or your own) and write its outputs.")
public final class ComputeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CASE", description = "The case manifest (<id>.json; its payload beside it).")
    private Path manifest;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the outputs (safetensors).")
    private Path out;

    @Override
    public Integer call() throws IOException {
        GoldenCase golden;
        CaseOutputs outputs;
        try {
            golden = GoldenCase.read(manifest);
            outputs = GoldenCompute.compute(golden);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("attnref compute: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, GoldenCompute.outputsFile(golden, outputs));
        if (outputs.error() != null) {
            spec.commandLine().getOut().printf(Locale.ROOT, "compute %s: the published code raises %s (%s); wrote %s%n",
                    golden.id(), outputs.error().kind(), outputs.error().stage(), out);
        } else {
            spec.commandLine().getOut().printf(Locale.ROOT, "compute %s: %d outputs %s; wrote %s%n", golden.id(),
                    outputs.outputs().size(), outputs.outputs().keySet(), out);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
