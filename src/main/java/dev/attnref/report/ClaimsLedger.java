package dev.attnref.report;

import static dev.attnref.mirror.CatalogueJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.mirror.CatalogueJson;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The ledger of checkable claims made in the seed articles' text, each with a verdict and the
 * evidence behind it.
 *
 * <table>
 *   <caption>Fields of a claim</caption>
 *   <tr><th>field</th><th>contract</th></tr>
 *   <tr><td>id</td><td>{@code C-<TOPIC>}, unique</td></tr>
 *   <tr><td>claimZh, claimEn</td><td>the seed's words, quoted, and a translation</td></tr>
 *   <tr><td>verdict</td><td>{@link Verdict}; {@code PENDING} names the experiment that decides it</td></tr>
 *   <tr><td>evidence</td><td>test class or method, probe in {@code seed_outputs.json}, or experiment id</td></tr>
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
        /** True in part; the reasoning says which part. */
        PARTLY,
        /** To be decided by the named experiment; the reasoning says what is expected. */
        PENDING;

        /** The verdict named {@code label}. */
        public static Verdict fromLabel(String label) {
            for (Verdict v : values()) {
                if (v.name().equals(label)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("verdict (" + label + ") must be one of "
                    + Arrays.stream(values()).map(Verdict::name).collect(Collectors.joining(", ")));
        }
    }

    /**
     * One claim.
     *
     * @param id        unique id, e.g. {@code C-GQA-SIMILARITY}
     * @param seed      seed(s) making the claim ({@code 000}, {@code 001, 002}, …)
     * @param section   where in the seed
     * @param claimZh   the claim as the seed words it
     * @param claimEn   English translation
     * @param verdict   the verdict
     * @param evidence  what establishes it (test, probe, experiment)
     * @param reasoning why, with the numbers
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

    /** The ledger as pretty-printed JSON, fields in record order. */
    public String toJson() {
        ObjectNode root = CatalogueJson.newObject();
        ArrayNode array = root.putArray("claims");
        for (Claim c : claims) {
            array.addObject()
                    .put("id", c.id()).put("seed", c.seed()).put("section", c.section())
                    .put("claimZh", c.claimZh()).put("claimEn", c.claimEn()).put("verdict", c.verdict().name())
                    .put("evidence", c.evidence()).put("reasoning", c.reasoning());
        }
        return CatalogueJson.pretty(root, "claims ledger");
    }
}
