package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.golden.OnnxConformance;
import dev.attnref.mirror.BugCatalogue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.attnref.report.ClaimRules.DECODE;
import static dev.attnref.report.ClaimRules.FIT;
import static dev.attnref.report.ClaimRules.KV;

/**
 * The report's first screen: what attnref checked and how, every claim's verdict in one line, the headline
 * figures of the committed results, and what is modelled rather than measured.
 *
 * <p>Every count is computed here from the repository (property laws and their tries declared in
 * {@code src/test/java}, the ONNX conformance cases run through the oracle now, the recorded PyTorch, NumPy
 * and MLA cross-check cases, the bug catalogue, the claims ledger decided by its rules) and every figure is
 * read from a committed CSV, never from the machine that builds the report, so {@code ./attnref report}
 * stays byte-identical. Every line links to the section that holds the detail; the anchors are the report's
 * own headings slugged as GitHub renders them ({@link #slug}), and a heading the summary cannot find stops
 * the build. Checked by {@code SummarySectionTest} and {@code ReportDeterminismTest}.
 */
final class SummarySection {
    /** The summary's heading, the first of the report after its title. */
    static final String HEADING = "## Summary";

    private static final String TITLE = "# attnref — comparison report\n\n";
    private static final Pattern PROPERTY = Pattern.compile("Property\\.of\\(\\s*\"[^\"]+\"");
    private static final Pattern TRIES = Pattern.compile("\\.tries\\(([^)]*)\\)");
    private static final int DEFAULT_TRIES = 100;

    private final Path root;
    private final Map<String, String> anchors;

    private SummarySection(Path root, Map<String, String> anchors) {
        this.root = root;
        this.anchors = anchors;
    }

    /** {@code report} with the summary inserted after its title line. */
    static String insertAfterTitle(Path root, String report) {
        int at = report.indexOf(TITLE);
        if (at < 0) {
            throw new IllegalStateException("the report has no title line '" + TITLE.strip() + "' to put the summary under");
        }
        int end = at + TITLE.length();
        String rest = report.substring(end);
        String summary = new SummarySection(root, anchors(report.substring(0, end) + HEADING + "\n" + rest)).text();
        return report.substring(0, end) + summary + rest;
    }

