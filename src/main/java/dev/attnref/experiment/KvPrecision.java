package dev.attnref.experiment;

/**
 * Bytes per cached key/value element.
 *
 * <table>
 *   <caption>Precisions</caption>
 *   <tr><th>precision</th><th>bytes</th><th>note</th></tr>
 *   <tr><td>bf16</td><td>2</td><td>the default of every catalogue model</td></tr>
 *   <tr><td>fp8</td><td>1</td><td>an 8-bit cache (e4m3 / e5m2), scales not counted</td></tr>
 *   <tr><td>6-bit</td><td>0.75</td><td>DeepSeek-V2's average after KV quantisation (arXiv:2405.04434, §3.2.3)</td></tr>
 * </table>
 */
public enum KvPrecision {
    BF16("bf16", 2.0),
    FP8("fp8", 1.0),
    BITS6("6-bit", 0.75);

    private final String label;
    private final double bytes;

    KvPrecision(String label, double bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    public String label() {
        return label;
    }

    public double bytes() {
        return bytes;
    }
}
