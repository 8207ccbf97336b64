package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.mirror.BugCatalogue.Bug;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bug catalogue ({@code bugs.json}) and the mirrors are one source of truth: every witness the
 * catalogue names is a JUnit test method that exists, and every catalogued {@code FIX-n} marks the
 * mirror of its own snippet (header line naming the bug, and code), while no mirror carries a
 * {@code FIX-n} the catalogue does not give to its snippet. {@code FIX-0} is the one deviation that
 * is not a bug fix (labml's logging call) and is not catalogued.
 */
class MirrorCatalogueTest {
    private static final Path MIRROR = Path.of("src/main/java/dev/attnref/mirror");
    private static final Pattern FIX = Pattern.compile("FIX-(\\d+)");

    private final BugCatalogue catalogue = BugCatalogue.load();

    @Test
    void everyCatalogueWitnessIsAnExistingTestMethod() {
        List<String> missing = new ArrayList<>();
        for (Bug bug : catalogue.bugs()) {
            String[] parts = bug.witness().split("#");
            try {
                Method method = Class.forName(parts[0]).getDeclaredMethod(parts[1]);
                if (!method.isAnnotationPresent(Test.class)) {
                    missing.add(bug.id() + ": " + bug.witness() + " is not a @Test method");
                }
            } catch (ClassNotFoundException | NoSuchMethodException e) {
                missing.add(bug.id() + ": " + bug.witness() + " does not exist (" + e + ")");
            }
        }
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }

    @Test
    void everyCatalogueFixTagMarksItsSnippetsMirror() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Bug bug : catalogue.bugs()) {
            String text = Files.readString(MIRROR.resolve(bug.snippet() + ".java"));
            // Header entry "FIX-n (…; ID)" and at least one more occurrence on a line of code.
            Pattern header = Pattern.compile(Pattern.quote(bug.fixTag()) + " \\([^)]*" + Pattern.quote(bug.id()) + "\\)");
            if (!header.matcher(text).find()) {
                problems.add(bug.snippet() + ".java does not list " + bug.fixTag() + " (" + bug.id() + ") in its header");
            }
            long codeLines = text.lines().filter(l -> !l.trim().startsWith("*"))
                    .filter(l -> Pattern.compile(Pattern.quote(bug.fixTag()) + "\\b").matcher(l).find()).count();
            if (codeLines == 0) {
                problems.add(bug.snippet() + ".java marks no line of code with " + bug.fixTag() + " (" + bug.id() + ")");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void noMirrorCarriesAFixTagTheCatalogueGivesAnotherSnippet() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String snippet : catalogue.bugs().stream().map(Bug::snippet).distinct().toList()) {
            Matcher m = FIX.matcher(Files.readString(MIRROR.resolve(snippet + ".java")));
            while (m.find()) {
                if (m.group(1).equals("0")) {
                    continue;
                }
                String owner = catalogue.bugs().stream().filter(b -> b.fixTag().equals(m.group()))
                        .map(Bug::snippet).findFirst().orElse("no bug");
                if (!owner.equals(snippet)) {
                    problems.add(snippet + ".java carries " + m.group() + ", which the catalogue gives to " + owner);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
