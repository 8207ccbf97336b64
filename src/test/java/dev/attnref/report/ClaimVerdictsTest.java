package dev.attnref.report;

import dev.attnref.experiment.Results;
import dev.attnref.report.ClaimRules.Part;
import dev.attnref.report.ClaimsLedger.Claim;
import dev.attnref.report.ClaimsLedger.Decided;
import dev.attnref.report.ClaimsLedger.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every verdict of the ledger is what its rule gives on the committed results; every figure is found
 * where its source says; a changed CSV value changes the verdict.
 */
class ClaimVerdictsTest {
    private static final Path ROOT = Path.of(System.getProperty("attnref.root", "")).toAbsolutePath();

    private final ClaimsLedger ledger = ClaimsLedger.load();
    private static final List<Decided> DECIDED = ClaimsLedger.load().decide(ROOT);

    @Test
    void everyClaimHasARuleAndEveryRuleAClaim() {
        Set<String> claims = ledger.claims().stream().map(Claim::id).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(claims, new TreeSet<>(ClaimRules.ids()));
    }

    @Test
    void everyVerdictRederivedFromTheCommittedResultsIsTheLedgers() {
        List<String> disagreements = new ArrayList<>();
        for (Decided d : DECIDED) {
            if (d.verdict() != d.claim().verdict()) {
                disagreements.add(d.claim().id() + ": the ledger says " + d.claim().verdict().label() + ", the rule gives "
                        + d.verdict().label() + " — " + d.rule());
            }
        }
        assertTrue(disagreements.isEmpty(), String.join("\n", disagreements));
    }

    @Test
    void everyFigureReadFromACellIsInThatCellOfItsCommittedCsv() {
        int cells = 0;
        for (Decided d : DECIDED) {
            for (Evidence.Figure f : d.figures()) {
                if (f.source().startsWith("derived: ")) {
                    continue;
                }
                String[] parts = f.source().split(Evidence.SEP, -1);
                Table table = Results.read(ROOT.resolve(parts[0]));
                List<Integer> rows = new ArrayList<>();
                for (int r = 0; r < table.rowCount(); r++) {
                    if (parts[2].equals("its one row") || matches(table, r, parts[2].split(", "))) {
                        rows.add(r);
                    }
                }
                assertEquals(1, rows.size(), d.claim().id() + " figure " + f.name() + ": rows matching " + f.source());
                assertEquals(Results.number(table, parts[1], rows.get(0)), f.value(), 0,
                        d.claim().id() + " figure " + f.name() + " against " + f.source());
                cells++;
            }
        }
        assertTrue(cells >= 60, "only " + cells + " figures are read from cells");
    }

