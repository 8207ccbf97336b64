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
        CommandLine cli = Main.commandLine();
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
    void tableCarriesEachBugsPublishedLineAndEffect() {
        String table = run("bugs");
        for (BugCatalogue.Bug bug : BugCatalogue.load().bugs()) {
            String row = table.lines().filter(l -> l.startsWith(bug.id() + " ")).findFirst().orElseThrow();
            assertTrue(row.contains(ColumnTable.shorten(bug.publishedLines(), 48))
                    && row.endsWith(ColumnTable.shorten(bug.effect(), 72)), row);
        }
        assertTrue(table.contains("S000-MQA-MASK") && table.contains("attention_scores += attention_mask * -1e-9"), table);
    }

    @Test
    void anIdPrintsThatBugInFull() throws Exception {
        BugCatalogue.Bug bug = BugCatalogue.load().get("S000-MQA-MASK");
        String text = run("bugs", "S000-MQA-MASK");
        for (String field : List.of(bug.publishedLines(), bug.does(), bug.effect(), bug.fix(), bug.witness(), bug.section())) {
            assertTrue(text.contains(field), "missing " + field + " in\n" + text);
        }
        JsonNode one = new ObjectMapper().readTree(run("bugs", "S000-MQA-MASK", "--json"));
        assertEquals(List.of(bug), BugCatalogue.parse("{\"bugs\": [" + one + "]}").bugs());
        CliRun unknown = CliRun.of("bugs", "S000-NOPE");
        assertEquals(2, unknown.exitCode());
        assertEquals(List.of("attnref bugs: bug id (S000-NOPE) is not in the catalogue", "see: attnref bugs --help"),
                unknown.errLines());
    }

    @Test
    void shortenCutsAtAWordAndMarksTheCut() {
        assertEquals("one two", ColumnTable.shorten("one two", 7));
        assertEquals("one two…", ColumnTable.shorten("one two three", 9));
        assertEquals("abcdefgh…", ColumnTable.shorten("abcdefghijkl", 9));
        assertEquals("first line…", ColumnTable.shorten("first line\nsecond", 40));
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

    @Test
    void everyRowShowsTheNatureAndOneBugInFullItsUpstream() {
        String table = run("bugs");
        for (BugCatalogue.Bug bug : BugCatalogue.load().bugs()) {
            String row = table.lines().filter(l -> l.startsWith(bug.id() + " ")).findFirst().orElseThrow();
            assertTrue(row.contains(" " + bug.nature().label() + " "), row);
        }
        String vbias = run("bugs", "S000-MHA-VBIAS");
        assertTrue(vbias.contains("upstream: https://github.com/labmlai/annotated_deep_learning_paper_implementations/blob/"
                + "9a42ac2697cddc1bae83968eecb0ffa72cfbd714/labml_nn/transformers/mha.py#L106"), vbias);
        assertTrue(run("bugs", "S000-MQA-MASK").contains("upstream: none established"));
    }
}