    /** The anchor of every heading of a Markdown text, by heading text, as GitHub numbers repeats (-1, -2, …). */
    static Map<String, String> anchors(String markdown) {
        Map<String, String> byHeading = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").strip();
                String slug = slug(heading);
                int repeat = seen.merge(slug, 1, Integer::sum) - 1;
                byHeading.putIfAbsent(heading, "#" + slug + (repeat == 0 ? "" : "-" + repeat));
            }
        }
        return byHeading;
    }

    /** GitHub's heading anchor: lower case, punctuation and symbols dropped (but {@code -}, {@code _}), spaces → {@code -}. */
    static String slug(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M}\\p{Pc} -]", "").replace(' ', '-');
    }

    /** The anchor of the first heading that contains {@code words}. */
    private String link(String words) {
        return anchors.entrySet().stream().filter(e -> e.getKey().contains(words)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("the report has no heading containing '" + words
                        + "', which its summary links to; headings: " + anchors.keySet()));
    }

    private String text() {
        Evidence ev = new Evidence(root);
        return HEADING + "\n\n" + checked() + "\n" + verdicts() + "\n" + headlines(ev) + "\n" + modelled() + "\n";
    }

    // ---- what was checked ---------------------------------------------------------------------------

    private String checked() {
        int[] laws = propertyLaws();
        List<Path> cases = OnnxConformance.caseFiles(root.resolve(OnnxConformance.CASE_FOLDER));
        long passed = cases.stream().filter(c -> OnnxConformance.run(c).passed()).count();
        JsonNode seeds = json("reference-data/seeds/seed_outputs.json");
        int seedCases = 0;
        for (JsonNode snippet : seeds.path("snippets")) {
            seedCases += snippet.path("cases").size();
        }
        int semantics = 0;
        for (JsonNode operation : json("src/test/resources/dev/attnref/core/torch_cases.json")) {
            semantics += operation.isArray() ? operation.size() : 0;
        }
        JsonNode mla = json("reference-data/mla/crosscheck_outputs.json").path("cases");
        JsonNode golden = json("reference-data/v1/manifest.json").path("cases");
        JsonNode v2 = json("reference-data/v2/manifest.json").path("cases");
        Set<String> variants = new TreeSet<>();
        golden.forEach(c -> variants.add(c.path("variant").asText()));
        v2.forEach(c -> variants.add(c.path("variant").asText()));
        String tests = link("Conformance and property tests");
        return String.format(Locale.ROOT, """
                **Checked** ([tests](%s)):
                - [Laws](%s): %d seeded property laws, %s tries per `mvn verify` (each failing try prints its replay \
                command); [PIT's mutation score](%s) below.
                - [Conformance](%s): %d of %d ONNX Attention-23/24 cases pass through the float64 oracle, rerun for this report.
                - [PyTorch](%s): %d recorded cases of the seeds' %d snippets run as published and as fixed (PyTorch %s), %s \
                tensor-semantics cases (view, matmul, bmm, broadcast, repeat_interleave, cat, softmax), and PyTorch's SDPA \
                in-process against the oracle.
                - [DeepSeek-style equations](%s): %d MLA/MFA cases computed by a PyTorch script written from docs/MATH.md.
                - [NumPy](%s): an independent port re-derives all %d golden cases of v1 and %d of v2 (RoPE scaling, \
                bf16/fp16 inputs) over %d variants.
                - [Bugs](%s): %s
                """, tests, tests, laws[0], Markdown.num(laws[1]), link("mutation testing"), tests, passed, cases.size(),
                link("Seed bugs (derived)"), seedCases, seeds.path("snippets").size(), seeds.path("torch_version").asText(),
                Markdown.num(semantics), tests, mla.size(), link("Golden vectors"), golden.size(), v2.size(), variants.size(),
                link("Seed bugs (derived)"), bugs());
    }

    /** {laws, tries}: every {@code Property.of("…")} in {@code src/test/java} and its {@code .tries(n)} (100 if none). */
    private int[] propertyLaws() {
        int[] counts = new int[2];
        try (Stream<Path> files = Files.walk(root.resolve("src/test/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/property/"))
                    .sorted().toList()) {
                String source = Files.readString(file, StandardCharsets.UTF_8);
                Matcher law = PROPERTY.matcher(source);
                while (law.find()) {
                    String declaration = source.substring(law.end(), source.indexOf(".check(", law.end()));
                    Matcher tries = TRIES.matcher(declaration);
                    counts[0]++;
                    counts[1] += tries.find() ? triesValue(source, tries.group(1).strip(), file) : DEFAULT_TRIES;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading src/test/java for the summary's count of property laws", e);
        }
        return counts;
    }

    /** A {@code .tries(…)} argument: a number, or a constant {@code static final int NAME = n;} of the same file. */
    private static int triesValue(String source, String argument, Path file) {
        if (argument.matches("\\d+")) {
            return Integer.parseInt(argument);
        }
        Matcher constant = Pattern.compile("final int " + Pattern.quote(argument) + "\\s*=\\s*(\\d+);").matcher(source);
        if (!constant.find()) {
            throw new IllegalStateException(file + ": .tries(" + argument + ") is neither a number nor a 'final int "
                    + argument + " = n;' of the file; the report's summary counts the tries");
        }
        return Integer.parseInt(constant.group(1));
    }

    private static String bugs() {
        List<BugCatalogue.Bug> bugs = BugCatalogue.load().bugs();
        Map<String, Long> byKind = bugs.stream().collect(Collectors.groupingBy(b -> b.kind().label(), TreeMap::new,
                Collectors.counting()));
        return bugs.size() + " bugs in the seeds' code, each reproduced in PyTorch and witnessed by a test (" + byKind
                .entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")) + ").";
    }

    // ---- verdicts -------------------------------------------------------------------------------------

    private String verdicts() {
        List<ClaimsLedger.Decided> decided = ClaimsLedger.load().decide(root);
        Map<String, Long> counts = decided.stream().collect(Collectors.groupingBy(d -> d.verdict().label(), TreeMap::new,
                Collectors.counting()));
        String claims = link("Claims ledger");
        List<List<String>> rows = new ArrayList<>();
        for (ClaimsLedger.Decided d : decided) {
            rows.add(List.of("[" + d.claim().id() + "](" + claims + ")", "**" + d.verdict().label() + "**",
                    DerivedSections.shorten(d.claim().claimEn(), 110)));
        }
        return "**Verdicts** on the seeds' claims ([claims ledger](" + claims + "); each derived by the claim's rule "
                + "from the committed results): " + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ")) + ".\n\n"
                + Markdown.table(List.of("claim", "verdict", "what the seed says"), rows);
    }

    // ---- headline figures ---------------------------------------------------------------------------

    private String headlines(Evidence ev) {
        return "**Headline figures** ([measured on this CPU](" + link("Measured on this CPU") + "), committed results):\n"
                + "- [KV cache per token, bf16](" + link("KV cache") + "): " + kvBytes(ev) + ".\n"
                + "- [Decode step](" + link("E02 ") + ") " + decode(ev) + ".\n"
                + "- [Prefill](" + link("E03 ") + "), fitted exponent k of time ≈ a·S^k [95% interval]: " + prefill(ev) + ".\n"
                + "- [Race](" + link("Fast float32 kernels") + ") " + race(ev) + ".\n";
    }

    /** Bytes per token of every catalogue model (not the DeepSeek-V2 ablation rows, which are no released model). */
    private static String kvBytes(Evidence ev) {
        return ev.rows(KV, "precision=bf16").stream().filter(r -> !ev.text(KV, "model", r).contains("ablation"))
                .map(r -> ev.text(KV, "model", r) + " " + ev.text(KV, "form", r) + " "
                        + Markdown.bytes(ev.number(KV, "bytes_per_token", r))).collect(Collectors.joining(" · "));
    }

    /** Each variant's step time at the longest cache the committed E02 run measured, median [q1–q3]. */
    private static String decode(Evidence ev) {
        String engine = MeasuredClaimRules.fastEngine(ev);
        List<Integer> rows = ev.rows(DECODE, "engine=" + engine);
        double longest = rows.stream().mapToDouble(r -> ev.number(DECODE, "cache_length", r)).max().orElseThrow();
        return "(one layer, cache S = " + Markdown.num(longest) + ", " + engine + ", median [q1–q3]): "
                + ev.rows(DECODE, "engine=" + engine, "cache_length=" + (long) longest).stream()
                .map(r -> ev.text(DECODE, "variant", r) + " " + Markdown.num(ev.number(DECODE, "median_ms", r)) + " ms ["
                        + Markdown.num(ev.number(DECODE, "q1_ms", r)) + "–" + Markdown.num(ev.number(DECODE, "q3_ms", r)) + "]")
                .collect(Collectors.joining(" · "));
    }

    private static String prefill(Evidence ev) {
        return ev.rows(FIT).stream().map(r -> String.format(Locale.ROOT, "%s %.2f [%.2f–%.2f]",
                ev.text(FIT, "what", r).startsWith("core") ? ev.text(FIT, "shape", r) : ev.text(FIT, "variant", r),
                ev.number(FIT, "exponent", r), ev.number(FIT, "exponent_low95", r), ev.number(FIT, "exponent_high95", r)))
                .collect(Collectors.joining(" · "));
    }

    /** Each peer's (ONNX Runtime, PyTorch) time over the fast kernel's, per race point: median and range over the points. */
    private static String race(Evidence ev) {
        String race = "fast-race/race";
        Map<String, List<Double>> ratios = new TreeMap<>(Comparator.reverseOrder());
        for (int r : ev.rows(race)) {
            String contender = ev.text(race, "contender", r);
            if (contender.startsWith("ORT") || contender.startsWith("PyTorch")) {
                ratios.computeIfAbsent(contender, k -> new ArrayList<>()).add(ev.number(race, "fast_speedup", r));
            }
        }
        return "(contender's median time over the fast kernels', per point; median and range over the points): "
                + ratios.entrySet().stream().map(e -> {
                    List<Double> sorted = e.getValue().stream().sorted().toList();
                    return String.format(Locale.ROOT, "%s %.2f× [%.2f–%.2f] over %d points", e.getKey(),
                            MeasuredClaimRules.median(sorted), sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
                }).collect(Collectors.joining(" · "));
    }

    // ---- modelled, not measured --------------------------------------------------------------------------

    private String modelled() {
        return "**Modelled, not measured:** the [roofline times per layer](" + link("Roofline predictions")
                + ") on GPUs and accelerators (datasheet peaks; no GPU point here is measured, and the [calibration]("
                + link("Calibration against published") + ") sets them beside published GPU figures), the [FLOP and byte "
                + "counts](" + link("FLOP and byte formulas") + ") behind every cost figure, and the [KV-cache sizes of "
                + "real models](" + link("KV cache") + ") (computed from their configurations). What attnref cannot "
                + "decide — the quality of a trained model — is [UNDECIDABLE-HERE](" + link("Claims ledger") + "); the "
                + "[published ablations](" + link("Published quality") + ") are quoted beside the KV cache.\n";
    }

    // ---- files --------------------------------------------------------------------------------------------

    private JsonNode json(String file) {
        try {
            return new ObjectMapper().readTree(Files.readString(root.resolve(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " for the report's summary", e);
        }
    }
}
