package dev.attnref.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.report.ClaimsLedger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code attnref claims} lists every claim with its claim text and derived verdict; {@code claims <ID>}
 * shows one in full; {@code --json} carries each claim's rule and figures with their sources.
 */
class ClaimsCommandTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();
    private final List<ClaimsLedger.Decided> decided = ClaimsLedger.load().decide(ROOT);

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args), "exit code of attnref " + String.join(" ", args));
        return out.toString();
    }

    @Test
    void tableHasOneRowPerClaimWithItsVerdictAndClaimText() {
        String table = run("claims");
        for (ClaimsLedger.Decided d : decided) {
            String start = d.claim().claimEn().substring(0, 40);
            assertTrue(table.lines().anyMatch(l -> l.startsWith(d.claim().id() + " ") && l.contains(" " + d.verdict().label() + " ")
                    && l.contains(start)), "no row for " + d.claim().id() + " with its verdict and claim text");
        }
    }

    @Test
    void oneClaimIsShownInFullWithRuleAndFigureSources() {
        ClaimsLedger.Decided d = decided.get(0);
        String text = run("claims", d.claim().id());
        assertTrue(text.contains(d.claim().claimEn()) && text.contains("Verdict:   " + d.verdict().label())
                && text.contains(d.rule()) && text.contains(d.reasoning()), text);
        d.figures().forEach(f -> assertTrue(text.contains(f.name() + " = ") && text.contains(f.source()), f.toString()));
    }

    @Test
    void unknownClaimIdIsRefusedNamingIt() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int code = cli.execute("claims", "C-NOPE");
        assertTrue(code != 0 && err.toString().contains("C-NOPE"), code + " " + err);
    }

    @Test
    void jsonCarriesVerdictRuleAndSourcedFiguresForEveryClaim() throws Exception {
        JsonNode claims = new ObjectMapper().readTree(run("claims", "--json")).path("claims");
        assertEquals(decided.size(), claims.size());
        for (int i = 0; i < claims.size(); i++) {
            JsonNode c = claims.get(i);
            ClaimsLedger.Decided d = decided.get(i);
            assertEquals(d.claim().id(), c.path("id").asText());
            assertEquals(d.verdict().label(), c.path("verdict").asText());
            assertFalse(c.path("rule").asText().isBlank(), d.claim().id() + " rule");
            assertEquals(d.figures().size(), c.path("figures").size(), d.claim().id() + " figures");
            for (JsonNode f : c.path("figures")) {
                assertTrue(f.path("source").asText().contains("experiments/") || f.path("source").asText().contains("reference-data/")
                        || f.path("source").asText().contains("model catalogue"), f.toString());
                assertTrue(f.path("value").isNumber(), f.toString());
            }
        }
    }
}
