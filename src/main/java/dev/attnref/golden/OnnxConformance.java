package dev.attnref.golden;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.MaskConvention;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs ONNX {@code Attention}-23/24 node tests ({@link OnnxAttentionCase}) on {@link OracleAttention}
 * and compares every expected output at the case's tolerance.
 *
 * <h2>Mapping of ONNX semantics onto the oracle (README "Attention-23/24 semantics")</h2>
 * <table>
 *   <caption>ONNX → oracle</caption>
 *   <tr><th>ONNX</th><th>oracle</th></tr>
 *   <tr><td>3D Q [B, Sq, Hq·D] (K, V likewise with kv_num_heads)</td><td>Q4[b,h,s,d] = Q3[b,s,h·D+d]; Y merged back the same way</td></tr>
 *   <tr><td>past_key, past_value (length P)</td><td>{@code past(…, P)}; present_* = the oracle's present key/value</td></tr>
 *   <tr><td>Hq, Hkv; query head h reads kv head ⌊h / (Hq/Hkv)⌋</td><td>numHeads, numKvHeads (the same grouping)</td></tr>
 *   <tr><td>scale (default 1/√D), softcap (&gt; 0, before masks)</td><td>scale, softcap</td></tr>
 *   <tr><td>bool attn_mask, true = attend</td><td>boolean mask, {@link MaskConvention#KEEP_WHERE_TRUE}</td></tr>
 *   <tr><td>float attn_mask, added as is</td><td>additive mask</td></tr>
 *   <tr><td>mask shorter than P+Skv (opset 24)</td><td>padded on the right with false / −∞ (out of contract at opset 23: rejected)</td></tr>
 *   <tr><td>is_causal: j ≤ i + offset; offset = P with a past, nonpad[b] − Sq with nonpad_kv_seqlen, else 0</td><td>{@code startingAt(P)}, {@code startingAtPerBatch(nonpad[b] − Sq)}, {@code aligned(TOP_LEFT)}</td></tr>
 *   <tr><td>nonpad_kv_seqlen: keys j ≥ nonpad[b] hidden</td><td>key lengths</td></tr>
 *   <tr><td>fully masked row → 0 (the 1.23 erratum)</td><td>{@code FullyMaskedRows.ZEROS} with the −∞ fill</td></tr>
 *   <tr><td>qk_matmul_output mode 0 / 1 / 2 / 3</td><td>scaled scores / capped scores / logits / probabilities</td></tr>
 * </table>
 *
 * <h2>Numerics</h2>
 * Everything is computed in float64 from the inputs' exact values (float16 and float32 widen
 * exactly); each output is rounded once to its dtype (T1: float32 or float16) and compared with
 * the rule of the case: pass iff |actual − expected| ≤ atol + rtol·|expected|, with non-finite
 * expected values (the −∞ of mode-2 outputs) matched exactly. {@code softmax_precision} asks for a
 * softmax at least as precise as the named type; float64 is, for every code the attribute allows.
 *
 * <p>Checked by {@code OnnxConformanceTest} and {@code OnnxConformanceMappingTest}.
 */
public final class OnnxConformance {
    /** Where the cases live, under the repository root (with their provenance in its README.md). */
    public static final String CASE_FOLDER = "reference-data/onnx-attention";

    private OnnxConformance() {
    }

    /** {@code <attnref.root>/reference-data/onnx-attention}, the root defaulting to the working directory. */
    public static Path defaultCaseDirectory() {
        return Path.of(System.getProperty("attnref.root", "")).resolve(CASE_FOLDER);
    }