    private static boolean matches(Table table, int row, String[] conditions) {
        for (String c : conditions) {
            String cell = Results.text(table, c.substring(0, c.indexOf('=')), row);
            String wanted = c.substring(c.indexOf('=') + 1);
            if (!cell.equals(wanted) && !(cell.matches("[0-9.E+-]+") && Double.parseDouble(cell) == Double.parseDouble(wanted))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void everyDerivedFigureNamesTheCommittedFilesItIsComputedFrom() {
        for (Decided d : DECIDED) {
            for (Evidence.Figure f : d.figures()) {
                if (!f.source().startsWith("derived: ")) {
                    continue;
                }
                String from = f.source().substring(f.source().lastIndexOf(" from ") + 6);
                if (from.startsWith("the model catalogue")) {
                    continue;
                }
                for (String file : from.split(" and ")) {
                    assertTrue(Files.isRegularFile(ROOT.resolve(file)), d.claim().id() + " figure " + f.name()
                            + " names " + file + ", which is not a committed file");
                }
            }
        }
    }

    @Test
    void everyReasoningIsFilledAndEveryClaimReadsFigures() {
        for (Decided d : DECIDED) {
            assertFalse(d.reasoning().contains("{"), d.claim().id() + " has an unfilled placeholder: " + d.reasoning());
            assertFalse(d.figures().isEmpty(), d.claim().id() + " reads no figure");
            assertTrue(d.rule().contains(d.verdict().label()), d.claim().id() + ": rule text omits the verdict");
        }
    }

    /**
     * Copies one committed CSV under {@code copy}, setting each of {@code columns} the CSV has to {@code value} where
     * {@code key} starts with {@code prefix}.
     */
    private static void copyWith(Path copy, String csv, String key, String prefix, double value, String... columns) {
        Table table = Results.read(ROOT.resolve(csv));
        for (int r = 0; r < table.rowCount(); r++) {
            for (String column : columns) {
                if (Results.text(table, key, r).startsWith(prefix) && table.columnNames().contains(column)) {
                    table.doubleColumn(column).set(r, value);
                }
            }
        }
        Path file = copy.resolve(csv);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        table.write().csv(file.toFile());
    }

    @Test
    void lowerPrefillExponentsForMlaMakeTheLinearClaimTrue(@TempDir Path copy) {
        assertEquals(Verdict.FALSE, ClaimRules.decide("C-MLA-LINEAR", ROOT).verdict());
        copyWith(copy, "experiments/E03-prefill/results/prefill_fit.csv", "variant", "MLA (", 1.1, "exponent",
                "exponent_low95", "exponent_high95");
        ClaimRules.Decision changed = ClaimRules.decide("C-MLA-LINEAR", copy);
        assertEquals(1.1, changed.figures().get(0).value(), 0, "the edited exponent was not read: " + changed.figures());
        assertEquals(Verdict.TRUE, changed.verdict());
    }

    @Test
    void anElementCountSavingOfNinetyThreePointThreePercentMakesTheDeepSeekClaimTrue(@TempDir Path copy) {
        assertEquals(Verdict.PARTLY, ClaimRules.decide("C-DSV2-933", ROOT).verdict());
        copyWith(copy, "experiments/E01-kv-cache/results/kv_claims.csv", "claim", "deepseek-v2-vs-67b-elements", 93.3,
                "saving_percent");
        assertEquals(Verdict.TRUE, ClaimRules.decide("C-DSV2-933", copy).verdict());
    }

    @Test
    void aMissingResultsFileIsNamedWithWhatReadsIt(@TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClaimRules.decide("C-MLA-LINEAR", empty));
        assertTrue(e.getMessage().contains("experiments/E03-prefill/results/prefill_fit.csv"), e.getMessage());
    }

    @Test
    void oneRuleCombinesTheParts() {
        Part yes = new Part("a", Verdict.TRUE);
        Part no = new Part("b", Verdict.FALSE);
        Part unknown = Part.undecidable("c");
        assertEquals(Verdict.TRUE, ClaimRules.combine(List.of(yes, yes)));
        assertEquals(Verdict.FALSE, ClaimRules.combine(List.of(no, no)));
        assertEquals(Verdict.FALSE, ClaimRules.combine(List.of(no, unknown)));
        assertEquals(Verdict.PARTLY, ClaimRules.combine(List.of(yes, no)));
        assertEquals(Verdict.PARTLY, ClaimRules.combine(List.of(yes, unknown)));
        assertEquals(Verdict.UNDECIDABLE_HERE, ClaimRules.combine(List.of(unknown)));
    }

    @Test
    void placeholdersAreFilledWithTheirFormatAndAnUnknownOneIsNamed() {
        List<Evidence.Figure> figures = List.of(new Evidence.Figure("k", 2.0616, "s"), new Evidence.Figure("b", 69_120, "s"),
                new Evidence.Figure("w", 34_603_008, "s"));
        assertEquals("k = 2.06, 2.062, 67.5 KiB, 34.6M", ClaimsLedger.fill("C-X", "k = {k}, {k:%.3f}, {b:bytes}, {w:mega}", figures));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClaimsLedger.fill("C-X", "{nope}", figures));
        assertTrue(e.getMessage().contains("C-X") && e.getMessage().contains("{nope}"), e.getMessage());
    }

    /**
     * Copies one committed CSV under {@code copy}, its text unchanged except {@code column}, set to {@code value} in the
     * rows whose first cell is {@code firstCell} (the committed CSVs quote no cell before the ones edited here).
     */
    private static void copySetting(Path copy, String csv, String firstCell, String column, String value) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(ROOT.resolve(csv)));
        int at = List.of(lines.get(0).split(",")).indexOf(column);
        assertTrue(at >= 0, csv + " has no column " + column);
        int edited = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", -1);
            if (cells[0].equals(firstCell)) {
                cells[at] = value;
                lines.set(i, String.join(",", cells));
                edited++;
            }
        }
        assertTrue(edited > 0, csv + " has no row " + firstCell);
        Path file = copy.resolve(csv);
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
    }

    @Test
    void theSeedsClaimsTheLedgerAddedAreDecidedAsTheirReasoningSays() {
        for (String id : List.of("C-GQA-MODELS", "C-MLA-COMPUTE", "C-MFA-DESIGN", "C-MFA-ACCOUNT", "C-MHA-PARAMS")) {
            Decided d = DECIDED.stream().filter(x -> x.claim().id().equals(id)).findFirst().orElseThrow();
            assertEquals(d.claim().verdict(), d.verdict(), id + ": " + d.rule());
        }
        assertEquals(Verdict.FALSE, ClaimRules.decide("C-MHA-PARAMS", ROOT).verdict());
        assertEquals(Verdict.PARTLY, ClaimRules.decide("C-GQA-MODELS", ROOT).verdict());
    }

    @Test
    void aLlama2SevenBCachingLessThanMhaMakesTheGqaModelsClaimTrue(@TempDir Path copy) throws IOException {
        ClaimRules.Decision committed = ClaimRules.decide("C-GQA-MODELS", ROOT);
        assertEquals(Verdict.FALSE, committed.parts().get(0).verdict(), committed.rule());
        copySetting(copy, "experiments/E01-kv-cache/results/kv_per_token.csv", "Llama-2-7B", "values_per_token_per_layer",
                "2048");
        assertEquals(Verdict.TRUE, ClaimRules.decide("C-GQA-MODELS", copy).verdict());
    }

    @Test
    void anAbsorbedMlaCheaperPerCachedTokenThanMhaTurnsThatPartTrue(@TempDir Path copy) throws IOException {
        ClaimRules.Decision committed = ClaimRules.decide("C-MLA-COMPUTE", ROOT);
        assertEquals(Verdict.FALSE, committed.parts().get(1).verdict(), committed.rule());
        assertEquals(Verdict.TRUE, committed.parts().get(0).verdict(), committed.rule());
        copySetting(copy, "experiments/E02-decode/results/intensity.csv", "DeepSeek-V3 MLA (absorbed)",
                "core_flops_per_cached_token", "30000");
        ClaimRules.Decision changed = ClaimRules.decide("C-MLA-COMPUTE", copy);
        assertEquals(Verdict.TRUE, changed.parts().get(1).verdict(), changed.rule());
    }

    @Test
    void moreCountedFlopsForEightHeadsMakeTheMhaParametersClaimPartlyTrue(@TempDir Path copy) throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("experiments/E03-prefill/results/prefill_measured.csv"));
        int flops = List.of(lines.get(0).split(",")).indexOf("flops");
        List<String> edited = new ArrayList<>(lines.subList(0, 1));
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells[1].equals("MHA H8 G8 Dk128 Dv128")) {
                cells[flops] = Double.toString(2 * Double.parseDouble(cells[flops]));
            }
            edited.add(String.join(",", cells));
        }
        Path file = copy.resolve("experiments/E03-prefill/results/prefill_measured.csv");
        Files.createDirectories(file.getParent());
        Files.write(file, edited);
        assertEquals(Verdict.PARTLY, ClaimRules.decide("C-MHA-PARAMS", copy).verdict());
    }
}
