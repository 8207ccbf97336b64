package dev.attnref.golden;

import dev.attnref.attention.AttentionConfig;
import dev.attnref.attention.AttentionOptions;
import dev.attnref.attention.AttentionWeights;
import dev.attnref.attention.GroupedQueryAttention;
import dev.attnref.attention.ProjectionBias;
import dev.attnref.core.Linear;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.MirrorModule;
import dev.attnref.mirror.MirroredPythonError;
import dev.attnref.mirror.Seed000GroupQueryAttention;
import dev.attnref.mirror.Seed000MultiHeadAttention;
import dev.attnref.mirror.Seed000MultiHeadLatentAttention;
import dev.attnref.mirror.Seed000MutiQueryAttention;
import dev.attnref.mirror.Seed002GroupQueryAttention;
import dev.attnref.mirror.Seed002MultiHeadAttention;
import dev.attnref.mirror.Seed003MultiHeadAttention;
import dev.attnref.mirror.Seed003ScaledDotProductAttentionOptimized;
import dev.attnref.mirror.TorchDefaultDtype;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The variants {@code mirror.*}: the seed articles' code snippets, as published and fixed
 * ({@link Fidelity}), run by their line-for-line mirrors in {@code dev.attnref.mirror}. The expected
 * values are what the published (or fixed) code computes, bugs included; where the published code
 * raises, the case records the Python exception instead of outputs.
 *
 * <p>Common rules (reference-data/README.md, "Mirror variants"): weights are the snippet's
 * {@code state_dict}, named and shaped as PyTorch names them; modules run in eval mode (dropout off:
 * its randomness does not port); masks are stored BOOL and enter the snippet as 0/1 floats; a case
 * whose constructor raises carries no weights. The generator checks each FIXED case of seeds 000
 * (MQA, GQA), 002 and 003 against {@link GroupedQueryAttention} on the same weights.
 */
final class MirrorVariants {
    private MirrorVariants() {
    }

    /** All mirror variants. */
    static List<GoldenVariant<?>> all() {
        return List.of(new LabmlMha(), new Seed000Mqa(), new Seed000Gqa(), new Seed000Mla(), new Seed002Mha(),
                new Seed002Gqa(), new Seed003Mha(), new Seed003Bmm());
    }

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    static Fidelity fidelity(String name) {
        return name.equals("fixed") ? Fidelity.FIXED : Fidelity.AS_PUBLISHED;
    }

    /** config.mask: null, or {"shape": [...]}; the shape is checked against {@code target} by the caller. */
    static int[] maskShape(CaseConfig c) {
        CaseConfig mask = c.objectOrNull("mask");
        return mask == null ? null : mask.integers("shape");
    }

