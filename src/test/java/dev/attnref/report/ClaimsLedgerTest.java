package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.report.ClaimsLedger.Claim;
import dev.attnref.report.ClaimsLedger.Verdict;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The claims ledger holds the floor of claims the project's brief listed and every verdict names its evidence. */
class ClaimsLedgerTest {
    private static final Pattern EXPERIMENT = Pattern.compile("\\bE0\\d\\b");
    private static final Pattern PROBE_REF = Pattern.compile("probes\\.(\\w+)");
    /** The floor: the claims the project's brief listed when the ledger was begun. */
    private static final List<String> FLOOR = List.of("C-MLA-LINEAR", "C-MLA-LATENTS", "C-GQA-SIMILARITY",
            "C-GQA-DEGENERATE", "C-MLA-RANK", "C-MFA-937", "C-DSV2-933", "C-SCALE-GRAD", "C-BMM-FASTER", "C-MQA-SPEED");

    private final ClaimsLedger ledger = ClaimsLedger.load();

    private static String read(Path path) throws IOException {
        return Files.readString(path, StandardCharsets.UTF_8);
    }

    @Test
    void ledgerLoadsWithUniqueIds() {
        List<String> ids = ledger.claims().stream().map(Claim::id).toList();
        assertFalse(ids.isEmpty(), "the ledger is empty");
        assertEquals(ids.size(), new HashSet<>(ids).size(), "duplicate ids in " + ids);
    }

    @Test
    void everyFieldOfEveryClaimIsNonEmpty() throws ReflectiveOperationException {
        for (Claim claim : ledger.claims()) {
            for (RecordComponent field : Claim.class.getRecordComponents()) {
                Object value = field.getAccessor().invoke(claim);
                assertTrue(value != null && !value.toString().isBlank(), claim.id() + " has an empty " + field.getName());
            }
        }
    }

    @Test
    void ledgerHoldsEveryClaimOfTheFloor() {
        Set<String> missing = new TreeSet<>(FLOOR);
        ledger.claims().forEach(c -> missing.remove(c.id()));
        assertTrue(missing.isEmpty(), "claims of the floor missing from the ledger: " + missing);
    }

    @Test
    void everyClaimNamesAnExperimentTestOrProbeAsEvidence() {
        for (Claim claim : ledger.claims()) {
            assertTrue(EXPERIMENT.matcher(claim.evidence()).find() || claim.evidence().contains("Test")
                    || PROBE_REF.matcher(claim.evidence()).find(), claim.id() + " names no evidence: " + claim.evidence());
        }
    }

    @Test
    void degenerateGqaClaimRestsOnTheGqaLawTest() {
        Claim claim = ledger.get("C-GQA-DEGENERATE");
        assertEquals(Verdict.TRUE, claim.verdict());
        assertTrue(claim.evidence().contains("dev.attnref.attention.GqaLawsTest"), claim.evidence());
    }

    @Test
    void probesCitedAsEvidenceExistInSeedOutputs() throws IOException {
        Path root = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();
        JsonNode probes = new ObjectMapper().readTree(read(root.resolve("reference-data/seeds/seed_outputs.json")))
                .path("probes");
        for (Claim claim : ledger.claims()) {
            Matcher m = PROBE_REF.matcher(claim.evidence());
            while (m.find()) {
                assertFalse(probes.path(m.group(1)).isMissingNode(),
                        claim.id() + ": no probe " + m.group(1) + " in seed_outputs.json");
            }
        }
    }

    @Test
    void parseRejectsAnUnknownVerdictNamingIt() {
        String json = "{\"claims\": [{\"id\": \"C-X\", \"seed\": \"000\", \"section\": \"§1\", \"claimZh\": \"z\","
                + " \"claimEn\": \"e\", \"verdict\": \"MAYBE\", \"evidence\": \"E01\", \"reasoning\": \"r\"}]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClaimsLedger.parse(json));
        assertTrue(e.getMessage().contains("MAYBE") && e.getMessage().contains("UNDECIDABLE-HERE"), e.getMessage());
    }

    @Test
    void parseRejectsAMissingFieldNamingTheClaimAndField() {
        String json = "{\"claims\": [{\"id\": \"C-X\", \"seed\": \"000\", \"section\": \"§1\", \"claimZh\": \"z\","
                + " \"claimEn\": \"e\", \"verdict\": \"TRUE\", \"reasoning\": \"r\"}]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClaimsLedger.parse(json));
        assertTrue(e.getMessage().contains("C-X") && e.getMessage().contains("'evidence'"), e.getMessage());
    }
}
