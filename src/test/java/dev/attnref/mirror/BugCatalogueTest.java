package dev.attnref.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.mirror.BugCatalogue.Bug;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bug catalogue is complete, consistent and points at things that exist: the floor in
 * SEED_BUGS.md, the FIX tags in the fixed Python code, the cases and probes in
 * seed_outputs.json, the seed files and the lines quoted from them.
 */
class BugCatalogueTest {
    private static final Pattern WITNESS = Pattern.compile("dev\\.attnref\\.mirror\\.(Seed\\d{3}\\w+)MirrorTest#[a-z]\\w*");
    private static final Pattern TAGGED_FIX = Pattern.compile("FIX-(\\d+) \\(([A-Z0-9-]+)\\)");
    private static final Pattern ANY_FIX = Pattern.compile("FIX-(\\d+)");
    private static final Pattern CASE_REF = Pattern.compile("snippets\\.(\\w+)\\.cases\\[(\\w+)]");
    private static final Pattern PROBE_REF = Pattern.compile("probes\\.([\\w.]*\\w)");

    private final BugCatalogue catalogue = BugCatalogue.load();

    static Path shared() {
        return Path.of(System.getProperty("attnref.shared", "../shared"));
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();
    }

    static String read(Path path) throws IOException {
        return Files.readString(path, StandardCharsets.UTF_8);
    }

    @Test
    void catalogueLoadsWithUniqueIds() {
        List<String> ids = catalogue.bugs().stream().map(Bug::id).toList();
        assertFalse(ids.isEmpty(), "the catalogue is empty");
        assertEquals(ids.size(), new HashSet<>(ids).size(), "duplicate ids in " + ids);
    }

    @Test
    void everyFieldOfEveryBugIsNonEmpty() throws ReflectiveOperationException {
        for (Bug bug : catalogue.bugs()) {
            for (RecordComponent field : Bug.class.getRecordComponents()) {
                Object value = field.getAccessor().invoke(bug);
                assertTrue(value != null && !value.toString().isBlank(), bug.id() + " has an empty " + field.getName());
            }
        }
    }

