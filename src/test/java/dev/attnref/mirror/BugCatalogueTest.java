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
 * The bug catalogue is complete, consistent and points at things that exist: the floor the
 * project's brief set, the FIX tags in the fixed Python code, the cases and probes in
 * seed_outputs.json, and the lines quoted from the snippets as recorded in published_code.py
 * (which {@code run_seeds.py} checks against the seed articles wherever they are at hand).
 */
class BugCatalogueTest {
    private static final Pattern WITNESS = Pattern.compile("dev\\.attnref\\.mirror\\.(Seed\\d{3}\\w+)MirrorTest#[a-z]\\w*");
    private static final Pattern TAGGED_FIX = Pattern.compile("FIX-(\\d+) \\(([A-Z0-9-]+)\\)");
    private static final Pattern ANY_FIX = Pattern.compile("FIX-(\\d+)");
    private static final Pattern CASE_REF = Pattern.compile("snippets\\.(\\w+)\\.cases\\[(\\w+)]");
    private static final Pattern PROBE_REF = Pattern.compile("probes\\.([\\w.]*\\w)");
    /** The floor: the bugs the project's brief listed as known when the catalogue was begun. */
    private static final List<String> FLOOR = List.of("S000-MQA-MASK", "S000-MQA-TRANSPOSE", "S000-GQA-SUPER",
            "S000-MHA-VBIAS", "S000-MLA-SCALE", "S000-MLA-FREE-WQK", "S000-MLA-NOMASK", "S002-PRINT", "S002-DROPOUT",
            "S002-FULLMASK", "S003-BMM-VIEW", "S003-DOC", "S000-NEQ-NONE");

