package dev.attnref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules (README.md, "Layout"; this test is their exact statement), read from the import lines of {@code src/main/java}: each
 * role may import only the project packages listed here. A violation names the file, the import
 * and the rule.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/attnref");
    private static final Pattern PROJECT_IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?dev\\.attnref\\.(\\w+)\\.");

    /** Package → the project packages it may import (its own always allowed). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("core", Set.of()),
            Map.entry("oracle", Set.of("core")),
            Map.entry("attention", Set.of("core")),
            Map.entry("mirror", Set.of("core")),
            Map.entry("fast", Set.of("core")),
            Map.entry("model", Set.of("core", "attention")),
            Map.entry("peer", Set.of("core", "fast")),
            Map.entry("golden", Set.of("core", "oracle", "attention", "mirror", "model", "fast", "peer")),
            Map.entry("experiment", Set.of("core", "oracle", "attention", "mirror", "model", "fast", "golden", "peer")),
            Map.entry("report", Set.of("core", "oracle", "attention", "mirror", "model", "fast", "golden", "experiment", "peer")),
            Map.entry("cli", Set.of("core", "oracle", "attention", "mirror", "model", "fast", "golden", "experiment", "report", "peer")));

    @Test
    void everyPackageImportsOnlyWhatItsRoleAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        int filesRead = 0;
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                filesRead++;
                String pkg = MAIN.relativize(file).getName(0).toString();
                if (file.getParent().equals(MAIN)) {
                    violations.add(file + ": classes must live in a role package, not in dev.attnref itself");
                    continue;
                }
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) {
                    violations.add(file + ": package dev.attnref." + pkg + " is not a role named in README.md (\"Layout\")");
                    continue;
                }
                for (String line : Files.readAllLines(file)) {
                    Matcher m = PROJECT_IMPORT.matcher(line.trim());
                    if (m.find() && !m.group(1).equals(pkg) && !allowed.contains(m.group(1))) {
                        violations.add(file + ": `" + line.trim() + "` — " + pkg + " may import only " + allowed);
                    }
                }
            }
        }
        assertTrue(filesRead > 0, "no sources found under " + MAIN.toAbsolutePath());
        assertEquals(List.of(), violations, "package rules broken");
    }

    @Test
    void theRuleDetectsAForbiddenImport() {
        Matcher m = PROJECT_IMPORT.matcher("import dev.attnref.mirror.Fidelity;");
        assertTrue(m.find());
        assertEquals("mirror", m.group(1));
        assertTrue(!ALLOWED.get("attention").contains(m.group(1)), "attention must not import mirror");
    }
}
