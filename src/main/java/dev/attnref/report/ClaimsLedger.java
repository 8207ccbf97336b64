package dev.attnref.report;

import static dev.attnref.mirror.CatalogueJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.mirror.CatalogueJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The ledger of checkable claims made in the seed articles' text. Each claim's verdict is derived by
 * its rule in {@link ClaimRules} from the committed results; the ledger records the verdict its
 * reasoning was written for, and its reasoning is a template whose {@code {figure}} (or
 * {@code {figure:%.2f}}, {@code {figure:bytes}}, {@code {figure:mega}}) placeholders are filled from the figures the rule read.
 *
 * <table>
 *   <caption>Fields of a claim</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>id</td><td>{@code C-<TOPIC>}, unique</td></tr>
 *   <tr><td>claimZh, claimEn</td><td>the seed's words, quoted, and a translation</td></tr>
 *   <tr><td>verdict</td><td>{@link Verdict} the rule gives on the committed results ({@code ClaimVerdictsTest})</td></tr>
 *   <tr><td>evidence</td><td>test class or method, probe in {@code seed_outputs.json}, or experiment id</td></tr>
 *   <tr><td>reasoning</td><td>template; every placeholder names a figure of the claim's rule</td></tr>
 *   <tr><td>every other field</td><td>non-empty text</td></tr>
 * </table>
 *
 * <p>Source: {@value #RESOURCE}; the claims listed in {@code shared/design/SEED_BUGS.md} are the
 * floor. Checked by {@code ClaimsLedgerTest}.
 */
public final class ClaimsLedger {
    /** Classpath location of the ledger. */
    public static final String RESOURCE = "/dev/attnref/report/claims.json";

    /** A claim's standing. */
    public enum Verdict {
        /** Established true by the evidence. */
        TRUE,
        /** Established false by the evidence. */
        FALSE,
        /** True in part; the rule says which part. */
        PARTLY,
        /** Nothing in it can be decided here: it is about trained quality ({@link ClaimRules#UNDECIDABLE}). */
        UNDECIDABLE_HERE;

        /** The label in the ledger and the report: the name, {@code UNDECIDABLE-HERE} with a hyphen. */
        public String label() {
            return name().replace('_', '-');
        }

        /** The verdict labelled {@code label}. */
        public static Verdict fromLabel(String label) {
            for (Verdict v : values()) {
                if (v.label().equals(label)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("verdict (" + label + ") must be one of "
                    + Arrays.stream(values()).map(Verdict::label).collect(Collectors.joining(", ")));
        }
    }

    /**
     * A claim decided on the committed results.
     *
     * @param claim     the ledger entry
     * @param verdict   what its rule gives
     * @param rule      the rule as text, part by part
     * @param figures   every number the rule read, with its source
     * @param reasoning the reasoning template with the figures filled in
     */
    public record Decided(Claim claim, Verdict verdict, String rule, List<Evidence.Figure> figures, String reasoning) {
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z0-9_]+)(?::([^}]+))?}");

    /**
     * One claim.
     *
     * @param id        unique id, e.g. {@code C-GQA-SIMILARITY}
     * @param seed      seed(s) making the claim ({@code 000}, {@code 001, 002}, …)
     * @param section   where in the seed
     * @param claimZh   the claim as the seed words it
     * @param claimEn   English translation
     * @param verdict   the verdict its reasoning was written for, which the rule must give
     * @param evidence  what establishes it (test, probe, experiment)
     * @param reasoning why, a template over the rule's figures
     */
    public record Claim(String id, String seed, String section, String claimZh, String claimEn,
                        Verdict verdict, String evidence, String reasoning) {
    }

    private final List<Claim> claims;

    private ClaimsLedger(List<Claim> claims) {
        this.claims = List.copyOf(claims);
    }

    /** Loads {@value #RESOURCE} from the classpath. */
    public static ClaimsLedger load() {
        return parse(CatalogueJson.readResource(ClaimsLedger.class, RESOURCE));
    }

    /**
     * Parses a ledger: an object whose {@code claims} array holds one object per claim. Every
     * field must be non-empty text, ids unique, verdicts known; otherwise
     * {@link IllegalArgumentException} naming the entry and the field.
     */
    public static ClaimsLedger parse(String json) {
        JsonNode array = CatalogueJson.entries(json, "claims ledger", "claims");
        List<Claim> claims = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode node = array.get(i);
            String where = CatalogueJson.where("claim", i, node);
            Claim claim = new Claim(text(node, "id", where), text(node, "seed", where), text(node, "section", where),
                    text(node, "claimZh", where), text(node, "claimEn", where),
                    Verdict.fromLabel(text(node, "verdict", where)), text(node, "evidence", where),
                    text(node, "reasoning", where));
            if (!ids.add(claim.id())) {
                throw new IllegalArgumentException("claim id (" + claim.id() + ") appears more than once; ids must be unique");
            }
            claims.add(claim);
        }
        return new ClaimsLedger(claims);
    }

    /** Every claim, in ledger order. */
    public List<Claim> claims() {
        return claims;
    }

    /** The claim with this id. */
    public Claim get(String id) {
        return claims.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("claim id (" + id + ") is not in the ledger"));
    }

    /** Every claim decided by its rule on the committed results under {@code root}, in ledger order. */
    public List<Decided> decide(Path root) {
        return claims.stream().map(c -> decide(c, root)).toList();
    }

    /** One claim decided on the committed results under {@code root}. */
    public static Decided decide(Claim claim, Path root) {
        ClaimRules.Decision d = ClaimRules.decide(claim.id(), root);
        return new Decided(claim, d.verdict(), d.rule(), d.figures(), fill(claim.id(), claim.reasoning(), d.figures()));
    }

    /** A template with each {@code {name}} replaced by that figure ({@link Markdown#num}, a printf format, bytes or millions). */
    static String fill(String id, String template, List<Evidence.Figure> figures) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Evidence.Figure f = figures.stream().filter(x -> x.name().equals(m.group(1))).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("claim " + id + ": reasoning names figure {" + m.group(1)
                            + "}, which its rule does not read; it reads " + figures.stream().map(Evidence.Figure::name).toList()));
            String format = m.group(2);
            String text = switch (format == null ? "" : format) {
                case "" -> Markdown.num(f.value());
                case "bytes" -> Markdown.bytes(f.value());
                case "mega" -> String.format(Locale.ROOT, "%.1fM", f.value() / 1e6);
                default -> String.format(Locale.ROOT, format, f.value());
            };
            m.appendReplacement(sb, Matcher.quoteReplacement(text));
        }
        return m.appendTail(sb).toString();
    }

    /** The decided ledger as JSON: each claim with its verdict, rule, figures (name, value, source) and filled reasoning. */
    public static String toJson(List<Decided> decided) {
        ObjectNode root = CatalogueJson.newObject();
        root.put("undecidableRule", ClaimRules.UNDECIDABLE);
        ArrayNode array = root.putArray("claims");
        for (Decided d : decided) {
            Claim c = d.claim();
            ObjectNode node = array.addObject()
                    .put("id", c.id()).put("seed", c.seed()).put("section", c.section())
                    .put("claimZh", c.claimZh()).put("claimEn", c.claimEn()).put("verdict", d.verdict().label())
                    .put("rule", d.rule()).put("evidence", c.evidence()).put("reasoning", d.reasoning());
            ArrayNode figures = node.putArray("figures");
            d.figures().forEach(f -> figures.addObject().put("name", f.name()).put("value", f.value()).put("source", f.source()));
        }
        return CatalogueJson.pretty(root, "claims ledger");
    }
}
