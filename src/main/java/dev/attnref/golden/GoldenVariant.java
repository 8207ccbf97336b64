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

    /** Throws IllegalStateException when a module disagrees with the reference outputs. */
    protected void crossCheck(S settings, CaseInputs inputs, CaseOutputs outputs) {
    }

    /** Parses {@code config} (rejecting unknown keys) into a {@link Prepared} case. */
    public final Prepared prepare(JsonNode config) {
        CaseConfig reader = CaseConfig.of(config, "config");
        S settings = parse(reader);
        reader.finish();
        return new Prepared(settings, inputs(settings));
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
                            + "; expected " + (spec.kind() == TensorSpec.Kind.FLOAT ? "F64, F32 or F16" : spec.kind().name()));
                }
                String mismatch = spec.mismatch(t.shape());
                if (mismatch != null) {
                    throw new IllegalArgumentException("input tensor \"" + spec.name() + "\" " + mismatch);
                }
                chosen.put(spec.name(), t);
            }
            return new CaseInputs(chosen);
        }

        /** The reference outputs for bound inputs. */
        public CaseOutputs compute(CaseInputs inputs) {
            return GoldenVariant.this.compute(settings, inputs);
        }

        /** The generator's module-against-reference check. */
        public void crossCheck(CaseInputs inputs, CaseOutputs outputs) {
            GoldenVariant.this.crossCheck(settings, inputs, outputs);
        }
    }

    private static boolean kindMatches(TensorSpec.Kind kind, DType dtype) {
        return switch (kind) {
            case FLOAT -> dtype == DType.F64 || dtype == DType.F32 || dtype == DType.F16;
            case BOOL -> dtype == DType.BOOL;
            case I64 -> dtype == DType.I64;
        };
    }
}