    @Test
    void catalogueHoldsEveryBugListedInSeedBugs() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (String line : read(shared().resolve("design/SEED_BUGS.md")).split("\n")) {
            Matcher m = Pattern.compile("^\\| (S\\d{3}-[A-Z0-9-]+) \\|").matcher(line);
            if (m.find()) {
                listed.add(m.group(1));
            }
        }
        assertTrue(listed.size() >= 13, "SEED_BUGS.md lists " + listed.size() + " bugs; expected at least 13");
        Set<String> ids = catalogue.bugs().stream().map(Bug::id).collect(Collectors.toSet());
        listed.removeAll(ids);
        assertTrue(listed.isEmpty(), "SEED_BUGS.md bugs missing from the catalogue: " + listed);
    }

    @Test
    void fixTagsRunFromFix1WithoutGaps() {
        List<String> tags = catalogue.bugs().stream().map(Bug::fixTag).toList();
        List<String> expected = IntStream.rangeClosed(1, tags.size()).mapToObj(n -> "FIX-" + n).toList();
        assertEquals(expected, tags, "fix tags must be FIX-1 … FIX-n in catalogue order");
    }

    @Test
    void everyFixTagInTheFixedPythonCodeNamesItsBug() throws IOException {
        String fixed = read(repoRoot().resolve("reference-data/seeds/fixed_code.py"));
        Set<String> tagged = new HashSet<>();
        Matcher m = TAGGED_FIX.matcher(fixed);
        while (m.find()) {
            String tag = "FIX-" + m.group(1);
            assertEquals(catalogue.byFixTag(tag).id(), m.group(2), tag + " in fixed_code.py names the wrong bug");
            tagged.add(tag);
        }
        Matcher any = ANY_FIX.matcher(fixed);
        while (any.find()) {
            catalogue.byFixTag("FIX-" + any.group(1));
        }
        for (Bug bug : catalogue.bugs()) {
            assertTrue(tagged.contains(bug.fixTag()),
                    bug.fixTag() + " (" + bug.id() + ") never appears as 'FIX-n (ID)' in fixed_code.py");
        }
    }

    @Test
    void witnessesAreUniqueAndNameTheMirrorTestOfTheBugsSnippet() {
        Set<String> seen = new HashSet<>();
        for (Bug bug : catalogue.bugs()) {
            Matcher m = WITNESS.matcher(bug.witness());
            assertTrue(m.matches(), bug.id() + ": witness " + bug.witness()
                    + " is not dev.attnref.mirror.<Snippet>MirrorTest#<method>");
            assertEquals(bug.snippet(), m.group(1), bug.id() + ": witness is not in its snippet's mirror test");
            assertTrue(seen.add(bug.witness()), bug.id() + ": witness " + bug.witness() + " is shared with another bug");
        }
    }

    @Test
    void pythonEvidenceNamesCasesAndProbesThatExistInSeedOutputs() throws IOException {
        JsonNode outputs = new ObjectMapper().readTree(read(repoRoot().resolve("reference-data/seeds/seed_outputs.json")));
        for (Bug bug : catalogue.bugs()) {
            int refs = 0;
            Matcher c = CASE_REF.matcher(bug.pythonEvidence());
            while (c.find()) {
                refs++;
                JsonNode cases = outputs.path("snippets").path(c.group(1)).path("cases");
                String id = c.group(2);
                boolean found = false;
                for (JsonNode node : cases) {
                    found |= node.path("id").asText().equals(id);
                }
                assertTrue(found, bug.id() + ": no case " + c.group(0) + " in seed_outputs.json");
            }
            Matcher p = PROBE_REF.matcher(bug.pythonEvidence());
            while (p.find()) {
                refs++;
                JsonNode node = outputs.path("probes");
                for (String key : p.group(1).split("\\.")) {
                    node = node.path(key);
                }
                assertFalse(node.isMissingNode(), bug.id() + ": no probe " + p.group(0) + " in seed_outputs.json");
            }
            assertTrue(refs > 0, bug.id() + ": pythonEvidence names no case or probe: " + bug.pythonEvidence());
        }
    }

    @Test
    void snippetsAreTheEightRunInPyTorchAndEachHasABug() throws IOException {
        JsonNode outputs = new ObjectMapper().readTree(read(repoRoot().resolve("reference-data/seeds/seed_outputs.json")));
        Set<String> run = new TreeSet<>();
        outputs.path("snippets").fieldNames().forEachRemaining(run::add);
        Set<String> catalogued = catalogue.bugs().stream().map(Bug::snippet).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(8, run.size(), "seed_outputs.json should hold the eight snippets: " + run);
        assertEquals(run, catalogued);
    }

    @Test
    void everyPublishedLineOccursInItsSeedFile() throws IOException {
        for (Bug bug : catalogue.bugs()) {
            Path seed = shared().resolve("seeds").resolve(bug.seedFile());
            assertTrue(Files.isRegularFile(seed), bug.id() + ": seed file " + seed + " does not exist");
            String text = read(seed).replaceAll("\\s+", "");
            List<String> missing = new ArrayList<>();
            for (String line : bug.publishedLines().split("\n")) {
                String bare = line.replaceAll("\\s+", "");
                if (!bare.equals("...") && !text.contains(bare)) {
                    missing.add(line);
                }
            }
            assertTrue(missing.isEmpty(), bug.id() + ": not in " + bug.seedFile() + ": " + missing);
        }
    }

    @Test
    void parseRejectsADuplicateIdNamingIt() {
        String entry = entry("S999-X", "FIX-1");
        String json = "{\"bugs\": [" + entry + ", " + entry("S999-X", "FIX-2") + "]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(json));
        assertTrue(e.getMessage().contains("S999-X"), e.getMessage());
    }

    @Test
    void parseRejectsAnEmptyFieldNamingTheField() {
        String json = "{\"bugs\": [" + entry("S999-X", "FIX-1").replace("\"fix\": \"f\"", "\"fix\": \" \"") + "]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(json));
        assertTrue(e.getMessage().contains("'fix'") && e.getMessage().contains("S999-X"), e.getMessage());
    }

    @Test
    void parseRejectsAnUnknownKindNamingIt() {
        String json = "{\"bugs\": [" + entry("S999-X", "FIX-1").replace("\"latent\"", "\"typo\"") + "]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(json));
        assertTrue(e.getMessage().contains("typo") && e.getMessage().contains("wrong-result"), e.getMessage());
    }

    @Test
    void parseReadsEveryFieldOfAnEntry() {
        Bug bug = BugCatalogue.parse("{\"bugs\": [" + entry("S999-X", "FIX-7") + "]}").get("S999-X");
        assertEquals(new Bug("S999-X", "fam", "seed.txt", "§1", "Seed999Thing", "line", "does", "effect", "f",
                "FIX-7", BugCatalogue.Kind.LATENT, "dev.attnref.mirror.Seed999ThingMirrorTest#shows", "probes.x"), bug);
    }

    private static String entry(String id, String fixTag) {
        return "{\"id\": \"" + id + "\", \"family\": \"fam\", \"seedFile\": \"seed.txt\", \"section\": \"§1\","
                + " \"snippet\": \"Seed999Thing\", \"publishedLines\": \"line\", \"does\": \"does\","
                + " \"effect\": \"effect\", \"fix\": \"f\", \"fixTag\": \"" + fixTag + "\", \"kind\": \"latent\","
                + " \"witness\": \"dev.attnref.mirror.Seed999ThingMirrorTest#shows\", \"pythonEvidence\": \"probes.x\"}";
    }
}
