package dev.attnref.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from: the columns every results CSV ends with (one value per row, the same on
 * every row of a run). Columns rather than a header comment so that any CSV reader keeps them and
 * imported rows from another machine carry their own.
 *
 * <table>
 *   <caption>Stamp columns</caption>
 *   <tr><th>column</th><th>meaning</th></tr>
 *   <tr><td>commit</td><td>{@code git rev-parse --short=12 HEAD} of the code that ran, {@code -dirty} when the
 *       working tree had uncommitted changes outside {@code experiments/}; {@code unknown} without git</td></tr>
 *   <tr><td>jdk</td><td>{@code java.vendor java.version}</td></tr>
 *   <tr><td>cpu</td><td>{@code model name} of {@code /proc/cpuinfo} (or {@code os.arch})</td></tr>
 *   <tr><td>threads</td><td>threads the run used (E04 varies it per row and overrides it)</td></tr>
 *   <tr><td>mode</td><td>{@code full} or {@code quick}: which block of the spec ran</td></tr>
 * </table>
 *
 * The settings of a run are its spec block, committed beside the results; the mode column says which.
 */
public record Stamp(String commit, String jdk, String cpu, int threads, String mode) {

    /** Names of the stamp columns, in order, as they end every results CSV. */
    public static final List<String> COLUMNS = List.of("commit", "jdk", "cpu", "threads", "mode");

    /** The stamp of this process, run from repository {@code root}. */
    public static Stamp of(Path root, int threads, Spec.Mode mode) {
        return new Stamp(commitOf(root), thisJdk(), cpuModel(), threads, mode.key());
    }

    /** {@code java.vendor java.version} of this JVM. */
    public static String thisJdk() {
        return System.getProperty("java.vendor") + " " + System.getProperty("java.version");
    }

    /** The CPU model as the OS reports it. */
    public static String cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                    if (line.startsWith("model name")) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException e) {
                return System.getProperty("os.arch");
            }
        }
        return System.getProperty("os.arch");
    }

    /** Short commit id of {@code root}, with {@code -dirty} for uncommitted source changes. */
    static String commitOf(Path root) {
        String head = git(root, "rev-parse", "--short=12", "HEAD");
        if (head == null || head.isBlank()) {
            return "unknown";
        }
        String status = git(root, "status", "--porcelain", "--", ".", ":(exclude)experiments", ":(exclude)REPORT.md");
        return head.trim() + (status != null && !status.isBlank() ? "-dirty" : "");
    }

    private static String git(Path root, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = root.toAbsolutePath().toString();
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(20, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
