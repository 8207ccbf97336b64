package dev.attnref.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One variant of the golden-vector format: how a case's {@code config} is read, which inputs it
 * needs, and the float64 reference that computes its outputs (reference-data/README.md, one section
 * per variant). The generator also runs {@link #crossCheck}: where modules exist, they must agree with
 * the reference before a case is written.
 *
 * @param <S> the parsed, validated configuration
 */
public abstract class GoldenVariant<S> {
    /** How many float64 arrays of B·H·T·S a computation keeps at once, at most (see Prepared#requireMemory). */
    private static final int SCORE_COPIES = 8;

    private final String id;

    /** A variant whose cases name it {@code id}. */
    protected GoldenVariant(String id) {
        this.id = id;
    }

    /** The variant id written in a case's {@code "variant"} field. */
    public final String id() {
        return id;
    }

    /** The class whose float64 computation gives the expected outputs (recorded as provenance). */
    public abstract String reference(S settings);

    /** The classes the generator checks the reference against for these settings (may be empty). */
    public List<String> checkedAgainst(S settings) {
        return List.of();
    }

    /** Reads and validates the configuration; every inconsistency is an IllegalArgumentException naming it. */
    protected abstract S parse(CaseConfig config);

    /** The inputs a case with these settings must carry, in payload-independent order. */
    protected abstract List<TensorSpec> inputs(S settings);

    /** The reference computation. */
    protected abstract CaseOutputs compute(S settings, CaseInputs inputs);

    /**
     * Checks the values of bound inputs that the config bounds (key lengths within S, token ids within V,
     * positions within the int range), so that a bad value is named as the case gave it before any module
     * sees it. Shapes, kinds and finiteness are checked by {@link Prepared#bind} already.
     */
    protected void checkValues(S settings, CaseInputs inputs) {
    }

    /**
     * The attention scores one computation holds, B·H·T·S summed over calls and layers that coexist (0 for a
     * variant without attention). {@link Prepared#compute} sizes its memory need from it before allocating.
     */
    protected long scoreElements(S settings) {
        return 0;
    }

    /**
     * The outputs of a plain implementation computing in {@code precision} (bf16 or fp16) on these inputs, by
     * output name: the baseline of a low-precision case (reference-data/README.md, "Precision"). Only variants
     * with such a baseline override it.
     */
    protected Map<String, double[]> lowPrecision(S settings, CaseInputs inputs, Precision precision) {
        throw new IllegalArgumentException("variant " + id + " has no " + precision.cliName() + " baseline; "
                + "low-precision cases exist for variant attention");
    }

    /** Throws IllegalStateException when a module disagrees with the reference outputs. */
    protected void crossCheck(S settings, CaseInputs inputs, CaseOutputs outputs) {
    }

    /** Parses {@code config} (rejecting unknown keys) into a {@link Prepared} case. */
    public final Prepared prepare(JsonNode config) {
        CaseConfig reader = CaseConfig.of(config, "config");
        S settings = parse(reader);
        reader.finish();
        List<TensorSpec> specs = inputs(settings);
        for (TensorSpec spec : specs) {
            // A product of sizes (H·D, …) past 2³¹ − 1 wraps negative in int arithmetic.
            if (java.util.Arrays.stream(spec.shape()).anyMatch(size -> size < 0)) {
                throw new IllegalArgumentException("the config's sizes multiply past 2³¹ − 1: input \"" + spec.name()
                        + "\" " + spec.axes() + " would have shape " + java.util.Arrays.toString(spec.shape()));
            }
        }
        return new Prepared(settings, specs);
    }

    /** A parsed configuration with its input specs, ready to bind tensors and compute. */
    public final class Prepared {
        private final S settings;
        private final List<TensorSpec> specs;

        private Prepared(S settings, List<TensorSpec> specs) {
            this.settings = settings;
            this.specs = List.copyOf(specs);
        }

        public GoldenVariant<S> variant() {
            return GoldenVariant.this;
        }

        /** The inputs this configuration needs. */
        public List<TensorSpec> specs() {
            return specs;
        }

        public String reference() {
            return GoldenVariant.this.reference(settings);
        }

        public List<String> checkedAgainst() {
            return GoldenVariant.this.checkedAgainst(settings);
        }

        /**
         * Picks this configuration's inputs out of {@code available} and checks each one's presence, element
         * kind and shape; tensors not named by a spec are left to the caller.
         */
        public CaseInputs bind(Map<String, StoredTensor> available) {
            Map<String, StoredTensor> chosen = new LinkedHashMap<>();
            for (TensorSpec spec : specs) {
                StoredTensor t = available.get(spec.name());
                if (t == null) {
                    throw new IllegalArgumentException("input tensor \"" + spec.name() + "\" is missing; variant " + id()
                            + " with this config needs " + spec.kind() + " " + java.util.Arrays.toString(spec.shape())
                            + " " + spec.axes());
                }
                if (!kindMatches(spec.kind(), t.dtype())) {
                    throw new IllegalArgumentException("input tensor \"" + spec.name() + "\" has dtype " + t.dtype()
                            + "; expected " + (spec.kind() == TensorSpec.Kind.FLOAT ? "F64, F32, F16 or BF16" : spec.kind().name()));
                }
                String mismatch = spec.mismatch(t.shape());
                if (mismatch != null) {
                    throw new IllegalArgumentException("input tensor \"" + spec.name() + "\" " + mismatch);
                }
                requireFinite(spec, t);
                chosen.put(spec.name(), t);
            }
            CaseInputs inputs = new CaseInputs(chosen);
            checkValues(settings, inputs);
            return inputs;
        }

        /** The reference outputs for bound inputs; refused up front when they would not fit in this JVM's memory. */
        public CaseOutputs compute(CaseInputs inputs) {
            requireMemory(inputs);
            return GoldenVariant.this.compute(settings, inputs);
        }

        /**
         * Estimated need: every input as float64 (≤ 3 copies: stored, as a tensor, inside the module), and
         * every attention score in ≤ {@value #SCORE_COPIES} float64 arrays (scaled, capped, logits and
         * probabilities inside the oracle; logits and probabilities as outputs, stored and serialised).
         */
        private void requireMemory(CaseInputs inputs) {
            long inputElements = 0;
            for (StoredTensor t : inputs.all().values()) {
                inputElements += t.numel();
            }
            long scores = scoreElements(settings);
            double need = 8.0 * (3.0 * inputElements + SCORE_COPIES * (double) scores);
            Runtime jvm = Runtime.getRuntime();
            long available = jvm.maxMemory() - (jvm.totalMemory() - jvm.freeMemory());
            if (need > available) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "this case needs about %.1f GB "
                        + "(%d attention scores B·H·T·S and %d input values, in float64) and this JVM has %.1f GB free of "
                        + "its %.1f GB limit (java -Xmx)", need / 1e9, scores, inputElements, available / 1e9,
                        jvm.maxMemory() / 1e9));
            }
        }

        /** The outputs of this variant's plain implementation in {@code precision} (bf16, fp16), by output name. */
        public Map<String, double[]> lowPrecision(CaseInputs inputs, Precision precision) {
            return GoldenVariant.this.lowPrecision(settings, inputs, precision);
        }

        /**
         * The baseline error of each float output: max over elements of |plain − reference|, the plain outputs
         * being {@link GoldenVariant#lowPrecision}'s. Refused when the plain implementation puts a non-finite value
         * where the reference has another value (then no multiple of its error could judge a port).
         */
        public Map<String, Double> baselineErrors(CaseInputs inputs, CaseOutputs reference, Precision precision) {
            Map<String, double[]> plain = lowPrecision(inputs, precision);
            Map<String, Double> errors = new LinkedHashMap<>();
            for (Map.Entry<String, CaseOutputs.Output> e : reference.outputs().entrySet()) {
                double[] expected = e.getValue().tensor().values();
                double[] actual = plain.get(e.getKey());
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    if (Double.isFinite(expected[i]) && Double.isFinite(actual[i])) {
                        worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                    } else if (Double.compare(expected[i], actual[i]) != 0) {
                        throw new IllegalStateException("the plain " + precision.cliName() + " implementation gives "
                                + actual[i] + " for " + e.getKey() + " element " + i + ", the reference " + expected[i]);
                    }
                }
                errors.put(e.getKey(), worst);
            }
            return errors;
        }

        /** The generator's module-against-reference check. */
        public void crossCheck(CaseInputs inputs, CaseOutputs outputs) {
            GoldenVariant.this.crossCheck(settings, inputs, outputs);
        }
    }

    /** Float inputs are finite; an additive mask (the only float input a case gives rather than draws) may hold −∞. */
    private static void requireFinite(TensorSpec spec, StoredTensor t) {
        if (spec.kind() != TensorSpec.Kind.FLOAT) {
            return;
        }
        boolean mask = spec.fill() == TensorSpec.Fill.GIVEN;
        double[] v = t.values();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i]) && !(mask && v[i] == Double.NEGATIVE_INFINITY)) {
                throw new IllegalArgumentException("input tensor \"" + spec.name() + "\" holds " + v[i] + " at "
                        + GoldenVerifier.index(t.shape(), i) + "; expected finite values" + (mask ? " or -inf" : ""));
            }
        }
    }

    private static boolean kindMatches(TensorSpec.Kind kind, DType dtype) {
        return switch (kind) {
            case FLOAT -> dtype == DType.F64 || dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16;
            case BOOL -> dtype == DType.BOOL;
            case I64 -> dtype == DType.I64;
        };
    }
}
