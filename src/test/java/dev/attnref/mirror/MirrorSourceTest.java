package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The mirror files keep the project's promise that {@code grep -r FIX- src/main/java/dev/attnref/mirror}
 * lists every deviation: each {@code FIX-n} listed in a class header marks at least one line of code,
 * each {@code FIX-n} on a line of code is listed in the header, and a {@link Fidelity} switch exists
 * exactly where a fix changes behaviour.
 */
class MirrorSourceTest {
    private static final Path MIRROR = Path.of("src/main/java/dev/attnref/mirror");
    private static final Pattern FIX = Pattern.compile("FIX-(\\d+)");

    private static List<Path> snippetFiles() throws IOException {
        try (Stream<Path> files = Files.list(MIRROR)) {
            return files.filter(p -> p.getFileName().toString().matches("Seed\\d{3}\\w+\\.java")).sorted().toList();
        }
    }

    @Test
    void everyFixInAHeaderMarksCodeAndEveryFixInCodeIsInTheHeader() throws IOException {
        List<Path> files = snippetFiles();
        assertEquals(8, files.size(), "one file per seed snippet: " + files);
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file);
            int classStart = text.indexOf("public final class");
            TreeSet<String> header = tags(text.substring(0, classStart));
            TreeSet<String> code = new TreeSet<>();
            for (String line : text.substring(classStart).split("\n")) {
                String trimmed = line.trim();
                if (!trimmed.startsWith("*") && !trimmed.startsWith("/**")) {
                    code.addAll(tags(line));
                }
            }
            if (!header.equals(code)) {
                problems.add(file.getFileName() + ": header lists " + header + ", code marks " + code);
            }
            boolean hasSwitch = text.contains("Fidelity fidelity");
            if (hasSwitch == header.isEmpty()) {
                problems.add(file.getFileName() + ": Fidelity switch " + hasSwitch + " but fixes " + header);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everySnippetFileQuotesThePublishedLines() throws IOException {
        for (Path file : snippetFiles()) {
            long quoted = Files.readAllLines(file).stream().filter(l -> l.trim().startsWith("// py: ")).count();
            assertTrue(quoted >= 10, file.getFileName() + " has only " + quoted + " `// py:` lines");
            assertFalse(Files.readString(file).contains("import dev.attnref.attention"), file.getFileName().toString());
        }
    }

    private static TreeSet<String> tags(String text) {
        TreeSet<String> found = new TreeSet<>();
        Matcher m = FIX.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
