package dev.attnref.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One run of the CLI as the launcher runs it ({@link Main#commandLine()}): exit code, stdout, stderr. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    List<String> lines() {
        return out.lines().toList();
    }

    List<String> errLines() {
        return err.lines().toList();
    }
}