    private final BugCatalogue catalogue = BugCatalogue.load();

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
                if (field.getName().equals("upstream")) {
                    continue;   // null where no upstream is established: everyBugStatesItsNatureAndUpstream
                }
                Object value = field.getAccessor().invoke(bug);
                assertTrue(value != null && !value.toString().isBlank(), bug.id() + " has an empty " + field.getName());
            }
        }
    }

    @Test
    void catalogueHoldsEveryBugOfTheFloor() {
        Set<String> missing = new TreeSet<>(FLOOR);
        catalogue.bugs().forEach(b -> missing.remove(b.id()));
        assertTrue(missing.isEmpty(), "bugs of the floor missing from the catalogue: " + missing);
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

    /**
     * Each published line, whitespace aside, occurs in its snippet as recorded verbatim in
     * published_code.py (seed_outputs.json names the variable), and the bug names its snippet's
     * seed file.
     */
    @Test
    void everyPublishedLineOccursInItsRecordedSnippet() throws IOException {
        JsonNode snippets = new ObjectMapper().readTree(read(repoRoot().resolve("reference-data/seeds/seed_outputs.json")))
                .path("snippets");
        String code = read(repoRoot().resolve("reference-data/seeds/published_code.py"));
        for (Bug bug : catalogue.bugs()) {
            JsonNode snippet = snippets.path(bug.snippet());
            assertEquals(snippet.path("seed_file").asText(), bug.seedFile(), bug.id() + ": seed file");
            String variable = snippet.path("published_code").asText().replaceFirst(".*:", "");
            String text = recordedSnippet(code, variable).replaceAll("\\s+", "");  // with its usage example, if any
            List<String> missing = new ArrayList<>();
            for (String line : bug.publishedLines().split("\n")) {
                String bare = line.replaceAll("\\s+", "");
                if (!bare.equals("...") && !text.contains(bare)) {
                    missing.add(line);
                }
            }
            assertTrue(missing.isEmpty(), bug.id() + ": not in published_code.py " + variable + ": " + missing);
        }
    }

    /**
     * The raw strings {@code NAME = r'''…'''} that published_code.py assigns to {@code variable}
     * and to its usage example {@code variable_EXAMPLE}, if it has one.
     */
    private static String recordedSnippet(String code, String variable) {
        Matcher m = Pattern.compile("(?ms)^(" + Pattern.quote(variable) + "(?:_EXAMPLE)?) = r'''(.*?)'''").matcher(code);
        StringBuilder text = new StringBuilder();
        while (m.find()) {
            text.append(m.group(2));
        }
        assertFalse(text.isEmpty(), "published_code.py has no snippet " + variable);
        return text.toString();
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
                "FIX-7", BugCatalogue.Kind.LATENT, "dev.attnref.mirror.Seed999ThingMirrorTest#shows", "probes.x",
                BugCatalogue.Nature.DEFECT, new BugCatalogue.Upstream("owner/repo", "a/b.py", SHA, "12-14", true)), bug);
        Bug none = BugCatalogue.parse("{\"bugs\": [" + entry("S999-Y", "FIX-8").replace(UPSTREAM, "null") + "]}")
                .get("S999-Y");
        assertEquals(null, none.upstream());
    }

    @Test
    void everyBugStatesItsNatureAndUpstream() throws IOException {
        JsonNode entries = new ObjectMapper().readTree(read(repoRoot().resolve("src/main/resources" + BugCatalogue.RESOURCE)))
                .path("bugs");
        Pattern sha = Pattern.compile("[0-9a-f]{40}");
        for (JsonNode entry : entries) {
            String id = entry.path("id").asText();
            assertTrue(Set.of("defect", "design-choice").contains(entry.path("nature").asText()), id + ": nature");
            assertTrue(entry.has("upstream"), id + " does not say whether it has an upstream (null when none)");
            JsonNode up = entry.path("upstream");
            if (!up.isNull()) {
                assertTrue(up.path("repo").asText().matches("[\\w.-]+/[\\w.-]+"), id + ": upstream repo " + up);
                assertTrue(sha.matcher(up.path("commit").asText()).matches(), id + ": upstream commit " + up);
                assertTrue(up.path("path").asText().matches("[\\w./-]+\\.\\w+"), id + ": upstream path " + up);
                assertTrue(up.path("lines").asText().matches("\\d+(-\\d+)?(, \\d+(-\\d+)?)*"), id + ": lines " + up);
                assertTrue(up.path("inUpstream").isBoolean(), id + ": inUpstream " + up);
            }
        }
        // The provenance the catalogue's description states: seed 000 §1.1 is labml's MHA, seed 002 its author's blog.
        for (Bug bug : catalogue.bugs()) {
            String expected = bug.snippet().equals("Seed000MultiHeadAttention")
                    ? "labmlai/annotated_deep_learning_paper_implementations"
                    : bug.id().startsWith("S002-") ? "bbruceyuan/bbruceyuan.github.io" : null;
            assertEquals(expected, bug.upstream() == null ? null : bug.upstream().repo(), bug.id());
        }
        assertEquals(BugCatalogue.Nature.DEFECT, catalogue.get("S000-MHA-VBIAS").nature());
        assertEquals(BugCatalogue.Nature.DESIGN_CHOICE, catalogue.get("S000-MLA-FREE-WQK").nature());
    }

    @Test
    void parseRejectsABadUpstreamOrNatureNamingTheEntryAndField() {
        String badCommit = "{\"bugs\": [" + entry("S999-X", "FIX-1").replace(SHA, "abc123") + "]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(badCommit));
        assertTrue(e.getMessage().contains("S999-X") && e.getMessage().contains("abc123")
                && e.getMessage().contains("40"), e.getMessage());
        String noUpstream = "{\"bugs\": [" + entry("S999-X", "FIX-1").replace(", \"upstream\": " + UPSTREAM, "") + "]}";
        e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(noUpstream));
        assertTrue(e.getMessage().contains("S999-X") && e.getMessage().contains("'upstream'"), e.getMessage());
        String badNature = "{\"bugs\": [" + entry("S999-X", "FIX-1").replace("\"defect\"", "\"oops\"") + "]}";
        e = assertThrows(IllegalArgumentException.class, () -> BugCatalogue.parse(badNature));
        assertTrue(e.getMessage().contains("oops") && e.getMessage().contains("design-choice"), e.getMessage());
    }

    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final String UPSTREAM = "{\"repo\": \"owner/repo\", \"path\": \"a/b.py\", \"commit\": \"" + SHA
            + "\", \"lines\": \"12-14\", \"inUpstream\": true}";

    private static String entry(String id, String fixTag) {
        return "{\"id\": \"" + id + "\", \"family\": \"fam\", \"seedFile\": \"seed.txt\", \"section\": \"§1\","
                + " \"snippet\": \"Seed999Thing\", \"publishedLines\": \"line\", \"does\": \"does\","
                + " \"effect\": \"effect\", \"fix\": \"f\", \"fixTag\": \"" + fixTag + "\", \"kind\": \"latent\","
                + " \"witness\": \"dev.attnref.mirror.Seed999ThingMirrorTest#shows\", \"pythonEvidence\": \"probes.x\","
                + " \"nature\": \"defect\", \"upstream\": " + UPSTREAM + "}";
    }
}
