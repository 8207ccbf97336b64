package dev.attnref.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnref.mirror.CatalogueJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outside sources REPORT.md takes numbers from, as data ({@value #RESOURCE}): a key, the source (an
 * arXiv id, a file pinned to a commit, or a datasheet and where it is published), the title, and what was
 * read in it. The report cites a source as {@code [[key]](#ref-key)} ({@link #cite}), which refuses an unknown
 * key, and lists every source in its references section ({@link #section}).
 *
 * <p>Checked by {@code ReferencesTest}.
 */
public final class References {
    /** Classpath location of the list. */
    public static final String RESOURCE = "/dev/attnref/report/references.json";

    /** One source. */
    public record Reference(String key, String source, String title, String read) {
    }

    private static final Map<String, Reference> BY_KEY = load();

    private References() {
    }

    private static Map<String, Reference> load() {
        JsonNode array = CatalogueJson.entries(CatalogueJson.readResource(References.class, RESOURCE), "references",
                "references");
        Map<String, Reference> byKey = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode node = array.get(i);
            String where = "reference " + i;
            Reference r = new Reference(CatalogueJson.text(node, "key", where), CatalogueJson.text(node, "source", where),
                    CatalogueJson.text(node, "title", where), CatalogueJson.text(node, "read", where));
            if (byKey.put(r.key(), r) != null) {
                throw new IllegalArgumentException(RESOURCE + ": key (" + r.key() + ") appears twice");
            }
        }
        return byKey;
    }

    /** Every source, in the file's order. */
    public static List<Reference> all() {
        return new ArrayList<>(BY_KEY.values());
    }

    /** {@code [[key]](#ref-key)}; an unknown key is refused with the known ones. */
    public static String cite(String key) {
        if (!BY_KEY.containsKey(key)) {
            throw new IllegalArgumentException("citation key (" + key + ") is not in " + RESOURCE + "; known keys: "
                    + String.join(", ", BY_KEY.keySet()));
        }
        return "[[" + key + "]](#ref-" + key + ")";
    }

    /** {@code [[key]](#ref-key) where}: a citation with the place in the source (a table, a section). */
    public static String cite(String key, String where) {
        return cite(key) + " " + where;
    }

    /**
     * Citations of every source that {@code text} names by its arXiv id or its address (a catalogue row's source
     * text, say), in the list's order, joined by spaces; empty when it names none.
     */
    public static String citeSources(String text) {
        List<String> cited = new ArrayList<>();
        for (Reference r : BY_KEY.values()) {
            Matcher locator = LOCATOR.matcher(r.source());
            if (locator.find() && text.contains(locator.group().replaceAll("[).,]+$", ""))) {
                cited.add(cite(r.key()));
            }
        }
        return String.join(" ", cited);
    }

    /** The part of a source that a text citing it contains: an arXiv id or an address. */
    private static final Pattern LOCATOR = Pattern.compile("arXiv:\\d{4}\\.\\d{4,5}|https://\\S+");

    /** The references section: one anchored line per source. */
    static String section() {
        StringBuilder sb = new StringBuilder("Every outside source a figure in this report comes from "
                + "(`src/main/resources/dev/attnref/report/references.json`), cited in the text as [key]. "
                + "Figures and facts were taken from them; no text was copied.\n\n");
        for (Reference r : BY_KEY.values()) {
            sb.append("- <a id=\"ref-").append(r.key()).append("\"></a>**").append(r.key()).append("**: ").append(r.title())
                    .append(". ").append(r.source()).append(". Read: ").append(r.read()).append(".\n");
        }
        return sb.toString();
    }
}
