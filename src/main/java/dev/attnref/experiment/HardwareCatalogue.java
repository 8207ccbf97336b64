package dev.attnref.experiment;

import java.util.List;

/**
 * Published peak figures of accelerators, as data with their sources: each row names its datasheet (or
 * the whitepaper that serves as one), the column and every figure it uses, and where the document can
 * be found. Tensor-core figures are
 * dense: the datasheets print BF16/FP16 "with sparsity" (2:4 structured sparsity doubles them), so
 * the figure used here is half the printed one, and the source says so. Capacities are the
 * published decimal GB.
 *
 * <table>
 *   <caption>Catalogue</caption>
 *   <tr><th>device</th><th>dense BF16 tensor</th><th>FP32</th><th>bandwidth</th><th>memory</th></tr>
 *   <tr><td>H100 SXM</td><td>989.4 TFLOP/s (1,979 sparse)</td><td>67 TFLOP/s</td><td>3.35 TB/s</td><td>80 GB</td></tr>
 *   <tr><td>H200 SXM</td><td>989.4 TFLOP/s (1,979 sparse)</td><td>67 TFLOP/s</td><td>4.8 TB/s</td><td>141 GB</td></tr>
 *   <tr><td>A100 80GB SXM</td><td>312 TFLOP/s (624 sparse)</td><td>19.5 TFLOP/s</td><td>2.039 TB/s</td><td>80 GB</td></tr>
 *   <tr><td>L4</td><td>121 TFLOP/s (242 sparse)</td><td>30.3 TFLOP/s</td><td>300 GB/s</td><td>24 GB</td></tr>
 *   <tr><td>RTX 4090</td><td>165.2 TFLOP/s (330.4 sparse, FP32 accumulate)</td><td>82.6 TFLOP/s</td><td>1,008 GB/s</td><td>24 GB</td></tr>
 * </table>
 *
 * Checked by {@code RooflineTest}.
 */
public final class HardwareCatalogue {
    private HardwareCatalogue() {
    }

    private static final double T = 1e12;
    private static final double G = 1e9;

    public static final Hardware H100_SXM = new Hardware("H100 SXM", 1979e12 / 2, 67 * T, 3.35e12, 80 * G, false,
            "NVIDIA H100 Tensor Core GPU Datasheet, H100 SXM column: BF16 Tensor Core 1,979 TFLOPS (with sparsity), "
                    + "FP32 67 TFLOPS, GPU memory 80GB, bandwidth 3.35TB/s "
                    + "(linked from https://www.nvidia.com/en-us/data-center/h100/)");

    public static final Hardware H200_SXM = new Hardware("H200 SXM", 1979e12 / 2, 67 * T, 4.8e12, 141 * G, false,
            "NVIDIA H200 Tensor Core GPU Datasheet, H200 SXM column: BF16 Tensor Core 1,979 TFLOPS (with sparsity), "
                    + "FP32 67 TFLOPS, GPU memory 141GB, bandwidth 4.8TB/s (linked from https://www.nvidia.com/en-us/data-center/h200/)");

    public static final Hardware A100_80GB = new Hardware("A100 80GB SXM", 312 * T, 19.5 * T, 2.039e12, 80 * G, false,
            "NVIDIA A100 Tensor Core GPU Datasheet, A100 80GB SXM column: BF16 Tensor Core 312 TFLOPS (624 with sparsity), "
                    + "FP32 19.5 TFLOPS, GPU memory 80GB HBM2e, bandwidth 2,039GB/s (https://www.nvidia.com/content/dam/"
                    + "en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf)");

    public static final Hardware L4 = new Hardware("L4", 242e12 / 2, 30.3 * T, 300 * G, 24 * G, false,
            "NVIDIA L4 Tensor Core GPU Datasheet: BF16 Tensor Core 242 TFLOPS (with sparsity), FP32 30.3 TFLOPS, "
                    + "GPU memory 24GB GDDR6, bandwidth 300GB/s (linked from https://www.nvidia.com/en-us/data-center/l4/)");

    public static final Hardware RTX_4090 = new Hardware("RTX 4090", 165.2 * T, 82.6 * T, 1008 * G, 24 * G, false,
            "NVIDIA Ada Lovelace GPU Architecture whitepaper, Appendix A (GeForce RTX 4090): Peak BF16 Tensor TFLOPS "
                    + "with FP32 Accumulate 165.2 (330.4 with sparsity), Peak FP32 TFLOPS 82.6, 24 GB GDDR6X, 1,008 GB/s "
                    + "(https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf)");

    /** The accelerators, in a fixed order. */
    public static List<Hardware> accelerators() {
        return List.of(H100_SXM, H200_SXM, A100_80GB, L4, RTX_4090);
    }

    /** This machine from a probe's measurements: the fp32 FMA peak stands for matrix FLOP/s (no tensor units). */
    public static Hardware thisMachine(CpuProbe.Measurement m) {
        return new Hardware("this CPU (" + m.threads() + " threads)", m.fmaF32(), m.fmaF32(), m.readBandwidth(),
                m.memoryBytes(), true, "measured: " + m.describe());
    }
}
