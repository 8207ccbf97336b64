package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher's command line: help, version, and one-line usage errors. */
class MainTest {
    @Test
    void helpActsLikeTheHelpOption() {
        assertEquals(CliRun.of("--help").out(), CliRun.of("help").out());
        assertEquals(CliRun.of("trace", "--help").out(), CliRun.of("help", "trace").out());
        assertTrue(CliRun.of("help").out().contains("conformance"), CliRun.of("help").out());
    }

    @Test
    void versionIsThePomVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>attnref</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of(System.getProperty("attnref.root", "")).resolve("pom.xml")));
        assertTrue(m.find(), "pom.xml names no attnref version");
        assertEquals("attnref " + m.group(1), CliRun.of("--version").out().strip());
    }

    @Test
    void aParseErrorIsOneLineAndAPointerToHelp() {
        CliRun unknownOption = CliRun.of("bugs", "--jsn");
        assertEquals(2, unknownOption.exitCode());
        assertEquals("attnref bugs: Unknown option: '--jsn'", unknownOption.errLines().get(0));
        assertEquals("see: attnref bugs --help", unknownOption.errLines().get(unknownOption.errLines().size() - 1));
        assertTrue(unknownOption.errLines().size() <= 4, unknownOption.err());   // a "did you mean" line at most
        CliRun badNumber = CliRun.of("trace", "--heads", "four");
        assertEquals(List.of("attnref trace: Invalid value for option '--heads': 'four' is not an int",
                "see: attnref trace --help"), badNumber.errLines());
    }
}
