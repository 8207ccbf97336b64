package dev.attnref.experiment;

import dev.attnref.core.Checks;

/**
 * One machine for the roofline model: peak arithmetic, memory bandwidth and capacity, with the
 * source of each figure.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>unit</th><th>contract</th></tr>
 *   <tr><td>name</td><td></td><td>non-blank</td></tr>
 *   <tr><td>matrixFlops</td><td>FLOP/s</td><td>&gt; 0; dense BF16/FP16 tensor-core peak for a GPU (the
 *       datasheets' "with sparsity" figures halved); for a CPU the measured fp32 FMA peak</td></tr>
 *   <tr><td>fp32Flops</td><td>FLOP/s</td><td>&gt; 0; non-tensor fp32 peak (GPU) or measured fp32 FMA peak (CPU)</td></tr>
 *   <tr><td>bandwidth</td><td>byte/s</td><td>&gt; 0; peak memory bandwidth (GPU) or a measured read loop (CPU)</td></tr>
 *   <tr><td>capacity</td><td>byte</td><td>&gt; 0; decimal GB as published (GPU) or total RAM the OS reports (CPU)</td></tr>
 *   <tr><td>measured</td><td></td><td>true when the figures were measured on this machine in this run</td></tr>
 *   <tr><td>source</td><td></td><td>non-blank: datasheet name, column, figures and where it is published, or
 *       the probe that measured it</td></tr>
 * </table>
 *
 * The ridge point {@code matrixFlops / bandwidth} (FLOP per byte) separates memory-bound from
 * compute-bound work. Checked by {@code RooflineTest}.
 */
public record Hardware(String name, double matrixFlops, double fp32Flops, double bandwidth, double capacity,
                       boolean measured, String source) {

    public Hardware {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("hardware name (" + name + ") must be non-blank");
        }
        Checks.positiveFinite("matrixFlops of " + name, matrixFlops);
        Checks.positiveFinite("fp32Flops of " + name, fp32Flops);
        Checks.positiveFinite("bandwidth of " + name, bandwidth);
        Checks.positiveFinite("capacity of " + name, capacity);
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("source of " + name + " must be non-blank: a datasheet, or the probe that measured it");
        }
    }

    /** FLOP per byte at which compute and memory time are equal. */
    public double ridge() {
        return matrixFlops / bandwidth;
    }
}
