package dev.attnref.mirror;

import static dev.attnref.mirror.CatalogueJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The catalogue of every bug published in the seeds' code and code comments, as data.
 *
 * <p>One {@link Bug} per occurrence: a bug copied from one snippet into another (seed 000's mask
 * line is in both §2.1 and §3.1) has its own id, fix tag and witness, and shares its
 * {@link Bug#family() family}. Each bug was reproduced in PyTorch by
 * {@code reference-data/seeds/run_seeds.py}; {@link Bug#pythonEvidence()} points into the
 * {@code seed_outputs.json} it writes.
 *
 * <table>
 *   <caption>Fields of a bug</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>id</td><td>{@code S<seed>-<SNIPPET>-<WHAT>}, unique</td></tr>
 *   <tr><td>fixTag</td><td>{@code FIX-n}, unique; tags the changed lines in
 *       {@code reference-data/seeds/fixed_code.py} and in the Java mirror</td></tr>
 *   <tr><td>kind</td><td>{@link Kind}</td></tr>
 *   <tr><td>witness</td><td>{@code dev.attnref.mirror.<snippet>MirrorTest#<method>}: the test that
 *       shows the bug's effect</td></tr>
 *   <tr><td>nature</td><td>{@link Nature}: a defect, or a design choice the seed made on purpose</td></tr>
 *   <tr><td>upstream</td><td>where the seed copied the code from ({@link Upstream}: repository, file, commit,
 *       lines, and whether the bug is there too), or {@code null} when no upstream is established</td></tr>
 *   <tr><td>every other field</td><td>non-empty text</td></tr>
 * </table>
 *
 * <p>Source: {@value #RESOURCE}; each published line is checked against the recorded snippets in
 * {@code reference-data/seeds/published_code.py}, and the floor of known bugs is listed in
 * {@code BugCatalogueTest}. Checked by {@code BugCatalogueTest}.
 */
public final class BugCatalogue {
    /** Classpath location of the catalogue. */
    public static final String RESOURCE = "/dev/attnref/mirror/bugs.json";

    /** What kind of damage a bug does. */
    public enum Kind {
        /** The published code raises as published. */
        CRASH("crash"),
        /** The published code returns wrong numbers as published. */
        WRONG_RESULT("wrong-result"),
        /** Output or resources nobody asked for (prints, randomness, huge defaults). */
        NOISE("noise"),
        /** Text or a comment contradicts what the code does. */
        DOC("doc"),
        /** Bites only outside the published example: other inputs, dtypes or modes. */
        LATENT("latent");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The label used in {@code bugs.json}. */
        public String label() {
            return label;
        }

        /** The kind whose label is {@code label}. */
        public static Kind fromLabel(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("kind (" + label + ") must be one of "
                    + Arrays.stream(values()).map(Kind::label).collect(Collectors.joining(", ")));
        }
    }

    /** Whether a bug is a mistake or a convention the seed chose (and states or follows consistently). */
    public enum Nature {
        /** The code contradicts its own text, signature or purpose, crashes, or gives wrong numbers. */
        DEFECT("defect"),
        /** A legitimate convention or simplification that differs from the reference's (fill values, defaults). */
        DESIGN_CHOICE("design-choice");

        private final String label;

        Nature(String label) {
            this.label = label;
        }

        /** The label used in {@code bugs.json}. */
        public String label() {
            return label;
        }

        /** The nature whose label is {@code label}. */
        public static Nature fromLabel(String label, String where) {
            for (Nature n : values()) {
                if (n.label.equals(label)) {
                    return n;
                }
            }
            throw new IllegalArgumentException(where + ": nature (" + label + ") must be one of "
                    + Arrays.stream(values()).map(Nature::label).collect(Collectors.joining(", ")));
        }
    }

    /**
     * The public file a seed copied its snippet from.
     *
     * @param repo       GitHub {@code owner/name}
     * @param path       the file in that repository
     * @param commit     the 40-hex commit whose file the seed's snippet matches
     * @param lines      the bug's lines in that file: {@code 106} or {@code 183, 187} or {@code 72-74}
     * @param inUpstream whether the bug is in the upstream file too (false: the seed introduced it while copying)
     */
    public record Upstream(String repo, String path, String commit, String lines, boolean inUpstream) {
        private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][\\w.-]*/[\\w.-]+");
        private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
        private static final Pattern LINES = Pattern.compile("\\d+(-\\d+)?(, \\d+(-\\d+)?)*");

        /** The upstream of an entry: JSON {@code null} (none established) or an object with every field valid. */
        static Upstream parse(JsonNode node, String where) {
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException(where + ": field 'upstream' is missing; give the file the seed copied "
                        + "from, or null when none is established");
            }
            if (node.isNull()) {
                return null;
            }
            String at = where + ", field 'upstream'";
            Upstream upstream = new Upstream(text(node, "repo", at), text(node, "path", at), text(node, "commit", at),
                    text(node, "lines", at), node.path("inUpstream").asBoolean());
            require(REPO.matcher(upstream.repo).matches(), at + ": repo (" + upstream.repo + ") must be owner/name");
            require(COMMIT.matcher(upstream.commit).matches(), at + ": commit (" + upstream.commit
                    + ") must be 40 lower-case hex digits");
            require(LINES.matcher(upstream.lines).matches(), at + ": lines (" + upstream.lines
                    + ") must be line numbers or ranges, e.g. 106 or 183, 187 or 72-74");
            require(node.path("inUpstream").isBoolean(), at + ": inUpstream must be true or false");
            return upstream;
        }

        private static void require(boolean holds, String message) {
            if (!holds) {
                throw new IllegalArgumentException(message);
            }
        }

        /** The file's GitHub address at that commit, at the bug's first line. */
        public String url() {
            return "https://github.com/" + repo + "/blob/" + commit + "/" + path + "#L" + lines.replaceAll("[-,].*", "");
        }
    }

    /**
     * One published bug.
     *
     * @param id             unique id, e.g. {@code S000-MQA-TRANSPOSE}
     * @param family         shared by the occurrences of one bug in several snippets
     * @param seedFile       seed file name (the articles' files, kept outside this repository; see README.md)
     * @param section        section of the seed the snippet is in
     * @param snippet        snippet name, also the mirror class name ({@code Seed000MutiQueryAttention})
     * @param publishedLines the published line(s), line breaks restored
     * @param does           what those lines do
     * @param effect         what that does to results, with the measured numbers
     * @param fix            the fix
     * @param fixTag         {@code FIX-n}
     * @param kind           the kind of damage
     * @param witness        fully qualified JUnit method that shows the effect
     * @param pythonEvidence where {@code seed_outputs.json} shows it, {@code ; }-separated
     * @param nature         defect or design choice
     * @param upstream       the file the seed copied the snippet from, or null when none is established
     */
    public record Bug(String id, String family, String seedFile, String section, String snippet,
                      String publishedLines, String does, String effect, String fix, String fixTag,
                      Kind kind, String witness, String pythonEvidence, Nature nature, Upstream upstream) {
    }

    private final List<Bug> bugs;

    private BugCatalogue(List<Bug> bugs) {
        this.bugs = List.copyOf(bugs);
    }

    /** Loads {@value #RESOURCE} from the classpath. */
    public static BugCatalogue load() {
        return parse(CatalogueJson.readResource(BugCatalogue.class, RESOURCE));
    }

    /**
     * Parses a catalogue: an object whose {@code bugs} array holds one object per bug. Every field
     * must be a non-empty string, ids and fix tags unique, kinds known; otherwise
     * {@link IllegalArgumentException} naming the entry and the field.
     */
    public static BugCatalogue parse(String json) {
        JsonNode array = CatalogueJson.entries(json, "bug catalogue", "bugs");
        List<Bug> bugs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> tags = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode node = array.get(i);
            String where = CatalogueJson.where("bug", i, node);
            Bug bug = new Bug(text(node, "id", where), text(node, "family", where),
                    text(node, "seedFile", where), text(node, "section", where), text(node, "snippet", where),
                    text(node, "publishedLines", where), text(node, "does", where), text(node, "effect", where),
                    text(node, "fix", where), text(node, "fixTag", where),
                    Kind.fromLabel(text(node, "kind", where)), text(node, "witness", where),
                    text(node, "pythonEvidence", where), Nature.fromLabel(text(node, "nature", where), where),
                    Upstream.parse(node.get("upstream"), where));
            if (!ids.add(bug.id())) {
                throw new IllegalArgumentException("bug id (" + bug.id() + ") appears more than once; ids must be unique");
            }
            if (!tags.add(bug.fixTag())) {
                throw new IllegalArgumentException(where + ": fixTag (" + bug.fixTag()
                        + ") is already used; each bug has its own fix tag");
            }
            bugs.add(bug);
        }
        return new BugCatalogue(bugs);
    }

    /** Every bug, in catalogue order (by seed, snippet, fix tag). */
    public List<Bug> bugs() {
        return bugs;
    }

    /** The bug with this id. */
    public Bug get(String id) {
        return bugs.stream().filter(b -> b.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("bug id (" + id + ") is not in the catalogue"));
    }

    /** The bug fixed by {@code fixTag} ({@code FIX-n}). */
    public Bug byFixTag(String fixTag) {
        return bugs.stream().filter(b -> b.fixTag().equals(fixTag)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("fix tag (" + fixTag + ") is not in the catalogue"));
    }

    /** The bugs of one snippet, in catalogue order. */
    public List<Bug> forSnippet(String snippet) {
        return bugs.stream().filter(b -> b.snippet().equals(snippet)).toList();
    }

    /** The catalogue as pretty-printed JSON, fields in record order. */
    public String toJson() {
        ObjectNode root = CatalogueJson.newObject();
        ArrayNode array = root.putArray("bugs");
        for (Bug b : bugs) {
            ObjectNode entry = array.addObject()
                    .put("id", b.id()).put("family", b.family()).put("seedFile", b.seedFile())
                    .put("section", b.section()).put("snippet", b.snippet())
                    .put("publishedLines", b.publishedLines()).put("does", b.does()).put("effect", b.effect())
                    .put("fix", b.fix()).put("fixTag", b.fixTag()).put("kind", b.kind().label())
                    .put("witness", b.witness()).put("pythonEvidence", b.pythonEvidence())
                    .put("nature", b.nature().label());
            Upstream u = b.upstream();
            if (u == null) {
                entry.putNull("upstream");
            } else {
                entry.putObject("upstream").put("repo", u.repo()).put("path", u.path()).put("commit", u.commit())
                        .put("lines", u.lines()).put("inUpstream", u.inUpstream());
            }
        }
        return CatalogueJson.pretty(root, "bug catalogue");
    }
}
