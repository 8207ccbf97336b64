package dev.attnref.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.mirror.BugCatalogue;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code attnref bugs} lists every catalogued bug; {@code --json} round-trips the catalogue. */
class BugsCommandTest {
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args), "exit code of attnref " + String.join(" ", args));
        return out.toString();
    }

    @Test
    void tableHasOneRowPerBugWithItsKindAndFixTag() {
        String table = run("bugs");
        for (BugCatalogue.Bug bug : BugCatalogue.load().bugs()) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith(bug.id() + " ") && l.contains(" " + bug.kind().label() + " ")
                    && l.contains(" " + bug.fixTag() + " ")), "no row for " + bug.id());
        }
    }

    @Test
    void jsonParsesBackToTheSameCatalogue() throws Exception {
        String json = run("bugs", "--json");
        JsonNode bugs = new ObjectMapper().readTree(json).path("bugs");
        List<String> ids = new ArrayList<>();
        bugs.forEach(b -> ids.add(b.path("id").asText()));
        assertEquals(BugCatalogue.load().bugs().stream().map(BugCatalogue.Bug::id).toList(), ids);
        assertEquals(BugCatalogue.load().bugs(), BugCatalogue.parse(json).bugs());
    }
}
