package dev.attnref.attention;

/**
 * The attention families of docs/MATH.md, with the short id used in tables, CLI output and charts.
 *
 * <table>
 *   <caption>KV values cached per token per layer</caption>
 *   <tr><th>variant</th><th>cached per token per layer</th></tr>
 *   <tr><td>{@link #MHA}</td><td>2·H·D (G = H)</td></tr>
 *   <tr><td>{@link #GQA}</td><td>2·G·D (1 &lt; G &lt; H)</td></tr>
 *   <tr><td>{@link #MQA}</td><td>2·D (G = 1)</td></tr>
 *   <tr><td>{@link #MLA}</td><td>C + P (absorbed form)</td></tr>
 *   <tr><td>{@link #MFA}</td><td>2·C</td></tr>
 *   <tr><td>{@link #MFA_KR}</td><td>C</td></tr>
 * </table>
 */
public enum AttentionVariant {
    MHA("MHA"),
    GQA("GQA"),
    MQA("MQA"),
    MLA("MLA"),
    MFA("MFA"),
    MFA_KR("MFA-KR");

    private final String label;

    AttentionVariant(String label) {
        this.label = label;
    }

    /** Short id for tables and JSON ({@code MFA-KR}, not {@code MFA_KR}). */
    public String label() {
        return label;
    }
}
