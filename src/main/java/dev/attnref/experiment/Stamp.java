package dev.attnref.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from and how busy the machine was: the columns every results CSV ends with
 * (one value per row, the same on every row of a run). Columns rather than a header comment so that
 * any CSV reader keeps them and imported rows from another machine carry their own. The race
 * ({@link RaceCsv}) writes the same commit, JDK, CPU and cores.
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
 *   <tr><td>cores</td><td>processors this JVM may use</td></tr>
 *   <tr><td>load_start, load_end</td><td>1-minute load average ({@code /proc/loadavg}) when the run started and
 *       when this file was written</td></tr>
 *   <tr><td>steal_pct</td><td>share of all CPU time the hypervisor stole between those two moments
 *       ({@code /proc/stat}), in %</td></tr>
 * </table>
 *
 * The settings of a run are its spec block, committed beside the results; the mode column says which.
 * Whether a timed point was taken on a busy machine is each timing table's {@code busy} column ({@link Timing}).
 */
public record Stamp(String commit, String jdk, String cpu, int threads, String mode, int cores, Load start, Load end) {

    /** Names of the stamp columns, in order, as they end every results CSV. */
    public static final List<String> COLUMNS = List.of("commit", "jdk", "cpu", "threads", "mode", "cores", "load_start",
            "load_end", "steal_pct");

    /** The stamp of this process, run from repository {@code root}, starting now. */
    public static Stamp of(Path root, int threads, Spec.Mode mode) {
        Load now = Load.now();
        return new Stamp(commitOf(root), thisJdk(), cpuModel(), threads, mode.key(),
                Runtime.getRuntime().availableProcessors(), now, now);
    }

    /** This stamp for a file written now, by code that used {@code threadsUsed} threads. */
    public Stamp endingNow(int threadsUsed) {
        return new Stamp(commit, jdk, cpu, threadsUsed, mode, cores, start, Load.now());
    }

    /** The stamp columns' values, in the order of {@link #COLUMNS}. */
    public List<String> values() {
        return List.of(commit, jdk, cpu, Integer.toString(threads), mode, Integer.toString(cores),
                String.format(Locale.ROOT, "%.2f", start.average()), String.format(Locale.ROOT, "%.2f", end.average()),
                String.format(Locale.ROOT, "%.1f", 100 * end.stealShareSince(start)));
    }

    /**
     * The machine's load at one moment: the 1-minute load average (runnable and waiting tasks), the
     * cumulative CPU ticks of {@code /proc/stat}'s first line (all of them, those stolen by the hypervisor,
     * and those busy: user, nice, system, irq, softirq), and the ticks this process has used
     * ({@code /proc/self/stat} utime + stime, the same clock). Zeros where the files do not exist (not Linux).
     */
    public record Load(double average, long stealTicks, long totalTicks, long busyTicks, long ownTicks) {

        /** Reads {@code /proc/loadavg}, {@code /proc/stat} and {@code /proc/self/stat}. */
        public static Load now() {
            try {
                Path loadavg = Path.of("/proc/loadavg");
                Path stat = Path.of("/proc/stat");
                Path self = Path.of("/proc/self/stat");
                if (!Files.isReadable(loadavg) || !Files.isReadable(stat) || !Files.isReadable(self)) {
                    return new Load(0, 0, 0, 0, 0);
                }
                double average = Double.parseDouble(Files.readString(loadavg).trim().split("\\s+")[0]);
                // cpu  user nice system idle iowait irq softirq steal guest guest_nice
                long[] cpu = Arrays.stream(Files.readAllLines(stat).get(0).trim().split("\\s+")).skip(1).limit(8)
                        .mapToLong(Long::parseLong).toArray();
                long total = Arrays.stream(cpu).sum();
                long busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6];
                // pid (comm) state … utime stime: fields 14 and 15, counted after the comm's closing parenthesis
                String own = Files.readString(self);
                String[] fields = own.substring(own.lastIndexOf(')') + 2).split(" ");
                return new Load(average, cpu[7], total, busy, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
            } catch (IOException | RuntimeException e) {
                return new Load(0, 0, 0, 0, 0);
            }
        }

        /** Stolen ticks / all ticks since {@code earlier}; 0 when no tick passed. */
        public double stealShareSince(Load earlier) {
            long ticks = totalTicks - earlier.totalTicks;
            return ticks <= 0 ? 0 : (double) (stealTicks - earlier.stealTicks) / ticks;
        }

        /**
         * CPUs kept busy by other processes since {@code earlier}: (busy − own ticks) / all ticks × cores. It
         * sees a second job at once, where the 1-minute load average lags and flags only more runnable tasks
         * than cores.
         */
        public double otherCpusSince(Load earlier, int cores) {
            long ticks = totalTicks - earlier.totalTicks;
            long others = (busyTicks - earlier.busyTicks) - (ownTicks - earlier.ownTicks);
            return ticks <= 0 ? 0 : Math.max(0, (double) others / ticks * cores);
        }
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
