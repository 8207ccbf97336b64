package dev.attnref.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What produced a measurement: the commit (with {@code -dirty} when tracked files differ from it),
 * the JDK, the CPU model (from {@code /proc/cpuinfo}) and its core count.
 */
public record RunStamp(String commit, String jdk, String cpu, int cores) {

    /** Reads the stamp for the repository at {@code root}. */
    public static RunStamp of(Path root) {
        String commit = git(root, "rev-parse", "--short=12", "HEAD");
        String status = git(root, "status", "--porcelain", "--untracked-files=no");
        if (!commit.equals("unknown") && !status.isEmpty()) {
            commit += "-dirty";
        }
        String jdk = System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version");
        return new RunStamp(commit, jdk, cpuModel(), Runtime.getRuntime().availableProcessors());
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }

    private static String git(Path root, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process process = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return "unknown";
            }
            return out;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
