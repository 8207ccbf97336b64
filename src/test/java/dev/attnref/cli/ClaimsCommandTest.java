package dev.attnref.cli;

import dev.attnref.report.ClaimsLedger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code attnref claims} lists every claim with its verdict; {@code --json} round-trips the ledger. */
class ClaimsCommandTest {
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args), "exit code of attnref " + String.join(" ", args));
        return out.toString();
    }

    @Test
    void tableHasOneRowPerClaimWithItsVerdict() {
        String table = run("claims");
        for (ClaimsLedger.Claim claim : ClaimsLedger.load().claims()) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith(claim.id() + " ") && l.contains(" " + claim.verdict().name() + " ")),
                    "no row for " + claim.id());
        }
    }

    @Test
    void jsonParsesBackToTheSameLedger() {
        assertEquals(ClaimsLedger.load().claims(), ClaimsLedger.parse(run("claims", "--json")).claims());
    }
}
