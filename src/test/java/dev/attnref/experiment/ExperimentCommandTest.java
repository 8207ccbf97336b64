package dev.attnref.experiment;

import dev.attnref.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code attnref experiment} end to end on tiny specs: every experiment runs, writes stamped CSVs and
 * PNG charts under {@code --out}, and bad invocations exit 2 with a message.
 */
class ExperimentCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Path spec(Path dir, String id, String block) throws IOException {
        Path file = dir.resolve(id + ".json");
        Files.writeString(file, "{\"id\": \"" + id + "\", \"full\": " + block + ", \"quick\": " + block + "}");
        return file;
    }

    private static Table runTiny(Path dir, String id, String block, String csv) throws IOException {
        return runTiny(dir, id, block, csv, 1);
    }

    private static Table runTiny(Path dir, String id, String block, String csv, int threads) throws IOException {
        Path out = dir.resolve(id + "-out");
        Run r = run("experiment", id, "--quick", "--threads", Integer.toString(threads), "--spec",
                spec(dir, id, block).toString(), "--out", out.toString());
        assertEquals(0, r.exit(), id + " failed: " + r.err() + r.out());
        assertTrue(r.out().contains("[" + id + "] done in"), r.out());
        Path file = out.resolve("results").resolve(csv + ".csv");
        assertTrue(Files.isRegularFile(file), "missing " + file);
        Table t = Results.read(file);
        assertTrue(t.columnNames().containsAll(Stamp.COLUMNS), "stamp columns missing: " + t.columnNames());
        assertEquals("quick", Results.text(t, "mode", 0));
        try (var charts = Files.list(out.resolve("charts"))) {
            assertTrue(charts.anyMatch(p -> p.toString().endsWith(".png")), "no PNG chart for " + id);
        }
        return t;
    }

    @Test
    void decodeOnATinySpecWritesOneRowPerShapeKernelsAndLength(@TempDir Path dir) throws IOException {
        Table t = runTiny(dir, "E02", """
                {"cacheLengths": [64, 128], "kernels": ["VECTOR", "SCALAR"], "chartKernels": "VECTOR",
                 "clock": "thread-cpu", "rounds": 5, "minSeconds": 0, "maxWarmupSeconds": 0,
                 "probeMiB": 1, "probeRepeats": 1, "catalogueCacheLengths": [1024], "batches": [1],
                 "shapes": [{"kind": "gqa", "heads": 2, "kvHeads": 1, "headDim": 8},
                            {"kind": "mla-absorbed", "heads": 2, "latentDim": 8, "ropeDim": 4}]}""", "decode_measured", 2);
        assertEquals(2 * 2 * 2, t.rowCount());
        // rows by length, then shape, then kernels: the MQA core at S = 128 reads 128 · 1·(8 + 8) · 4 = 8,192 bytes
        assertEquals(8_192.0, Results.number(t, "bytes_read", 4));
        assertEquals("fast float32 (dev.attnref.fast)", Results.text(t, "engine", 4));
        assertEquals("fast float32 scalar twin (dev.attnref.fast)", Results.text(t, "engine", 5));
        for (int r = 0; r < t.rowCount(); r++) {
            assertEquals(5.0, Results.number(t, "repeats", r));
            assertTrue(Results.number(t, "min_ms", r) <= Results.number(t, "median_ms", r)
                    && Results.number(t, "median_ms", r) <= Results.number(t, "max_ms", r), "row " + r);
            assertTrue(Results.text(t, "busy", r).matches("no|(load|steal|others|host|spread|jit)(\\+(steal|others|host|spread|jit))*"),
                    Results.text(t, "busy", r));
        }
        // thread-cpu timing runs one thread whatever --threads says, and the stamp says so
        assertEquals(1.0, Results.number(t, "threads", 0));
    }

    @Test
    void aPrefillFitOverFewerThanFourOctavesIsRefused(@TempDir Path dir) throws IOException {
        Run r = run("experiment", "E03", "--quick", "--spec", spec(dir, "E03", """
                {"lengths": [16, 32, 64, 128], "kernels": "VECTOR", "fitFrom": 16, "clock": "thread-cpu", "rounds": 5,
                 "minSeconds": 0, "maxWarmupSeconds": 0, "catalogueLengths": [512],
                 "shapes": [{"kind": "gqa", "heads": 2, "kvHeads": 1, "headDim": 8}],
                 "moduleShape": {"modelWidth": 16, "heads": 2, "qLoraRank": 0, "kvLoraRank": 8, "nopeDim": 4,
                                 "ropeDim": 2, "valueDim": 4},
                 "moduleLengths": [4, 64], "moduleFitFrom": 4}""").toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("spec 'fitFrom' (16.0) to the largest S (128.0) spans 3.0 octaves; a fitted exponent "
                + "needs ≥ 4.0"), r.err());
    }

    @Test
    void everyOtherExperimentRunsOnATinySpec(@TempDir Path dir) throws IOException {
        runTiny(dir, "E01", "{\"precisions\": [\"bf16\"], \"contexts\": [1024]}", "kv_per_token");
        Table fits = runTiny(dir, "E03", """
                {"lengths": [16, 32, 64, 128, 256], "kernels": "SCALAR", "fitFrom": 16, "clock": "thread-cpu", "rounds": 5,
                 "minSeconds": 0, "maxWarmupSeconds": 0, "catalogueLengths": [512],
                 "shapes": [{"kind": "mla-absorbed", "heads": 2, "latentDim": 8, "ropeDim": 4}],
                 "moduleShape": {"modelWidth": 16, "heads": 2, "qLoraRank": 0, "kvLoraRank": 8, "nopeDim": 4,
                                 "ropeDim": 2, "valueDim": 4},
                 "moduleLengths": [4, 16, 64], "moduleFitFrom": 4}""", "prefill_fit");
        assertEquals(3, fits.rowCount());     // one core shape and the two MLA modules
        for (int r = 0; r < fits.rowCount(); r++) {
            assertTrue(Results.number(fits, "exponent_low95", r) <= Results.number(fits, "exponent", r)
                    && Results.number(fits, "exponent", r) <= Results.number(fits, "exponent_high95", r), "row " + r);
        }
        runTiny(dir, "E04", """
                {"jdks": ["current"], "threads": [1], "probeMiB": 1, "probeRepeats": 1, "cacheLength": 64, "heads": 2,
                 "kvHeads": 1, "headDim": 8, "rounds": 5, "minSeconds": 0, "maxWarmupSeconds": 0}""", "sweep");
        // heap of each probe JVM: 1,024 MiB + probeMiB 1 + 8 cache tensors of 1·64·8 doubles (4 KiB: 0 whole MiB)
        Table jdks = Results.read(dir.resolve("E04-out").resolve("results").resolve("jdks.csv"));
        assertEquals("-Xms1025m -Xmx1025m -XX:+AlwaysPreTouch", Results.text(jdks, "probe_flags", 0));
        Table rank = runTiny(dir, "E05", """
                {"precisionShape": {"kind": "gqa", "heads": 2, "kvHeads": 1, "headDim": 8}, "precisionLengths": [8, 16],
                 "moduleShape": {"modelWidth": 16, "heads": 2, "qLoraRank": 8, "kvLoraRank": 8, "nopeDim": 4,
                                 "ropeDim": 2, "valueDim": 4},
                 "moduleLengths": [4], "coreShape": {"heads": 2, "latentDim": 8, "ropeDim": 2, "nopeDim": 4, "valueDim": 4},
                 "coreLengths": [8], "maskHeads": 1, "maskLength": 4, "maskHeadDim": 4, "maskLogitStds": [1],
                 "maskFills": ["-Infinity", -1e-9],
                 "rank": {"modelWidth": 16, "heads": 1, "qLoraRank": 6, "ropeDim": 2, "valueDim": 2, "nopeDims": [2],
                          "latentWidths": [1, 4]}}""", "mla_head_rank");
        // rank of W_UQᵀ W_UK [Q_in 6, C] with D_nope 2: min(2, 6, 1) = 1 at C = 1, min(2, 6, 4) = 2 at C = 4
        assertEquals(1.0, Results.number(rank, "max_rank_over_heads", 0));
        assertEquals(2.0, Results.number(rank, "max_rank_over_heads", 1));
        Table saturation = runTiny(dir, "E06", "{\"headDims\": [4, 64], \"keys\": 16, \"samples\": 4}", "saturation");
        assertEquals(4, saturation.rowCount());
        runTiny(dir, "E07", """
                {"seedOutputs": "reference-data/seeds/seed_outputs.json", "lengths": [1, 4], "heads": 2, "headDim": 4}""",
                "seed_bug_effects");
        runTiny(dir, "E08", """
                {"modelWidth": 8, "heads": 2, "headDim": 2, "tokens": 4, "correlations": [0.5], "kvHeads": [1, 2],
                 "spectra": ["iid"], "trueRank": 2, "noise": 0.1, "latentWidths": [2, 8]}""", "mha_to_latent");
    }

    @Test
    void anUnknownExperimentExitsTwoListingTheKnownOnes() {
        Run r = run("experiment", "E42");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown experiment (E42)") && r.err().contains("E02 (E02-decode)"), r.err());
    }

    @Test
    void aSpecOfAnotherExperimentIsRejected(@TempDir Path dir) throws IOException {
        Run r = run("experiment", "E06", "--spec", spec(dir, "E01", "{}").toString(), "--out", dir.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("has id 'E01'; expected 'E06'"), r.err());
    }

    @Test
    void specCannotGoWithAll(@TempDir Path dir) throws IOException {
        Run r = run("experiment", "--all", "--spec", spec(dir, "E01", "{}").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--spec names one experiment's spec"), r.err());
    }

    @Test
    void aFreshJvmRunsTheExperimentAndForwardsItsOutput(@TempDir Path dir) {
        StringWriter progress = new StringWriter();
        int code = ExperimentRunner.runInFreshJvm(Experiments.byId("E01"), Spec.Mode.QUICK, dir, 1,
                new PrintWriter(progress));
        assertEquals(0, code, progress.toString());
        assertTrue(progress.toString().contains("[E01] done in"), progress.toString());
        assertTrue(Files.isRegularFile(dir.resolve("results").resolve("kv_per_token.csv")), progress.toString());
    }

    @Test
    void listNamesEveryExperiment() {
        Run r = run("experiment", "--list");
        assertEquals(0, r.exit());
        for (Experiment e : Experiments.all()) {
            assertTrue(r.out().contains(e.folder()), r.out());
        }
    }
}
