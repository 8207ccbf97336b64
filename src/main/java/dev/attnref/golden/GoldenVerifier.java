package dev.attnref.golden;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Compares a port's outputs for one case with the expected ones (reference-data/README.md,
 * "Verifying a port"). Per expected tensor: the candidate must hold it with the same shape; float
 * outputs may be F64 or F32 and are judged at the case's tolerance for that dtype, or, when the port
 * names its precision, at that precision's rule (fp32, fp64: the fixed tolerances; bf16, fp16: the
 * low-precision rule on the case's baseline error, and outputs may also be BF16 or F16); int64 and bool
 * outputs must match exactly. Reported per tensor: max absolute error, max relative error (over
 * non-zero expected values) and max ULP distance, counted in the candidate's dtype after rounding the
 * expected value to it. A case whose published code raises passes when the candidate records the same
 * Python exception kind (metadata {@code error_kind}) and no outputs.
 */
public final class GoldenVerifier {
    /** Metadata key a candidate uses to say that the code under test raised, with the Python exception kind. */
    public static final String ERROR_KIND = "error_kind";

    private GoldenVerifier() {
    }

    /**
     * One tensor's comparison. {@code maxUlp} is −1 when the tensor is not a float; {@code failures} counts
     * elements outside the tolerance (non-finite mismatches included); {@code problem} is set when the
     * tensor could not be compared at all (missing, wrong shape, unsupported dtype).
     */
    public record TensorReport(String name, String dtype, int elements, double maxAbsError, double maxRelError, long maxUlp,
            Tolerance tolerance, int failures, String firstFailure, String problem) {
        public boolean passed() {
            return problem == null && failures == 0;
        }
    }

    /**
     * One case's verdict: the tensor reports, or a problem with the case as a whole. {@code unreadable} marks a
     * case or candidate that could not be read (malformed, missing, inaccessible), as opposed to outputs that
     * were read and do not match: scripts tell the two apart by the exit code (2 and 1).
     */
    public record CaseReport(String caseId, List<TensorReport> tensors, String problem, boolean unreadable) {
        public CaseReport(String caseId, List<TensorReport> tensors, String problem) {
            this(caseId, tensors, problem, false);
        }

        /** A case that could not be judged because {@code why}. */
        public static CaseReport unreadable(String caseId, String why) {
            return new CaseReport(caseId, List.of(), why, true);
        }

        public boolean passed() {
            return problem == null && tensors.stream().allMatch(TensorReport::passed);
        }
    }

    /** Compares {@code candidate} with the expected outputs of {@code golden}, each float at the tolerance of its dtype. */
    public static CaseReport verify(GoldenCase golden, Safetensors.Contents candidate) {
        return verify(golden, candidate, null);
    }

    /**
     * Compares {@code candidate} with the expected outputs of {@code golden} for a port computing in
     * {@code precision} (null: by each output's dtype). A bf16 or fp16 judgement of a case stored in another
     * precision is refused as unreadable: the case has no baseline for it.
     */
    public static CaseReport verify(GoldenCase golden, Safetensors.Contents candidate, Precision precision) {
        String noBaseline = precision == null ? null : golden.missingBaseline(precision);
        if (noBaseline != null) {
            return CaseReport.unreadable(golden.id(), noBaseline);
        }
        String raised = candidate.metadata().get(ERROR_KIND);
        CaseOutputs.ExpectedError expectedError = golden.expectedError();
        if (expectedError != null) {
            if (raised == null) {
                return new CaseReport(golden.id(), List.of(), "the published code raises " + expectedError.kind() + " ("
                        + expectedError.stage() + "); the candidate has no error_kind metadata");
            }
            if (!raised.equals(expectedError.kind())) {
                return new CaseReport(golden.id(), List.of(), "the published code raises " + expectedError.kind()
                        + "; the candidate raised " + raised);
            }
            return new CaseReport(golden.id(), List.of(), null);
        }
        if (raised != null) {
            return new CaseReport(golden.id(), List.of(), "the candidate raised " + raised + "; the case has outputs");
        }
        if (golden.expected().isEmpty()) {
            return new CaseReport(golden.id(), List.of(), "the case has no expected outputs to compare with");
        }
        List<TensorReport> reports = new ArrayList<>();
        for (Map.Entry<String, StoredTensor> e : golden.expected().entrySet()) {
            reports.add(compare(golden, e.getKey(), e.getValue(), candidate.tensors().get(e.getKey()), precision));
        }
        return new CaseReport(golden.id(), reports, null);
    }

    private static TensorReport problem(String name, String dtype, String why) {
        return new TensorReport(name, dtype, 0, 0, 0, -1, null, 0, null, why);
    }

