package dev.attnref.golden.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.GoldenVerifier;
import dev.attnref.golden.Json;
import dev.attnref.golden.Precision;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.StoredTensor;
import dev.attnref.golden.Tolerance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The bug zoo: every golden case against every {@link Mutant} of the {@link PlainPort}, in float32 and
 * bf16, to show which cases catch which porting bug (issue 14, "Proof that the vectors catch bugs").
 *
 * <p>A case <em>catches</em> a mutant in a precision when the mutant's outputs fail it, or the mutant cannot
 * run it (it throws, as a port reading a mask with the wrong rank does). The control (the port with no bug)
 * must pass every case it expresses, so that a catch is the bug's doing.
 *
 * <ul>
 *   <li><b>float32</b>: {@link GoldenVerifier#verify} at the case's own float32 tolerance, exactly what
 *       {@code attnref golden verify} tells a port author.</li>
 *   <li><b>bf16</b>: FlashAttention's rule as {@code golden verify --precision bf16} applies it
 *       ({@link Tolerance#lowPrecision}): per output tensor, the port's largest error may be at most
 *       {@link Tolerance#LOW_PRECISION_MULTIPLE} = 2 times the baseline error, the error of a plain implementation in
 *       bf16, plus FlashAttention's {@code fwd_atol} floor; non-finite values must match exactly. v2's bf16 cases
 *       carry their baseline, and {@link GoldenVerifier#verify(GoldenCase, Safetensors.Contents,
 *       dev.attnref.golden.Precision)} judges them as it judges any port. The other cases carry none, so the
 *       control port's own bf16 error is the baseline; the control must then stay within {@link #BF16_SANITY}, so
 *       that the baseline is a bf16 port's error and not a broken one (on the bf16 cases it must also pass
 *       their stored rule).</li>
 * </ul>
 */
public final class BugZoo {
    /**
     * The bf16 control must stay within this of the float64 expected values: bf16 keeps 8 significant bits
     * (unit roundoff 2⁻⁸ ≈ 3.9e-3), and the golden computations chain up to about ten rounded operations on
     * O(1) values, so a correct bf16 port lands within a few times 1e-2; 0.125 absolute plus 0.125 relative
     * (32 bf16 ulps of 1) still fails a port that is off by a wrong scale or mask (errors of O(1)).
     */
    static final Tolerance BF16_SANITY = new Tolerance(0.125, 0.125);

    /** The precisions the plain port stores its tensors in, in the table's order. */
    static final List<Precision> PRECISIONS = List.of(Precision.FP32, Precision.BF16);

    private BugZoo() {
    }

    /** What one mutant's run gave: the cases that catch it in each precision, in case order. */
    public record Catches(Mutant mutant, Map<Precision, List<String>> caughtBy) {
        /** The cases that catch it in either precision, sorted. */
        public List<String> caughtByAny() {
            TreeSet<String> all = new TreeSet<>();
            caughtBy.values().forEach(all::addAll);
            return List.copyOf(all);
        }
    }

    /**
     * The whole zoo: the cases the port expresses, those it does not (id → why), the cases the control fails per
     * precision (must be empty), and every mutant's catches.
     */
    public record Result(List<String> expressed, Map<String, String> notExpressed,
            Map<Precision, List<String>> controlFailures, List<Catches> mutants) {
    }

    /** The golden directories of a repository: {@code reference-data/v1}, and {@code v2}, … when they exist. */
    public static List<Path> versions(Path root) {
        Path data = root.resolve("reference-data");
        try (Stream<Path> dirs = Files.list(data)) {
            return dirs.filter(d -> d.getFileName().toString().matches("v[0-9]+") && Files.isRegularFile(d.resolve("manifest.json")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + data, e);
        }
    }

    /** The case manifests of the given golden directories, each directory's in file-name order. */
    public static List<Path> manifests(List<Path> versions) {
        List<Path> out = new ArrayList<>();
        for (Path dir : versions) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.toString().endsWith(".json")).filter(p -> !p.getFileName().toString().equals("manifest.json")
                        && !p.getFileName().toString().equals("provenance.json")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException("listing " + dir, e);
            }
        }
        return out;
    }

    /** Runs every case of {@code manifests} through the control and every mutant, in both precisions. */
    public static Result run(List<Path> manifests) {
        List<String> expressed = new ArrayList<>();
        Map<String, String> notExpressed = new LinkedHashMap<>();
        Map<Precision, List<String>> controlFailures = perPrecision();
        Map<Mutant, Map<Precision, List<String>>> caught = new EnumMap<>(Mutant.class);
        for (Mutant m : Mutant.values()) {
            caught.put(m, perPrecision());
        }
        for (Path manifest : manifests) {
            Loaded c = load(manifest);
            try {
                for (Precision p : PRECISIONS) {
                    runCase(c, p, controlFailures.get(p), caught);
                }
                expressed.add(c.golden().id());
            } catch (PlainPort.NotExpressible e) {
                notExpressed.put(c.golden().id(), e.getMessage());
            }
        }
        List<Catches> mutants = new ArrayList<>();
        caught.forEach((m, byPrecision) -> mutants.add(new Catches(m, byPrecision)));
        return new Result(expressed, notExpressed, controlFailures, mutants);
    }

    private static Map<Precision, List<String>> perPrecision() {
        Map<Precision, List<String>> map = new LinkedHashMap<>();
        for (Precision p : PRECISIONS) {
            map.put(p, new ArrayList<>());
        }
        return map;
    }

    /** A case and its manifest's config (the port reads the config as a port author would). */
    private record Loaded(GoldenCase golden, JsonNode config) {
    }

    private static Loaded load(Path manifest) {
        try {
            return new Loaded(GoldenCase.read(manifest), Json.read(manifest).get("config"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + manifest, e);
        }
    }

    /** The control and every mutant on one case in one precision; throws NotExpressible before recording anything. */
    private static void runCase(Loaded c, Precision precision, List<String> controlFailures,
            Map<Mutant, Map<Precision, List<String>>> caught) {
        if (c.golden().expectedError() != null) {
            throw new PlainPort.NotExpressible("the published code raises; the port computes outputs");
        }
        Map<String, StoredTensor> control = new PlainPort(precision, null).run(c.golden().variant(), c.config(),
                c.golden().inputs());
        GoldenVerifier.CaseReport baseline = verify(c.golden(), control);
        boolean controlPasses = precision == Precision.FP32 ? baseline.passed()
                : within(c.golden(), control, BF16_SANITY) && (!storesBf16Baseline(c.golden()) || verifyBf16(c.golden(), control));
        if (!controlPasses) {
            controlFailures.add(c.golden().id());
        }
        for (Mutant m : Mutant.values()) {
            if (catches(c, precision, m, baseline)) {
                caught.get(m).get(precision).add(c.golden().id());
            }
        }
    }

    private static boolean catches(Loaded c, Precision precision, Mutant m, GoldenVerifier.CaseReport baseline) {
        Map<String, StoredTensor> outputs;
        try {
            outputs = new PlainPort(precision, m).run(c.golden().variant(), c.config(), c.golden().inputs());
        } catch (IndexOutOfBoundsException crash) {
            return true;                                       // the wrong port cannot run the case: caught
        }
        if (precision == Precision.FP32) {
            return !verify(c.golden(), outputs).passed();
        }
        if (storesBf16Baseline(c.golden())) {
            return !verifyBf16(c.golden(), outputs);
        }
        for (GoldenVerifier.TensorReport base : baseline.tensors()) {
            StoredTensor expected = c.golden().expected().get(base.name());
            Tolerance rule = Tolerance.lowPrecision(base.maxAbsError(), expected.values(), Precision.BF16);
            if (!within(expected, outputs.get(base.name()), rule)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the case carries its own bf16 baseline errors (v2's bf16 cases): then `golden verify --precision bf16` judges. */
    private static boolean storesBf16Baseline(GoldenCase golden) {
        return golden.missingBaseline(Precision.BF16) == null;
    }

    private static boolean verifyBf16(GoldenCase golden, Map<String, StoredTensor> outputs) {
        return GoldenVerifier.verify(golden, new Safetensors.Contents(outputs, Map.of()), Precision.BF16)
                .passed();
    }

    private static GoldenVerifier.CaseReport verify(GoldenCase golden, Map<String, StoredTensor> outputs) {
        return GoldenVerifier.verify(golden, new Safetensors.Contents(outputs, Map.of()));
    }

    /** Whether every output tensor is within {@code tolerance} of the expected one, element by element. */
    private static boolean within(GoldenCase golden, Map<String, StoredTensor> outputs, Tolerance tolerance) {
        return golden.expected().entrySet().stream().allMatch(e -> within(e.getValue(), outputs.get(e.getKey()), tolerance));
    }

    private static boolean within(StoredTensor expected, StoredTensor actual, Tolerance tolerance) {
        double[] e = expected.values();
        double[] a = actual.values();
        for (int i = 0; i < e.length; i++) {
            if (!tolerance.allows(e[i], a[i])) {
                return false;
            }
        }
        return true;
    }

    /** The header of {@link #rows}. */
    public static final List<String> HEADER = List.of("mutant", "what the port does wrong", "caught in float32 by",
            "caught in bf16 by");

    /**
     * One row per mutant: id, description, and per precision the number of cases that catch it followed by the
     * first {@code shown} of their ids ("none" when no case does).
     */
    public static List<List<String>> rows(Result result, int shown) {
        List<List<String>> rows = new ArrayList<>();
        for (Catches c : result.mutants()) {
            rows.add(List.of(c.mutant().id(), c.mutant().description(), cases(c.caughtBy().get(Precision.FP32), shown),
                    cases(c.caughtBy().get(Precision.BF16), shown)));
        }
        return rows;
    }

    private static String cases(List<String> ids, int shown) {
        if (ids.isEmpty()) {
            return "none";
        }
        String listed = String.join(", ", ids.subList(0, Math.min(shown, ids.size())));
        return ids.size() + ": " + listed + (ids.size() > shown ? ", …" : "");
    }

    /** One line: how many cases ran, and the control's verdict in each precision. */
    public static String summary(Result result) {
        StringBuilder sb = new StringBuilder();
        sb.append(result.expressed().size()).append(" cases run (").append(result.notExpressed().size())
                .append(" not expressed by the port); control: ");
        for (Precision p : PRECISIONS) {
            List<String> failed = result.controlFailures().get(p);
            sb.append(p == Precision.FP32 ? "" : ", ").append(p.label()).append(" ")
                    .append(failed.isEmpty() ? "passes every case" : "FAILS " + failed);
        }
        long caught = result.mutants().stream().filter(c -> !c.caughtByAny().isEmpty()).count();
        return sb.append("; ").append(caught).append(" of ").append(result.mutants().size()).append(" mutants caught").toString();
    }

    /**
     * The result as data: {@code cases_run}, {@code not_expressed} (id → why), {@code control} (per precision the
     * cases it fails), and {@code mutants}, one entry per mutant with {@code id}, {@code description},
     * {@code caught_by} (either precision) and {@code caught_by_float32}, {@code caught_by_bf16}.
     */
    public static Map<String, Object> json(Result result) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cases_run", result.expressed());
        root.put("not_expressed", result.notExpressed());
        Map<String, Object> control = new LinkedHashMap<>();
        result.controlFailures().forEach((p, failed) -> control.put(p.label() + "_failures", failed));
        root.put("control", control);
        List<Map<String, Object>> mutants = new ArrayList<>();
        for (Catches c : result.mutants()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.mutant().id());
            m.put("description", c.mutant().description());
            m.put("caught_by", c.caughtByAny());
            c.caughtBy().forEach((p, ids) -> m.put("caught_by_" + p.label(), ids));
            mutants.add(m);
        }
        root.put("mutants", mutants);
        return root;
    }
}