    /** The case files of a folder ({@code test_attention_*.json}), sorted by name; fails when there are none. */
    public static List<Path> caseFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("ONNX attention case folder " + directory.toAbsolutePath()
                    + " does not exist; expected the repository's " + CASE_FOLDER + " (run from the repository root or give --dir)");
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> cases = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("test_attention_") && n.endsWith(".json");
            }).sorted().toList();
            if (cases.isEmpty()) {
                throw new IllegalArgumentException("ONNX attention case folder " + directory.toAbsolutePath()
                        + " holds no test_attention_*.json file");
            }
            return cases;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list ONNX attention case folder " + directory.toAbsolutePath() + ": " + e, e);
        }
    }

    /** One compared output. {@code firstFailure} is null when it passed. */
    public record OutputCheck(String output, int elements, int exactElements, double maxAbsError, boolean passed,
            String firstFailure) {
    }

    /** One case: its outputs compared, or the error that stopped it (then {@code checks} is empty). */
    public record CaseReport(String name, List<OutputCheck> checks, OnnxAttentionCase.Tolerance tolerance, String error) {
        public boolean passed() {
            return error == null && !checks.isEmpty() && checks.stream().allMatch(OutputCheck::passed);
        }

        /** Largest |actual − expected| over every finite element of every output. */
        public double maxAbsError() {
            return checks.stream().mapToDouble(OutputCheck::maxAbsError).max().orElse(Double.NaN);
        }
    }

    /** Reads a case file and checks it; a malformed file or an unsupported case becomes a failing report. */
    public static CaseReport run(Path file) {
        String fallbackName = file.getFileName().toString().replaceFirst("\\.json$", "");
        OnnxAttentionCase testCase;
        try {
            testCase = OnnxAttentionCase.read(file);
        } catch (IllegalArgumentException e) {
            return new CaseReport(fallbackName, List.of(), null, e.getMessage());
        }
        return check(testCase);
    }

    /** Computes every expected output of the case and compares it; errors become a failing report. */
    public static CaseReport check(OnnxAttentionCase testCase) {
        Map<String, StoredTensor> actual;
        try {
            actual = compute(testCase);
        } catch (IllegalArgumentException e) {
            return new CaseReport(testCase.name(), List.of(), testCase.tolerance(), e.getMessage());
        }
        List<OutputCheck> checks = new ArrayList<>();
        for (Map.Entry<String, StoredTensor> expected : testCase.outputs().entrySet()) {
            checks.add(compare(expected.getKey(), actual.get(expected.getKey()), expected.getValue(), testCase.tolerance()));
        }
        return new CaseReport(testCase.name(), List.copyOf(checks), testCase.tolerance(), null);
    }

    /** Compares one output, element by element, under {@code tolerance}. */
    public static OutputCheck compare(String output, StoredTensor actual, StoredTensor expected,
            OnnxAttentionCase.Tolerance tolerance) {
        if (actual.dtype() != expected.dtype() || !Arrays.equals(actual.shape(), expected.shape())) {
            return new OutputCheck(output, expected.values().length, 0, Double.NaN, false,
                    "computed " + actual.dtype() + " " + Arrays.toString(actual.shape()) + "; expected "
                            + expected.dtype() + " " + Arrays.toString(expected.shape()));
        }
        double[] a = actual.values();
        double[] e = expected.values();
        int exact = 0;
        double maxAbs = 0.0;
        String firstFailure = null;
        for (int i = 0; i < e.length; i++) {
            boolean same = a[i] == e[i] || (Double.isNaN(a[i]) && Double.isNaN(e[i]));
            boolean ok;
            if (!Double.isFinite(e[i]) || !Double.isFinite(a[i])) {
                ok = same;   // −∞ must match −∞ exactly; a non-finite result against a finite value fails
            } else {
                maxAbs = Math.max(maxAbs, Math.abs(a[i] - e[i]));
                ok = tolerance.allows(a[i], e[i]);
            }
            if (same) {
                exact++;
            }
            if (!ok && firstFailure == null) {
                firstFailure = "flat index " + i + ": computed " + a[i] + ", expected " + e[i]
                        + " (|diff| " + Math.abs(a[i] - e[i]) + " > " + tolerance.atol() + " + " + tolerance.rtol()
                        + "·|expected|)";
            }
        }
        return new OutputCheck(output, e.length, exact, maxAbs, firstFailure == null, firstFailure);
    }

    /**
     * Computes, in float64, every output the case requests, rounded to its dtype (Q's type T1), in
     * ONNX shapes: the case as the oracle's problem ({@link #problem}), then the oracle's result as the
     * case's outputs ({@link #outputs}). Unsupported or inconsistent cases fail with a message naming the case.
     */
    public static Map<String, StoredTensor> compute(OnnxAttentionCase testCase) {
        AttentionProblem problem = problem(testCase);
        return outputs(testCase, problem, OracleAttention.attend(problem));
    }

    /** Q, K, V as the oracle takes them, [B, H, S, D] row-major, with their sizes. */
    private record Heads(int batch, int numHeads, int numKvHeads, int qLen, int newKvLen, int headDim, int valueHeadDim,
            double[] query, double[] key, double[] value) {
    }

    /** The case → the oracle's problem, one step per row of the mapping table above. */
    static AttentionProblem problem(OnnxAttentionCase testCase) {
        String where = testCase.name() + ": ";
        OnnxAttentionCase.Attributes attributes = testCase.attributes();

        // Step 1 — 4D views [B, H, S, D]: a 3D tensor [B, S, H·D] splits its last axis as (H, D), heads outer.
        Heads h = heads(where, testCase);
        AttentionProblem.Builder problem = AttentionProblem.builder().batch(h.batch()).numHeads(h.numHeads())
                .numKvHeads(h.numKvHeads()).qLen(h.qLen()).newKvLen(h.newKvLen()).headDim(h.headDim())
                .valueHeadDim(h.valueHeadDim()).query(h.query()).key(h.key()).value(h.value());

        // Step 2 — KV cache: present = concat(past, new) along the sequence; T = P + Skv keys.
        int pastLen = past(where, testCase, h, problem);
        int kvLen = pastLen + h.newKvLen();

        // Step 3 — scale, softcap.
        if (attributes.scale() != null) {
            problem.scale(attributes.scale());
        }
        if (attributes.softcap() < 0) {
            throw new IllegalArgumentException(where + "softcap (" + attributes.softcap() + ") is negative; the reference "
                    + "ignores it and the function body applies it, so the case is ambiguous");
        }
        problem.softcap(attributes.softcap());

        // Step 4 — attn_mask: bool (true = attend) or additive; a short last axis (opset 24) is padded as hidden.
        mask(where, testCase, kvLen, problem);

        // Step 5 — nonpad_kv_seqlen: keys j ≥ nonpad[b] hidden; also the causal offset nonpad[b] − Sq.
        int[] keyLengths = keyLengths(where, testCase, h.batch(), kvLen);
        if (keyLengths != null) {
            problem.keyLengths(keyLengths);
        }

        // Step 6 — is_causal: key j visible to query i iff j ≤ i + offset.
        if (attributes.isCausal()) {
            if (testCase.inputs().containsKey("past_key")) {
                problem.causal(QueryPositions.startingAt(pastLen));
            } else if (keyLengths != null) {
                int[] first = new int[h.batch()];
                for (int b = 0; b < h.batch(); b++) {
                    first[b] = keyLengths[b] - h.qLen();
                }
                problem.causal(QueryPositions.startingAtPerBatch(first));
            } else {
                problem.causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT));
            }
        }
        return problem.build();
    }

    /** Step 1: Q, K, V checked (one float type, all 3D or all 4D) and viewed as [B, H, S, D]. */
    private static Heads heads(String where, OnnxAttentionCase testCase) {
        StoredTensor q = testCase.inputs().get("Q");
        StoredTensor k = testCase.inputs().get("K");
        StoredTensor v = testCase.inputs().get("V");
        requireFloat(where, "Q", q);
        for (StoredTensor t : List.of(k, v)) {
            if (t.dtype() != q.dtype()) {
                throw new IllegalArgumentException(where + "K and V must have Q's type " + q.dtype() + "; got " + t.dtype());
            }
        }
        int rank = q.shape().length;
        if (rank != 3 && rank != 4 || k.shape().length != rank || v.shape().length != rank) {
            throw new IllegalArgumentException(where + "Q, K, V must all be 3D or all 4D; got shapes "
                    + Arrays.toString(q.shape()) + ", " + Arrays.toString(k.shape()) + ", " + Arrays.toString(v.shape()));
        }
        OnnxAttentionCase.Attributes attributes = testCase.attributes();
        if (rank == 4) {
            if (attributes.qNumHeads() != null || attributes.kvNumHeads() != null) {
                throw new IllegalArgumentException(where + "q_num_heads / kv_num_heads are set but Q is 4D; "
                        + "they belong to 3D inputs only");
            }
            int[] qs = q.shape();
            int[] ks = k.shape();
            requireShape(where, "K", ks, qs[0], ks[1], ks[2], qs[3]);
            requireShape(where, "V", v.shape(), qs[0], ks[1], ks[2], v.shape()[3]);
            return new Heads(qs[0], qs[1], ks[1], qs[2], ks[2], qs[3], v.shape()[3], q.values(), k.values(), v.values());
        }
        return splitHeads(where, attributes, q, k, v);
    }

    /** Step 1 for 3D inputs [B, S, H·D]: the head counts come from q_num_heads and kv_num_heads. */
    private static Heads splitHeads(String where, OnnxAttentionCase.Attributes attributes, StoredTensor q, StoredTensor k,
            StoredTensor v) {
        if (attributes.qNumHeads() == null || attributes.kvNumHeads() == null) {
            throw new IllegalArgumentException(where + "3D inputs need both q_num_heads and kv_num_heads; got "
                    + attributes.qNumHeads() + " and " + attributes.kvNumHeads());
        }
        int batch = q.shape()[0];
        int numHeads = attributes.qNumHeads();
        int numKvHeads = attributes.kvNumHeads();
        int qLen = q.shape()[1];
        int newKvLen = k.shape()[1];
        int headDim = headSize(where, "Q", q.shape()[2], numHeads, "q_num_heads");
        int keyHeadDim = headSize(where, "K", k.shape()[2], numKvHeads, "kv_num_heads");
        if (keyHeadDim != headDim) {
            throw new IllegalArgumentException(where + "K's head size " + keyHeadDim + " (" + k.shape()[2] + " / "
                    + numKvHeads + ") differs from Q's " + headDim);
        }
        int valueHeadDim = headSize(where, "V", v.shape()[2], numKvHeads, "kv_num_heads");
        requireShape(where, "K", k.shape(), batch, newKvLen, numKvHeads * headDim);
        requireShape(where, "V", v.shape(), batch, newKvLen, numKvHeads * valueHeadDim);
        return new Heads(batch, numHeads, numKvHeads, qLen, newKvLen, headDim, valueHeadDim,
                splitHeads(q.values(), batch, qLen, numHeads, headDim),
                splitHeads(k.values(), batch, newKvLen, numKvHeads, headDim),
                splitHeads(v.values(), batch, newKvLen, numKvHeads, valueHeadDim));
    }

    /** Step 2: past_key, past_value [B, Hkv, P, D|Dv] given to the problem; returns P (0 without a past). */
    private static int past(String where, OnnxAttentionCase testCase, Heads h, AttentionProblem.Builder problem) {
        StoredTensor pastKey = testCase.inputs().get("past_key");
        StoredTensor pastValue = testCase.inputs().get("past_value");
        if ((pastKey == null) != (pastValue == null)) {
            throw new IllegalArgumentException(where + "past_key and past_value must be given together");
        }
        if (pastKey == null) {
            return 0;
        }
        int pastLen = pastKey.shape().length == 4 ? pastKey.shape()[2] : -1;
        requireShape(where, "past_key", pastKey.shape(), h.batch(), h.numKvHeads(), pastLen, h.headDim());
        requireShape(where, "past_value", pastValue.shape(), h.batch(), h.numKvHeads(), pastLen, h.valueHeadDim());
        DType elementType = testCase.inputs().get("Q").dtype();
        requireType(where, "past_key", pastKey, elementType);
        requireType(where, "past_value", pastValue, elementType);
        problem.past(pastKey.values(), pastValue.values(), pastLen);
        return pastLen;
    }

    /** Step 4: attn_mask, bool (true = attend) or additive; a last axis short of kvLen keys is padded as hidden (opset 24). */
    private static void mask(String where, OnnxAttentionCase testCase, int kvLen, AttentionProblem.Builder problem) {
        StoredTensor mask = testCase.inputs().get("attn_mask");
        if (mask == null) {
            return;
        }
        if (mask.dtype() != DType.BOOL) {
            requireType(where, "attn_mask", mask, testCase.inputs().get("Q").dtype());
        }
        int[] shape = mask.shape();
        if (shape.length == 0) {
            throw new IllegalArgumentException(where + "attn_mask is a scalar; expected rank 1 to 4");
        }
        int maskKeys = shape[shape.length - 1];
        double[] values = mask.values();
        if (maskKeys < kvLen) {
            if (testCase.opset() < 24) {
                throw new IllegalArgumentException(where + "attn_mask " + Arrays.toString(shape) + " covers " + maskKeys
                        + " keys but there are " + kvLen + "; padding a short mask is an opset-24 rule");
            }
            double hidden = mask.dtype() == DType.BOOL ? 0.0 : Double.NEGATIVE_INFINITY;
            values = padLastAxis(values, maskKeys, kvLen, hidden);
            shape = shape.clone();
            shape[shape.length - 1] = kvLen;
        }
        if (mask.dtype() == DType.BOOL) {
            boolean[] keep = new boolean[values.length];
            for (int i = 0; i < keep.length; i++) {
                keep[i] = values[i] != 0.0;
            }
            problem.booleanMask(keep, MaskConvention.KEEP_WHERE_TRUE, shape);
        } else {
            problem.additiveMask(values, shape);
        }
    }

    /** Step 5: nonpad_kv_seqlen [B] as key lengths in [0, kvLen], or null when the case has none. */
    private static int[] keyLengths(String where, OnnxAttentionCase testCase, int batch, int kvLen) {
        StoredTensor nonpad = testCase.inputs().get("nonpad_kv_seqlen");
        if (nonpad == null) {
            return null;
        }
        if (testCase.inputs().containsKey("past_key") || testCase.outputs().containsKey("present_key")
                || testCase.outputs().containsKey("present_value")) {
            throw new IllegalArgumentException(where + "nonpad_kv_seqlen must not be combined with past_* or present_*");
        }
        requireShape(where, "nonpad_kv_seqlen", nonpad.shape(), batch);
        int[] keyLengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            long length = nonpad.integers()[b];
            if (length < 0 || length > kvLen) {
                throw new IllegalArgumentException(where + "nonpad_kv_seqlen[" + b + "] (" + length
                        + ") must be in [0, " + kvLen + "]");
            }
            keyLengths[b] = (int) length;
        }
        return keyLengths;
    }

    /** The oracle's result → the outputs the case requests, in ONNX shapes (Y 3D when Q is), rounded once to T1. */
    static Map<String, StoredTensor> outputs(OnnxAttentionCase testCase, AttentionProblem p, AttentionResult result) {
        StoredTensor q = testCase.inputs().get("Q");
        DType elementType = q.dtype();
        int batch = p.batch();
        int numHeads = p.numHeads();
        int qLen = p.qLen();
        int kvLen = p.kvLen();
        int valueHeadDim = p.valueHeadDim();
        Map<String, StoredTensor> outputs = new LinkedHashMap<>();
        for (String slot : testCase.outputs().keySet()) {
            switch (slot) {
                case "Y" -> outputs.put(slot, q.shape().length == 4
                        ? StoredTensor.ofFloats(elementType, new int[] {batch, numHeads, qLen, valueHeadDim}, result.output())
                        : StoredTensor.ofFloats(elementType, new int[] {batch, qLen, numHeads * valueHeadDim},
                                mergeHeads(result.output(), batch, qLen, numHeads, valueHeadDim)));
                case "present_key" -> outputs.put(slot, StoredTensor.ofFloats(elementType,
                        new int[] {batch, p.numKvHeads(), kvLen, p.headDim()}, result.presentKey()));
                case "present_value" -> outputs.put(slot, StoredTensor.ofFloats(elementType,
                        new int[] {batch, p.numKvHeads(), kvLen, valueHeadDim}, result.presentValue()));
                case "qk_matmul_output" -> {
                    double[] stage = switch (testCase.attributes().qkMatmulOutputMode()) {
                        case 0 -> result.scaledScores();    // spec: before softcap, even when softcap is set
                        case 1 -> result.cappedScores();
                        case 2 -> result.logits();          // capped + bias, −∞ where hidden, no guard
                        default -> result.probabilities();  // guarded softmax
                    };
                    outputs.put(slot, StoredTensor.ofFloats(elementType, new int[] {batch, numHeads, qLen, kvLen}, stage));
                }
                default -> throw new IllegalArgumentException(testCase.name() + ": unknown output " + slot);
            }
        }
        return outputs;
    }

    /** [B, S, H·W] → [B, H, S, W]:  x4[b,h,s,w] = x3[b,s,h·W+w]. */
    static double[] splitHeads(double[] x3, int batch, int seqLen, int heads, int width) {
        double[] x4 = new double[x3.length];                                              // [B, H, S, W]
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seqLen; s++) {
                for (int h = 0; h < heads; h++) {
                    for (int w = 0; w < width; w++) {
                        x4[((b * heads + h) * seqLen + s) * width + w] = x3[((b * seqLen + s) * heads + h) * width + w];
                    }
                }
            }
        }
        return x4;
    }

    /** [B, H, S, W] → [B, S, H·W]:  x3[b,s,h·W+w] = x4[b,h,s,w]. */
    static double[] mergeHeads(double[] x4, int batch, int seqLen, int heads, int width) {
        double[] x3 = new double[x4.length];                                              // [B, S, H·W]
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seqLen; s++) {
                for (int h = 0; h < heads; h++) {
                    for (int w = 0; w < width; w++) {
                        x3[((b * seqLen + s) * heads + h) * width + w] = x4[((b * heads + h) * seqLen + s) * width + w];
                    }
                }
            }
        }
        return x3;
    }

    /** Pads the last axis of a row-major array from {@code from} to {@code to} entries with {@code fill}. */
    private static double[] padLastAxis(double[] values, int from, int to, double fill) {
        int rows = from == 0 ? 0 : values.length / from;
        double[] padded = new double[rows * to];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * from, padded, r * to, from);
            Arrays.fill(padded, r * to + from, (r + 1) * to, fill);
        }
        return padded;
    }

    private static int headSize(String where, String input, int hidden, int heads, String attribute) {
        if (heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException(where + input + "'s last axis (" + hidden + ") must be a multiple of "
                    + attribute + " (" + heads + ")");
        }
        return hidden / heads;
    }

    private static void requireShape(String where, String input, int[] actual, int... expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException(where + input + " has shape " + Arrays.toString(actual) + "; expected "
                    + Arrays.toString(expected));
        }
    }

    private static void requireFloat(String where, String input, StoredTensor t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16) {
            throw new IllegalArgumentException(where + input + " has type " + t.dtype() + "; expected float32 or float16");
        }
    }

    private static void requireType(String where, String input, StoredTensor t, DType expected) {
        if (t.dtype() != expected) {
            throw new IllegalArgumentException(where + input + " has type " + t.dtype() + "; expected Q's type " + expected);
        }
    }
}