    static TensorReport compare(GoldenCase golden, String name, StoredTensor expected, StoredTensor actual,
            Precision precision) {
        if (actual == null) {
            return problem(name, "-", "missing from the candidate");
        }
        String dtype = actual.dtype().name();
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            return problem(name, dtype, "has shape " + Arrays.toString(actual.shape()) + "; expected "
                    + Arrays.toString(expected.shape()));
        }
        if (expected.dtype() == DType.I64 || expected.dtype() == DType.BOOL) {
            if (actual.dtype() != expected.dtype()) {
                return problem(name, dtype, "is " + dtype + "; expected " + expected.dtype() + " (compared exactly)");
            }
            int failures = 0;
            String first = null;
            for (int i = 0; i < expected.numel(); i++) {
                boolean same = expected.dtype() == DType.I64 ? expected.integers()[i] == actual.integers()[i]
                        : expected.values()[i] == actual.values()[i];
                if (!same) {
                    failures++;
                    if (first == null) {
                        first = "element " + i + ": " + value(actual, i) + ", expected " + value(expected, i);
                    }
                }
            }
            return new TensorReport(name, dtype, expected.numel(), 0, 0, -1, Tolerance.EXACT, failures, first, null);
        }
        boolean low = precision != null && precision.isLow();
        if (actual.dtype() != DType.F64 && actual.dtype() != DType.F32 && !(low && Precision.ofStored(actual.dtype()) != null)) {
            return problem(name, dtype, "is " + dtype + "; float outputs must be F64 or F32"
                    + (low ? ", BF16 or F16" : " (BF16 and F16 with --precision bf16 or fp16)"));
        }
        Tolerance tolerance = precision == null ? golden.tolerance(actual.dtype()) : golden.tolerance(name, precision);
        double maxAbs = 0;
        double maxRel = 0;
        long maxUlp = 0;
        int failures = 0;
        String first = null;
        double[] e = expected.values();
        double[] a = actual.values();
        for (int i = 0; i < e.length; i++) {
            if (!tolerance.allows(e[i], a[i])) {
                failures++;
                if (first == null) {
                    first = "element " + i + " " + index(expected.shape(), i) + ": " + a[i] + ", expected " + e[i];
                }
            }
            if (Double.isFinite(e[i]) && Double.isFinite(a[i])) {
                double abs = Math.abs(a[i] - e[i]);
                maxAbs = Math.max(maxAbs, abs);
                if (e[i] != 0) {
                    maxRel = Math.max(maxRel, abs / Math.abs(e[i]));
                }
                maxUlp = Math.max(maxUlp, ulps(actual.dtype(), e[i], a[i]));
            }
        }
        return new TensorReport(name, dtype, e.length, maxAbs, maxRel, maxUlp, tolerance, failures, first, null);
    }

    private static String value(StoredTensor t, int i) {
        return t.dtype() == DType.I64 ? Long.toString(t.integers()[i]) : Double.toString(t.values()[i]);
    }

    /** The multi-index of flat position {@code flat} in a row-major tensor of {@code shape}. */
    static String index(int[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }

    /** The ULP distance counted in {@code dtype} (F64, F32, F16 or BF16), the expected value rounded to it first. */
    private static long ulps(DType dtype, double expected, double actual) {
        return switch (dtype) {
            case F32 -> ulps((float) expected, (float) actual);
            case F16 -> ulps16(Float16.toBits((float) expected), Float16.toBits((float) actual));
            case BF16 -> ulps16(Bfloat16.toBits((float) expected), Bfloat16.toBits((float) actual));
            default -> ulps(expected, actual);
        };
    }

    /** Values strictly between two 16-bit floats (sign and magnitude, like binary32), plus one: 0 when equal. */
    static long ulps16(short a, short b) {
        return Math.abs(ordered16(a) - ordered16(b));
    }

    private static long ordered16(short bits) {
        int magnitude = bits & 0x7FFF;
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /**
     * Doubles strictly between {@code a} and {@code b}, plus one: 0 when equal (±0 count as equal);
     * {@link Long#MAX_VALUE} when the distance does not fit (values of opposite sign near the extremes).
     */
    public static long ulps(double a, double b) {
        long oa = ordered(Double.doubleToLongBits(a));
        long ob = ordered(Double.doubleToLongBits(b));
        try {
            long d = Math.subtractExact(oa, ob);
            return d == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(d);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** Floats strictly between {@code a} and {@code b}, plus one: 0 when equal (±0 count as equal). */
    public static long ulps(float a, float b) {
        long oa = orderedInt(Float.floatToIntBits(a));
        long ob = orderedInt(Float.floatToIntBits(b));
        return Math.abs(oa - ob);
    }

    // Maps IEEE bits to integers in the same order as the values: negatives mirrored below zero, −0 onto +0.
    private static long ordered(long bits) {
        return bits < 0 ? Long.MIN_VALUE - bits : bits;
    }

    private static long orderedInt(int bits) {
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }
}