    /**
     * Input specs of a module's state dict, in PyTorch's order: a weight {@code [out, in]} is drawn with
     * fan-in {@code in}, a bias with its weight's fan-in.
     */
    static List<TensorSpec> stateSpecs(MirrorModule module) {
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, Integer> fanIn = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : module.stateDict().entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().shape();
            String owner = name.substring(0, name.lastIndexOf('.'));
            if (shape.length == 2) {
                fanIn.put(owner, shape[1]);
                specs.add(TensorSpec.weight(name, "out", "in", shape[0], shape[1]));
            } else {
                specs.add(TensorSpec.bias(name, "out", shape[0], fanIn.getOrDefault(owner, shape[0])));
            }
        }
        return specs;
    }

    /** The state dict of a case: every input whose name is a parameter of {@code module}. */
    static Map<String, Tensor> state(MirrorModule module, CaseInputs in) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : module.stateDict().keySet()) {
            state.put(name, in.tensor(name));
        }
        return state;
    }

    /**
     * Runs the snippet: construction, then the forward pass. Python exceptions the published code raises
     * (and PyTorch's {@code view} RuntimeError) become the case's expected error.
     */
    static CaseOutputs run(Supplier<MirrorModule> construct, java.util.function.Function<MirrorModule, CaseOutputs> forward) {
        MirrorModule module;
        try {
            module = construct.get();
        } catch (MirroredPythonError e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError(e.pythonType(), "construct", e.pythonMessage()));
        }
        try {
            return forward.apply(module);
        } catch (MirroredPythonError e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError(e.pythonType(), "forward", e.pythonMessage()));
        } catch (Tensor.ViewException e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError("RuntimeError", "forward", e.getMessage()));
        }
    }

    /** Specs for a module whose constructor may raise (then: no weights). */
    static List<TensorSpec> stateSpecsOrNone(Supplier<MirrorModule> construct) {
        try {
            return stateSpecs(construct.get());
        } catch (MirroredPythonError e) {
            return List.of();
        }
    }

    static TensorSpec activation(String name, List<String> axes, int... shape) {
        return TensorSpec.floats(name, TensorSpec.Fill.ACTIVATION, axes, shape);
    }

    /** FIXED cases of the GQA family equal the canonical module on the same weights (the mirror's own claim). */
    static void requireCanonical(String what, Map<String, Tensor> state, String[] prefixes, int width, int heads,
            int kvHeads, Tensor x, Tensor mask, MaskConvention convention, double[] expected) {
        Linear[] layers = new Linear[4];
        for (int i = 0; i < 4; i++) {
            layers[i] = new Linear(state.get(prefixes[i] + ".weight"), state.get(prefixes[i] + ".bias"));
        }
        AttentionConfig config = AttentionConfig.builder(width, heads, kvHeads, width / heads)
                .bias(new ProjectionBias(layers[0].hasBias(), layers[1].hasBias(), layers[2].hasBias(), layers[3].hasBias()))
                .build();
        AttentionOptions options = mask == null ? AttentionOptions.none()
                : AttentionOptions.builder().booleanMask(mask, convention).build();
        Tensor canonical = new GroupedQueryAttention(config, new AttentionWeights(layers[0], layers[1], layers[2], layers[3]))
                .forward(x, null, options).output();
        Tolerance.FLOAT64.require(what + " FIXED vs GroupedQueryAttention", expected, canonical.contiguous().toArray());
    }

    // ------------------------------------------------------------------------------------------------------------

    /** {@code mirror.seed000_labml_mha}: labml's MHA, sequence-first, keep-mask [T|1, S, B|1]. */
    static final class LabmlMha extends GoldenVariant<LabmlMha.Settings> {
        record Settings(int heads, int dModel, boolean bias, Fidelity fidelity, int seqLen, int kvLen, int batch,
                int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed000_labml_mha";
        }

        @Override
        public String reference(Settings s) {
            return Seed000MultiHeadAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("heads"), c.positive("d_model"), c.bool("bias"),
                    fidelity(c.choice("fidelity", "as_published", "fixed")), c.positive("seq_len"), c.positive("kv_len"),
                    c.positive("batch"), maskShape(c));
            if (s.maskShape() != null) {
                int[] m = s.maskShape();
                if (m.length != 3 || (m[0] != 1 && m[0] != s.seqLen()) || m[1] != s.kvLen() || (m[2] != 1 && m[2] != s.batch())) {
                    throw new IllegalArgumentException("config.mask.shape " + java.util.Arrays.toString(m)
                            + " must be [T or 1, S, B or 1] = [" + s.seqLen() + "|1, " + s.kvLen() + ", " + s.batch() + "|1]");
                }
            }
            return s;
        }

        private static Seed000MultiHeadAttention module(Settings s) {
            Seed000MultiHeadAttention m = new Seed000MultiHeadAttention(s.heads(), s.dModel(), 0.1, s.bias(), s.fidelity(),
                    new SeededRandom(0));
            m.eval();
            return m;
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("query", List.of("T", "B", "M"), s.seqLen(), s.batch(), s.dModel()));
            specs.add(activation("key", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
            specs.add(activation("value", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
            if (s.maskShape() != null) {
                specs.add(new TensorSpec("mask", TensorSpec.Kind.BOOL, s.maskShape(), TensorSpec.ShapeRule.EXACT,
                        List.of("T", "S", "B"), TensorSpec.Fill.GIVEN, 0));
            }
            specs.addAll(stateSpecs(module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed000MultiHeadAttention mha = (Seed000MultiHeadAttention) m;
                mha.loadStateDict(state(mha, in));
                Tensor out = mha.forward(in.tensor("query"), in.tensor("key"), in.tensor("value"), in.tensorOrNull("mask"));
                return new CaseOutputs().add("output", out, List.of("T", "B", "M"))
                        .add("attn", mha.attn(), List.of("T", "S", "B", "H"));
            });
        }
    }

    /** {@code mirror.seed000_mqa}: seed 000 §2.1 MutiQueryAttention, hide-mask added as mask·(−1e-9) as published. */
    static final class Seed000Mqa extends GoldenVariant<Seed000Mqa.Settings> {
        record Settings(int hiddenSize, int numHeads, Fidelity fidelity, TorchDefaultDtype dtype, int batch, int seqLen,
                int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed000_mqa";
        }

        @Override
        public String reference(Settings s) {
            return Seed000MutiQueryAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        public List<String> checkedAgainst(Settings s) {
            return s.fidelity() == Fidelity.FIXED ? List.of(GroupedQueryAttention.class.getName()) : List.of();
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("hidden_size"), c.positive("num_heads"),
                    fidelity(c.choice("fidelity", "as_published", "fixed")), dtype(c), c.positive("batch"),
                    c.positive("seq_len"), maskShape(c));
            requireMask(s.maskShape(), s.batch(), s.numHeads(), s.seqLen());
            return s;
        }

        private static Seed000MutiQueryAttention module(Settings s) {
            return new Seed000MutiQueryAttention(s.hiddenSize(), s.numHeads(), s.fidelity(), new SeededRandom(0))
                    .torchDefaultDtype(s.dtype());
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("hidden_state", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenSize()));
            addMask(specs, "attention_mask", s.maskShape());
            specs.addAll(stateSpecs(module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed000MutiQueryAttention mqa = (Seed000MutiQueryAttention) m;
                mqa.loadStateDict(state(mqa, in));
                return new CaseOutputs().add("output", mqa.forward(in.tensor("hidden_state"),
                        in.tensorOrNull("attention_mask")), List.of("B", "T", "M"));
            });
        }

        @Override
        protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
            if (s.fidelity() == Fidelity.FIXED) {
                requireCanonical(id(), state(module(s), in), new String[] {"q_linear", "k_linear", "v_linear", "o_linear"},
                        s.hiddenSize(), s.numHeads(), 1, in.tensor("hidden_state"), in.tensorOrNull("attention_mask"),
                        MaskConvention.HIDE_WHERE_TRUE, expected.get("output").values());
            }
        }
    }

    static TorchDefaultDtype dtype(CaseConfig c) {
        return c.choice("torch_default_dtype", "float32", "float64").equals("float32")
                ? TorchDefaultDtype.FLOAT32 : TorchDefaultDtype.FLOAT64;
    }

    /** A mask of the configured shape must broadcast to [B, H, T, T]. */
    static void requireMask(int[] shape, int batch, int heads, int len) {
        if (shape != null) {
            SdpaVariant.maskSpec("mask", TensorSpec.Kind.BOOL, shape, new int[] {batch, heads, len, len});
        }
    }

    static void addMask(List<TensorSpec> specs, String name, int[] shape) {
        if (shape != null) {
            specs.add(new TensorSpec(name, TensorSpec.Kind.BOOL, shape, TensorSpec.ShapeRule.EXACT,
                    SdpaVariant.SCORE_AXES.subList(4 - shape.length, 4), TensorSpec.Fill.GIVEN, 0));
        }
    }

    /**
     * {@code mirror.seed000_gqa}: seed 000 §3.1 GroupQueryAttention. Fidelity {@code as_published} raises
     * TypeError at construction; {@code as_published_super_fixed} is the published code with only its
     * {@code super} call fixed (FIX-11), which runs and carries the MQA bugs.
     */
    static final class Seed000Gqa extends GoldenVariant<Seed000Gqa.Settings> {
        record Settings(int hiddenSize, int numHeads, int groupNum, String fidelity, TorchDefaultDtype dtype, int batch,
                int seqLen, int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed000_gqa";
        }

        @Override
        public String reference(Settings s) {
            return Seed000GroupQueryAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        public List<String> checkedAgainst(Settings s) {
            return s.fidelity().equals("fixed") ? List.of(GroupedQueryAttention.class.getName()) : List.of();
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("hidden_size"), c.positive("num_heads"), c.positive("group_num"),
                    c.choice("fidelity", "as_published", "as_published_super_fixed", "fixed"), dtype(c), c.positive("batch"),
                    c.positive("seq_len"), maskShape(c));
            requireMask(s.maskShape(), s.batch(), s.numHeads(), s.seqLen());
            return s;
        }

        private static Seed000GroupQueryAttention module(Settings s) {
            SeededRandom random = new SeededRandom(0);
            Seed000GroupQueryAttention m = switch (s.fidelity()) {
                case "as_published_super_fixed" -> Seed000GroupQueryAttention.withOnlySuperCallFixed(s.hiddenSize(),
                        s.numHeads(), s.groupNum(), random);
                case "fixed" -> new Seed000GroupQueryAttention(s.hiddenSize(), s.numHeads(), s.groupNum(), Fidelity.FIXED,
                        random);
                default -> new Seed000GroupQueryAttention(s.hiddenSize(), s.numHeads(), s.groupNum(), Fidelity.AS_PUBLISHED,
                        random);
            };
            return m.torchDefaultDtype(s.dtype());
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("hidden_state", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenSize()));
            addMask(specs, "attention_mask", s.maskShape());
            specs.addAll(stateSpecsOrNone(() -> module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed000GroupQueryAttention gqa = (Seed000GroupQueryAttention) m;
                gqa.loadStateDict(state(gqa, in));
                return new CaseOutputs().add("output", gqa.forward(in.tensor("hidden_state"),
                        in.tensorOrNull("attention_mask")), List.of("B", "T", "M"));
            });
        }

        @Override
        protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
            if (s.fidelity().equals("fixed")) {
                requireCanonical(id(), state(module(s), in), new String[] {"q_linear", "k_linear", "v_linear", "o_linear"},
                        s.hiddenSize(), s.numHeads(), s.groupNum(), in.tensor("hidden_state"),
                        in.tensorOrNull("attention_mask"), MaskConvention.HIDE_WHERE_TRUE, expected.get("output").values());
            }
        }
    }

    /** {@code mirror.seed000_mla}: seed 000 §4.1's simplified MLA (no RoPE); FIXED adds causal and naive options. */
    static final class Seed000Mla extends GoldenVariant<Seed000Mla.Settings> {
        record Settings(int dModel, int numHeads, int qLatentDim, int kvLatentDim, Fidelity fidelity, boolean causal,
                boolean absorbed, int batch, int seqLen) {
        }

        @Override
        public String id() {
            return "mirror.seed000_mla";
        }

        @Override
        public String reference(Settings s) {
            return Seed000MultiHeadLatentAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        protected Settings parse(CaseConfig c) {
            return new Settings(c.positive("d_model"), c.positive("num_heads"), c.positive("q_latent_dim"),
                    c.positive("kv_latent_dim"), fidelity(c.choice("fidelity", "as_published", "fixed")), c.bool("causal"),
                    c.bool("absorbed"), c.positive("batch"), c.positive("seq_len"));
        }

        private static Seed000MultiHeadLatentAttention module(Settings s) {
            return new Seed000MultiHeadLatentAttention(s.dModel(), s.numHeads(), s.qLatentDim(), s.kvLatentDim(),
                    s.fidelity(), new SeededRandom(0));
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("x", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.dModel()));
            specs.addAll(stateSpecs(module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed000MultiHeadLatentAttention mla = (Seed000MultiHeadLatentAttention) m;
                mla.loadStateDict(state(mla, in));
                return new CaseOutputs().add("output", mla.forward(in.tensor("x"), s.causal(), s.absorbed()),
                        List.of("B", "T", "M"));
            });
        }
    }

    /** {@code mirror.seed002_mha}: seed 002's MultiHeadAttention, keep-mask filled with −1e20 as published. */
    static final class Seed002Mha extends GoldenVariant<Seed002Mha.Settings> {
        record Settings(int hiddenDim, int numsHead, Fidelity fidelity, int batch, int seqLen, int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed002_mha";
        }

        @Override
        public String reference(Settings s) {
            return Seed002MultiHeadAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        public List<String> checkedAgainst(Settings s) {
            return s.fidelity() == Fidelity.FIXED && s.maskShape() != null && s.maskShape().length == 4
                    ? List.of(GroupedQueryAttention.class.getName()) : List.of();
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("hidden_dim"), c.positive("nums_head"),
                    fidelity(c.choice("fidelity", "as_published", "fixed")), c.positive("batch"), c.positive("seq_len"),
                    maskShape(c));
            int[] m = s.maskShape();
            if (m != null && !(s.fidelity() == Fidelity.FIXED && m.length == 2)) {
                requireMask(m, s.batch(), s.numsHead(), s.seqLen());
            } else if (m != null && (m[0] != s.batch() || m[1] != s.seqLen())) {
                throw new IllegalArgumentException("config.mask.shape " + java.util.Arrays.toString(m)
                        + ": a 2-D mask of the fixed snippet is (batch, seq) = [" + s.batch() + ", " + s.seqLen() + "]");
            }
            return s;
        }

        private static Seed002MultiHeadAttention module(Settings s) {
            Seed002MultiHeadAttention m = new Seed002MultiHeadAttention(s.hiddenDim(), s.numsHead(), s.fidelity(),
                    new SeededRandom(0)).printTo(QUIET);
            m.eval();
            return m;
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("X", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenDim()));
            if (s.maskShape() != null && s.maskShape().length == 2 && s.fidelity() == Fidelity.FIXED) {
                specs.add(new TensorSpec("attention_mask", TensorSpec.Kind.BOOL, s.maskShape(), TensorSpec.ShapeRule.EXACT,
                        List.of("B", "S"), TensorSpec.Fill.GIVEN, 0));
            } else {
                addMask(specs, "attention_mask", s.maskShape());
            }
            specs.addAll(stateSpecs(module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed002MultiHeadAttention mha = (Seed002MultiHeadAttention) m;
                mha.loadStateDict(state(mha, in));
                return new CaseOutputs().add("output", mha.forward(in.tensor("X"), in.tensorOrNull("attention_mask")),
                        List.of("B", "T", "M"));
            });
        }

        @Override
        protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
            if (!checkedAgainst(s).isEmpty()) {
                requireCanonical(id(), state(module(s), in), new String[] {"q_proj", "k_proj", "v_proj", "o_proj"},
                        s.hiddenDim(), s.numsHead(), s.numsHead(), in.tensor("X"), in.tensor("attention_mask"),
                        MaskConvention.KEEP_WHERE_TRUE, expected.get("output").values());
            }
        }
    }

    /** {@code mirror.seed002_gqa}: seed 002's GroupQueryAttention; as published the mask is ignored. */
    static final class Seed002Gqa extends GoldenVariant<Seed002Gqa.Settings> {
        record Settings(int hiddenDim, int numsHead, int numsKeyValueHead, Fidelity fidelity, int batch, int seqLen,
                int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed002_gqa";
        }

        @Override
        public String reference(Settings s) {
            return Seed002GroupQueryAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        public List<String> checkedAgainst(Settings s) {
            return s.fidelity() == Fidelity.FIXED && s.hiddenDim() % s.numsHead() == 0
                    && s.numsHead() % s.numsKeyValueHead() == 0 ? List.of(GroupedQueryAttention.class.getName()) : List.of();
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("hidden_dim"), c.positive("nums_head"), c.positive("nums_key_value_head"),
                    fidelity(c.choice("fidelity", "as_published", "fixed")), c.positive("batch"), c.positive("seq_len"),
                    maskShape(c));
            requireMask(s.maskShape(), s.batch(), s.numsHead(), s.seqLen());
            return s;
        }

        private static Seed002GroupQueryAttention module(Settings s) {
            return new Seed002GroupQueryAttention(s.hiddenDim(), s.numsHead(), s.numsKeyValueHead(), s.fidelity(),
                    new SeededRandom(0));
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("X", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenDim()));
            addMask(specs, "attention_mask", s.maskShape());
            specs.addAll(stateSpecsOrNone(() -> module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed002GroupQueryAttention gqa = (Seed002GroupQueryAttention) m;
                gqa.loadStateDict(state(gqa, in));
                return new CaseOutputs().add("output", gqa.forward(in.tensor("X"), in.tensorOrNull("attention_mask")),
                        List.of("B", "T", "M"));
            });
        }

        @Override
        protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
            if (!checkedAgainst(s).isEmpty()) {
                requireCanonical(id(), state(module(s), in), new String[] {"q_proj", "k_proj", "v_proj", "o_proj"},
                        s.hiddenDim(), s.numsHead(), s.numsKeyValueHead(), in.tensor("X"), in.tensorOrNull("attention_mask"),
                        MaskConvention.KEEP_WHERE_TRUE, expected.get("output").values());
            }
        }
    }

    /** {@code mirror.seed003_mha}: seed 003 §3's MultiHeadAttention (Q, K, V inputs), keep-mask filled with −1e9. */
    static final class Seed003Mha extends GoldenVariant<Seed003Mha.Settings> {
        record Settings(int dModel, int numHeads, Fidelity fidelity, int batch, int qLen, int kvLen, int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed003_mha";
        }

        @Override
        public String reference(Settings s) {
            return Seed003MultiHeadAttention.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("d_model"), c.positive("num_heads"),
                    fidelity(c.choice("fidelity", "as_published", "fixed")), c.positive("batch"), c.positive("q_len"),
                    c.positive("kv_len"), maskShape(c));
            if (s.maskShape() != null) {
                SdpaVariant.maskSpec("mask", TensorSpec.Kind.BOOL, s.maskShape(),
                        new int[] {s.batch(), s.numHeads(), s.qLen(), s.kvLen()});
            }
            return s;
        }

        private static Seed003MultiHeadAttention module(Settings s) {
            return new Seed003MultiHeadAttention(s.dModel(), s.numHeads(), s.fidelity(), new SeededRandom(0));
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("Q", List.of("B", "T", "M"), s.batch(), s.qLen(), s.dModel()));
            specs.add(activation("K", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
            specs.add(activation("V", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
            addMask(specs, "mask", s.maskShape());
            specs.addAll(stateSpecsOrNone(() -> module(s)));
            return specs;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            return run(() -> module(s), m -> {
                Seed003MultiHeadAttention mha = (Seed003MultiHeadAttention) m;
                mha.loadStateDict(state(mha, in));
                Seed003MultiHeadAttention.Result r = mha.forward(in.tensor("Q"), in.tensor("K"), in.tensor("V"),
                        in.tensorOrNull("mask"));
                return new CaseOutputs().add("output", r.output(), List.of("B", "T", "M"))
                        .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
            });
        }
    }

    /**
     * {@code mirror.seed003_sdpa_bmm}: seed 003 §7's {@code torch.bmm} attention on head-split inputs. With
     * {@code input_layout = "split_heads"} the inputs are laid out as §3's {@code split_heads} hands them over
     * (a contiguous [B, L, H, d_k] transposed to [B, H, L, d_k]), on which the published {@code view} raises.
     */
    static final class Seed003Bmm extends GoldenVariant<Seed003Bmm.Settings> {
        record Settings(int batch, int numHeads, int qLen, int kvLen, int dK, Fidelity fidelity, boolean splitHeads,
                int[] maskShape) {
        }

        @Override
        public String id() {
            return "mirror.seed003_sdpa_bmm";
        }

        @Override
        public String reference(Settings s) {
            return Seed003ScaledDotProductAttentionOptimized.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("batch"), c.positive("num_heads"), c.positive("q_len"), c.positive("kv_len"),
                    c.positive("d_k"), fidelity(c.choice("fidelity", "as_published", "fixed")),
                    c.choice("input_layout", "contiguous", "split_heads").equals("split_heads"), maskShape(c));
            if (s.maskShape() != null) {
                SdpaVariant.maskSpec("mask", TensorSpec.Kind.BOOL, s.maskShape(),
                        new int[] {s.batch(), s.numHeads(), s.qLen(), s.kvLen()});
            }
            return s;
        }

        @Override
        protected List<TensorSpec> inputs(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("Q", List.of("B", "H", "T", "d_k"), s.batch(), s.numHeads(), s.qLen(), s.dK()));
            specs.add(activation("K", List.of("B", "H", "S", "d_k"), s.batch(), s.numHeads(), s.kvLen(), s.dK()));
            specs.add(activation("V", List.of("B", "H", "S", "d_k"), s.batch(), s.numHeads(), s.kvLen(), s.dK()));
            addMask(specs, "mask", s.maskShape());
            return specs;
        }

        /** The [B, H, L, d] values laid out as split_heads leaves them: contiguous [B, L, H, d], transposed (1, 2). */
        private static Tensor layout(Settings s, Tensor headsFirst) {
            return s.splitHeads() ? headsFirst.transpose(1, 2).contiguous().transpose(1, 2) : headsFirst;
        }

        @Override
        protected CaseOutputs compute(Settings s, CaseInputs in) {
            try {
                Seed003ScaledDotProductAttentionOptimized.Result r = Seed003ScaledDotProductAttentionOptimized.apply(
                        layout(s, in.tensor("Q")), layout(s, in.tensor("K")), layout(s, in.tensor("V")),
                        in.tensorOrNull("mask"), s.fidelity());
                return new CaseOutputs().add("output", r.output(), List.of("B", "H", "T", "d_k"))
                        .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
            } catch (Tensor.ViewException e) {
                return CaseOutputs.raising(new CaseOutputs.ExpectedError("RuntimeError", "forward", e.getMessage()));
            }
        }
    }
}
