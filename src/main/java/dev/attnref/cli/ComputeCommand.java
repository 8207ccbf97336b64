package dev.attnref.cli;

import dev.attnref.golden.CaseOutputs;
import dev.attnref.golden.FileErrors;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.GoldenCompute;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attnref compute <case.json | folder> --out <outputs.safetensors | folder>}: runs the float64
 * reference on the inputs and weights of cases in the golden format ({@link GoldenCompute}) and writes
 * their outputs. A folder is run case by case in this one process, {@code <out>/<id>.safetensors} per
 * case; a case that cannot be read or computed is reported in one line naming its file, writes nothing,
 * and does not stop the others. Exit code 0 when every case was written, 2 otherwise. Presentation only.
 */
@Command(name = "compute", mixinStandardHelpOptions = true,
        description = "Run the float64 reference on golden-format cases (committed or your own) and write their outputs.")
public final class ComputeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CASE", description = "A case manifest (<id>.json; its payload beside it), "
            + "or a folder of them.")
    private Path cases;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Where to write: a safetensors file for one case, a folder (<id>.safetensors each) for a folder.")
    private Path out;

    /** A case read and computed. */
    private record Computed(GoldenCase golden, CaseOutputs outputs) {
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        boolean folder = Files.isDirectory(cases);
        List<Path> manifests;
        try {
            manifests = GoldenCommand.manifests(cases);
            if (!folder && Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a folder; give the file to write the outputs of "
                        + cases + " to (or give a folder of cases)");
            }
        } catch (IllegalArgumentException e) {
            return refuse(err, e.getMessage());
        } catch (IOException e) {
            return refuse(err, FileErrors.describe(cases, e));
        }
        int written = 0;
        for (Path manifest : manifests) {
            try {
                Computed c = compute(manifest);
                Path file = folder ? out.resolve(c.golden().id() + ".safetensors") : out;
                write(file, GoldenCompute.outputsFile(c.golden(), c.outputs()));
                report(c, file);
                written++;
            } catch (IllegalArgumentException e) {
                refuse(err, e.getMessage());
            } catch (OutOfMemoryError e) {
                // The size estimate (GoldenVariant.Prepared) should refuse first; this keeps a miss to one line.
                refuse(err, manifest + ": ran out of memory (this JVM may use "
                        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB; java -Xmx raises it)");
            }
        }
        if (folder) {
            spec.commandLine().getOut().printf(Locale.ROOT, "compute: %d cases, %d written to %s, %d refused%n",
                    manifests.size(), written, out, manifests.size() - written);
            spec.commandLine().getOut().flush();
        }
        return written == manifests.size() ? 0 : 2;
    }

    /** Reads and computes one case; every problem becomes one line that names the file. */
    private static Computed compute(Path manifest) {
        GoldenCase golden;
        try {
            golden = GoldenCase.read(manifest);
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.describe(manifest, e));
        }
        try {
            return new Computed(golden, GoldenCompute.compute(golden));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(manifest + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: " + FileErrors.describe(file, e));
        }
    }

    private void report(Computed c, Path file) {
        PrintWriter stdout = spec.commandLine().getOut();
        if (c.outputs().error() != null) {
            stdout.printf(Locale.ROOT, "compute %s: the published code raises %s (%s); wrote %s%n", c.golden().id(),
                    c.outputs().error().kind(), c.outputs().error().stage(), file);
        } else {
            stdout.printf(Locale.ROOT, "compute %s: %d outputs %s; wrote %s%n", c.golden().id(),
                    c.outputs().outputs().size(), c.outputs().outputs().keySet(), file);
        }
        stdout.flush();
    }

    private static int refuse(PrintWriter err, String message) {
        err.println("attnref compute: " + message);
        err.flush();
        return 2;
    }
}
