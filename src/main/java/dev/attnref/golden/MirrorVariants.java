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
import java.util.function.Function;
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
 * (MQA, GQA) and 002 (MHA with a 4-D mask; GQA where the head counts divide) against
 * {@link GroupedQueryAttention} on the same weights ({@link GqaFamilySnippet}).
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

    /** config.fidelity: {@code "as_published"} or {@code "fixed"}. */
    static Fidelity fidelity(CaseConfig c) {
        return c.choice("fidelity", "as_published", "fixed").equals("fixed") ? Fidelity.FIXED : Fidelity.AS_PUBLISHED;
    }

    static TorchDefaultDtype dtype(CaseConfig c) {
        return c.choice("torch_default_dtype", "float32", "float64").equals("float32")
                ? TorchDefaultDtype.FLOAT32 : TorchDefaultDtype.FLOAT64;
    }

    /** config.mask: null, or {"shape": [...]}; the shape is checked against {@code target} by the caller. */
    static int[] maskShape(CaseConfig c) {
        CaseConfig mask = c.objectOrNull("mask");
        return mask == null ? null : mask.integers("shape");
    }

    /** A mask of the configured shape (when there is one) must broadcast to [B, H, T, S]. */
    static void requireMask(int[] shape, int batch, int heads, int qLen, int kvLen) {
        if (shape != null) {
            SdpaVariant.maskSpec("mask", TensorSpec.Kind.BOOL, shape, new int[] {batch, heads, qLen, kvLen});
        }
    }

    /** A BOOL mask the case gives, of exactly {@code shape}. */
    static TensorSpec givenMask(String name, int[] shape, List<String> axes) {
        return new TensorSpec(name, TensorSpec.Kind.BOOL, shape, TensorSpec.ShapeRule.EXACT, axes, TensorSpec.Fill.GIVEN, 0);
    }

    /** The configured mask, if any, labelled with the trailing axes of [B, H, T, S]. */
    static void addMask(List<TensorSpec> specs, String name, int[] shape) {
        if (shape != null) {
            specs.add(givenMask(name, shape, SdpaVariant.SCORE_AXES.subList(4 - shape.length, 4)));
        }
    }

    static TensorSpec activation(String name, List<String> axes, int... shape) {
        return TensorSpec.floats(name, TensorSpec.Fill.ACTIVATION, axes, shape);
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

    /** Specs for a module whose constructor may raise (then: no weights). */
    static List<TensorSpec> stateSpecsOrNone(Supplier<? extends MirrorModule> construct) {
        try {
            return stateSpecs(construct.get());
        } catch (MirroredPythonError e) {
            return List.of();
        }
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
    static <M extends MirrorModule> CaseOutputs run(Supplier<M> construct, Function<M, CaseOutputs> forward) {
        M module;
        try {
            module = construct.get();
        } catch (MirroredPythonError e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError(e.pythonType(), "construct", e.pythonMessage()));
        }
        return forwardOrError(() -> forward.apply(module));
    }

    /** The forward pass's outputs, or the Python exception (or {@code view} RuntimeError) it raises. */
    static CaseOutputs forwardOrError(Supplier<CaseOutputs> forward) {
        try {
            return forward.get();
        } catch (MirroredPythonError e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError(e.pythonType(), "forward", e.pythonMessage()));
        } catch (Tensor.ViewException e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError("RuntimeError", "forward", e.getMessage()));
        }
    }

    /** Settings of a snippet case: each names the form the snippet runs in. */
    interface SnippetSettings {
        /** A {@link Fidelity}, or seed 000 GQA's named form; recorded in the reference. */
        Object fidelity();
    }

    /**
     * A snippet with a module: built from the settings as the published code builds it (a case whose
     * constructor raises carries no weights), loaded with the case's state dict, then run forward. Each
     * snippet states its module, the forward pass's tensor arguments and what the forward pass returns.
     */
    abstract static class Snippet<S extends SnippetSettings, M extends MirrorModule> extends GoldenVariant<S> {
        private final Class<M> snippet;

        Snippet(String id, Class<M> snippet) {
            super(id);
            this.snippet = snippet;
        }

        @Override
        public final String reference(S s) {
            return snippet.getName() + " (" + s.fidelity() + ")";
        }

        /** The snippet's module for these settings; its constructor may raise. */
        abstract M module(S s);

        /** The forward pass's tensor arguments (activations, then the mask if configured). */
        abstract List<TensorSpec> activations(S s);

        /** The forward pass of {@code module}, loaded with the case's weights, and what it returns. */
        abstract CaseOutputs forward(S s, M module, CaseInputs in);

        /** The activations, then the state dict (none when the constructor raises). */
        @Override
        protected final List<TensorSpec> inputs(S s) {
            List<TensorSpec> specs = new ArrayList<>(activations(s));
            specs.addAll(stateSpecsOrNone(() -> module(s)));
            return specs;
        }

        @Override
        protected final CaseOutputs compute(S s, CaseInputs in) {
            return run(() -> module(s), m -> {
                m.loadStateDict(state(m, in));
                return forward(s, m, in);
            });
        }
    }

    /**
     * Where a snippet of the GQA family keeps what {@link GroupedQueryAttention} needs: the state-dict
     * prefixes of its q, k, v and o projections, the names of the forward pass's input and mask, and how
     * the snippet reads the mask.
     */
    record ProjectionNames(List<String> qkvo, String input, String mask, MaskConvention convention) {
    }

    /** Model width M, query heads H and kv heads G of a GQA-family snippet's settings. */
    record HeadLayout(int modelWidth, int numHeads, int numKvHeads) {
    }

    /** Settings of a GQA-family snippet: self-attention over x [B, T, M] with an optional mask. */
    interface GqaFamilySettings extends SnippetSettings {
        int batch();

        int seqLen();

        /** The configured mask's shape, or null. */
        int[] maskShape();
    }

    /** A GQA-family snippet's forward pass {@code out = module(x, mask)}: [B, T, M] → [B, T, M]. */
    interface SelfAttentionForward<M> {
        Tensor apply(M module, Tensor x, Tensor mask);
    }

    /**
     * A snippet of the GQA family: {@code output = module(x, mask)} on one input x [B, T, M] and an optional
     * mask broadcasting to [B, H, T, T]. Its FIXED form, where the configuration is one the canonical module
     * takes, must equal {@link GroupedQueryAttention} on the same weights (the mirror's own claim).
     */
    abstract static class GqaFamilySnippet<S extends GqaFamilySettings, M extends MirrorModule> extends Snippet<S, M> {
        private final ProjectionNames names;
        private final SelfAttentionForward<M> forward;

        GqaFamilySnippet(String id, Class<M> snippet, ProjectionNames names, SelfAttentionForward<M> forward) {
            super(id, snippet);
            this.names = names;
            this.forward = forward;
        }

        /** Whether the generator checks these settings against {@link GroupedQueryAttention}. */
        abstract boolean matchesCanonical(S s);

        /** M, H and G of these settings, as the canonical module takes them. */
        abstract HeadLayout heads(S s);

        /** {@code s}, once its mask (if any) is checked to broadcast to [B, H, T, T]. */
        final S withMaskChecked(S s) {
            requireMask(s.maskShape(), s.batch(), heads(s).numHeads(), s.seqLen(), s.seqLen());
            return s;
        }

        @Override
        List<TensorSpec> activations(S s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation(names.input(), List.of("B", "T", "M"), s.batch(), s.seqLen(), heads(s).modelWidth()));
            addMask(specs, names.mask(), s.maskShape());
            return specs;
        }

        @Override
        final CaseOutputs forward(S s, M module, CaseInputs in) {
            return new CaseOutputs().add("output",
                    forward.apply(module, in.tensor(names.input()), in.tensorOrNull(names.mask())), List.of("B", "T", "M"));
        }

        @Override
        public final List<String> checkedAgainst(S s) {
            return matchesCanonical(s) ? List.of(GroupedQueryAttention.class.getName()) : List.of();
        }

        @Override
        protected final void crossCheck(S s, CaseInputs in, CaseOutputs expected) {
            if (!matchesCanonical(s)) {
                return;
            }
            // The canonical module on the snippet's own weights (biases where it has them), D = M / H.
            Map<String, Tensor> state = state(module(s), in);
            Linear[] layers = new Linear[4];
            for (int i = 0; i < 4; i++) {
                String prefix = names.qkvo().get(i);
                layers[i] = new Linear(state.get(prefix + ".weight"), state.get(prefix + ".bias"));
            }
            HeadLayout h = heads(s);
            AttentionConfig config = AttentionConfig.builder(h.modelWidth(), h.numHeads(), h.numKvHeads(),
                            h.modelWidth() / h.numHeads())
                    .bias(new ProjectionBias(layers[0].hasBias(), layers[1].hasBias(), layers[2].hasBias(), layers[3].hasBias()))
                    .build();
            Tensor mask = in.tensorOrNull(names.mask());
            AttentionOptions options = mask == null ? AttentionOptions.none()
                    : AttentionOptions.builder().booleanMask(mask, names.convention()).build();
            Tensor canonical = new GroupedQueryAttention(config, new AttentionWeights(layers[0], layers[1], layers[2], layers[3]))
                    .forward(in.tensor(names.input()), null, options).output();
            Tolerance.FLOAT64.require(id() + " FIXED vs GroupedQueryAttention", expected.get("output").values(),
                    canonical.contiguous().toArray());
        }
    }

    /** Seed 000's MQA and GQA: {@code q_linear} … {@code o_linear}, a hide-mask {@code attention_mask}. */
    static final ProjectionNames SEED000_NAMES = new ProjectionNames(List.of("q_linear", "k_linear", "v_linear", "o_linear"),
            "hidden_state", "attention_mask", MaskConvention.HIDE_WHERE_TRUE);

    /** Seed 002's MHA and GQA: {@code q_proj} … {@code o_proj}, a keep-mask {@code attention_mask}. */
    static final ProjectionNames SEED002_NAMES = new ProjectionNames(List.of("q_proj", "k_proj", "v_proj", "o_proj"), "X",
            "attention_mask", MaskConvention.KEEP_WHERE_TRUE);

    // ------------------------------------------------------------------------------------------------------------

    /** {@code mirror.seed000_labml_mha}: labml's MHA, sequence-first, keep-mask [T|1, S, B|1]. */
    static final class LabmlMha extends Snippet<LabmlMha.Settings, Seed000MultiHeadAttention> {
        record Settings(int heads, int dModel, boolean bias, Fidelity fidelity, int seqLen, int kvLen, int batch,
                int[] maskShape) implements SnippetSettings {
        }

        LabmlMha() {
            super("mirror.seed000_labml_mha", Seed000MultiHeadAttention.class);
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("heads"), c.positive("d_model"), c.bool("bias"), fidelity(c),
                    c.positive("seq_len"), c.positive("kv_len"), c.positive("batch"), maskShape(c));
            if (s.maskShape() != null) {
                int[] m = s.maskShape();
                if (m.length != 3 || (m[0] != 1 && m[0] != s.seqLen()) || m[1] != s.kvLen() || (m[2] != 1 && m[2] != s.batch())) {
                    throw new IllegalArgumentException("config.mask.shape " + java.util.Arrays.toString(m)
                            + " must be [T or 1, S, B or 1] = [" + s.seqLen() + "|1, " + s.kvLen() + ", " + s.batch() + "|1]");
                }
            }
            return s;
        }

        @Override
        Seed000MultiHeadAttention module(Settings s) {
            Seed000MultiHeadAttention m = new Seed000MultiHeadAttention(s.heads(), s.dModel(), 0.1, s.bias(), s.fidelity(),
                    new SeededRandom(0));
            m.eval();
            return m;
        }

        @Override
        List<TensorSpec> activations(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("query", List.of("T", "B", "M"), s.seqLen(), s.batch(), s.dModel()));
            specs.add(activation("key", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
            specs.add(activation("value", List.of("S", "B", "M"), s.kvLen(), s.batch(), s.dModel()));
            if (s.maskShape() != null) {
                specs.add(givenMask("mask", s.maskShape(), List.of("T", "S", "B")));
            }
            return specs;
        }

        @Override
        CaseOutputs forward(Settings s, Seed000MultiHeadAttention mha, CaseInputs in) {
            Tensor out = mha.forward(in.tensor("query"), in.tensor("key"), in.tensor("value"), in.tensorOrNull("mask"));
            return new CaseOutputs().add("output", out, List.of("T", "B", "M"))
                    .add("attn", mha.attn(), List.of("T", "S", "B", "H"));
        }
    }

    /** {@code mirror.seed000_mqa}: seed 000 §2.1 MutiQueryAttention, hide-mask added as mask·(−1e-9) as published. */
    static final class Seed000Mqa extends GqaFamilySnippet<Seed000Mqa.Settings, Seed000MutiQueryAttention> {
        record Settings(int hiddenSize, int numHeads, Fidelity fidelity, TorchDefaultDtype dtype, int batch, int seqLen,
                int[] maskShape) implements GqaFamilySettings {
        }

        Seed000Mqa() {
            super("mirror.seed000_mqa", Seed000MutiQueryAttention.class, SEED000_NAMES, Seed000MutiQueryAttention::forward);
        }

        @Override
        boolean matchesCanonical(Settings s) {
            return s.fidelity() == Fidelity.FIXED;
        }

        @Override
        HeadLayout heads(Settings s) {
            return new HeadLayout(s.hiddenSize(), s.numHeads(), 1);
        }

        @Override
        protected Settings parse(CaseConfig c) {
            return withMaskChecked(new Settings(c.positive("hidden_size"), c.positive("num_heads"), fidelity(c), dtype(c),
                    c.positive("batch"), c.positive("seq_len"), maskShape(c)));
        }

        @Override
        Seed000MutiQueryAttention module(Settings s) {
            return new Seed000MutiQueryAttention(s.hiddenSize(), s.numHeads(), s.fidelity(), new SeededRandom(0))
                    .torchDefaultDtype(s.dtype());
        }

    }

    /**
     * {@code mirror.seed000_gqa}: seed 000 §3.1 GroupQueryAttention. Fidelity {@code as_published} raises
     * TypeError at construction; {@code as_published_super_fixed} is the published code with only its
     * {@code super} call fixed (FIX-11), which runs and carries the MQA bugs.
     */
    static final class Seed000Gqa extends GqaFamilySnippet<Seed000Gqa.Settings, Seed000GroupQueryAttention> {
        record Settings(int hiddenSize, int numHeads, int groupNum, String fidelity, TorchDefaultDtype dtype, int batch,
                int seqLen, int[] maskShape) implements GqaFamilySettings {
        }

        Seed000Gqa() {
            super("mirror.seed000_gqa", Seed000GroupQueryAttention.class, SEED000_NAMES, Seed000GroupQueryAttention::forward);
        }

        @Override
        boolean matchesCanonical(Settings s) {
            return s.fidelity().equals("fixed");
        }

        @Override
        HeadLayout heads(Settings s) {
            return new HeadLayout(s.hiddenSize(), s.numHeads(), s.groupNum());
        }

        @Override
        protected Settings parse(CaseConfig c) {
            return withMaskChecked(new Settings(c.positive("hidden_size"), c.positive("num_heads"), c.positive("group_num"),
                    c.choice("fidelity", "as_published", "as_published_super_fixed", "fixed"), dtype(c), c.positive("batch"),
                    c.positive("seq_len"), maskShape(c)));
        }

        @Override
        Seed000GroupQueryAttention module(Settings s) {
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
    }

    /** {@code mirror.seed000_mla}: seed 000 §4.1's simplified MLA (no RoPE); FIXED adds causal and naive options. */
    static final class Seed000Mla extends Snippet<Seed000Mla.Settings, Seed000MultiHeadLatentAttention> {
        record Settings(int dModel, int numHeads, int qLatentDim, int kvLatentDim, Fidelity fidelity, boolean causal,
                boolean absorbed, int batch, int seqLen) implements SnippetSettings {
        }

        Seed000Mla() {
            super("mirror.seed000_mla", Seed000MultiHeadLatentAttention.class);
        }

        @Override
        protected Settings parse(CaseConfig c) {
            return new Settings(c.positive("d_model"), c.positive("num_heads"), c.positive("q_latent_dim"),
                    c.positive("kv_latent_dim"), fidelity(c), c.bool("causal"), c.bool("absorbed"), c.positive("batch"),
                    c.positive("seq_len"));
        }

        @Override
        Seed000MultiHeadLatentAttention module(Settings s) {
            return new Seed000MultiHeadLatentAttention(s.dModel(), s.numHeads(), s.qLatentDim(), s.kvLatentDim(),
                    s.fidelity(), new SeededRandom(0));
        }

        @Override
        List<TensorSpec> activations(Settings s) {
            return List.of(activation("x", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.dModel()));
        }

        @Override
        CaseOutputs forward(Settings s, Seed000MultiHeadLatentAttention mla, CaseInputs in) {
            return new CaseOutputs().add("output", mla.forward(in.tensor("x"), s.causal(), s.absorbed()),
                    List.of("B", "T", "M"));
        }
    }

    /** {@code mirror.seed002_mha}: seed 002's MultiHeadAttention, keep-mask filled with −1e20 as published. */
    static final class Seed002Mha extends GqaFamilySnippet<Seed002Mha.Settings, Seed002MultiHeadAttention> {
        record Settings(int hiddenDim, int numsHead, Fidelity fidelity, int batch, int seqLen, int[] maskShape)
                implements GqaFamilySettings {
            /** The fixed snippet also takes a 2-D (batch, seq) padding mask, which attention_mask then is. */
            boolean paddingMask() {
                return maskShape != null && maskShape.length == 2 && fidelity == Fidelity.FIXED;
            }
        }

        Seed002Mha() {
            super("mirror.seed002_mha", Seed002MultiHeadAttention.class, SEED002_NAMES, Seed002MultiHeadAttention::forward);
        }

        @Override
        boolean matchesCanonical(Settings s) {
            return s.fidelity() == Fidelity.FIXED && s.maskShape() != null && s.maskShape().length == 4;
        }

        @Override
        HeadLayout heads(Settings s) {
            return new HeadLayout(s.hiddenDim(), s.numsHead(), s.numsHead());
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("hidden_dim"), c.positive("nums_head"), fidelity(c), c.positive("batch"),
                    c.positive("seq_len"), maskShape(c));
            if (!s.paddingMask()) {
                return withMaskChecked(s);
            }
            int[] m = s.maskShape();
            if (m[0] != s.batch() || m[1] != s.seqLen()) {
                throw new IllegalArgumentException("config.mask.shape " + java.util.Arrays.toString(m)
                        + ": a 2-D mask of the fixed snippet is (batch, seq) = [" + s.batch() + ", " + s.seqLen() + "]");
            }
            return s;
        }

        @Override
        Seed002MultiHeadAttention module(Settings s) {
            Seed002MultiHeadAttention m = new Seed002MultiHeadAttention(s.hiddenDim(), s.numsHead(), s.fidelity(),
                    new SeededRandom(0)).printTo(QUIET);
            m.eval();
            return m;
        }

        @Override
        List<TensorSpec> activations(Settings s) {
            if (!s.paddingMask()) {
                return super.activations(s);
            }
            return List.of(activation("X", List.of("B", "T", "M"), s.batch(), s.seqLen(), s.hiddenDim()),
                    givenMask("attention_mask", s.maskShape(), List.of("B", "S")));
        }
    }

    /** {@code mirror.seed002_gqa}: seed 002's GroupQueryAttention; as published the mask is ignored. */
    static final class Seed002Gqa extends GqaFamilySnippet<Seed002Gqa.Settings, Seed002GroupQueryAttention> {
        record Settings(int hiddenDim, int numsHead, int numsKeyValueHead, Fidelity fidelity, int batch, int seqLen,
                int[] maskShape) implements GqaFamilySettings {
        }

        Seed002Gqa() {
            super("mirror.seed002_gqa", Seed002GroupQueryAttention.class, SEED002_NAMES, Seed002GroupQueryAttention::forward);
        }

        @Override
        boolean matchesCanonical(Settings s) {
            return s.fidelity() == Fidelity.FIXED && s.hiddenDim() % s.numsHead() == 0
                    && s.numsHead() % s.numsKeyValueHead() == 0;
        }

        @Override
        HeadLayout heads(Settings s) {
            return new HeadLayout(s.hiddenDim(), s.numsHead(), s.numsKeyValueHead());
        }

        @Override
        protected Settings parse(CaseConfig c) {
            return withMaskChecked(new Settings(c.positive("hidden_dim"), c.positive("nums_head"),
                    c.positive("nums_key_value_head"), fidelity(c), c.positive("batch"), c.positive("seq_len"), maskShape(c)));
        }

        @Override
        Seed002GroupQueryAttention module(Settings s) {
            return new Seed002GroupQueryAttention(s.hiddenDim(), s.numsHead(), s.numsKeyValueHead(), s.fidelity(),
                    new SeededRandom(0));
        }
    }

    /** {@code mirror.seed003_mha}: seed 003 §3's MultiHeadAttention (Q, K, V inputs), keep-mask filled with −1e9. */
    static final class Seed003Mha extends Snippet<Seed003Mha.Settings, Seed003MultiHeadAttention> {
        record Settings(int dModel, int numHeads, Fidelity fidelity, int batch, int qLen, int kvLen, int[] maskShape)
                implements SnippetSettings {
        }

        Seed003Mha() {
            super("mirror.seed003_mha", Seed003MultiHeadAttention.class);
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("d_model"), c.positive("num_heads"), fidelity(c), c.positive("batch"),
                    c.positive("q_len"), c.positive("kv_len"), maskShape(c));
            requireMask(s.maskShape(), s.batch(), s.numHeads(), s.qLen(), s.kvLen());
            return s;
        }

        @Override
        Seed003MultiHeadAttention module(Settings s) {
            return new Seed003MultiHeadAttention(s.dModel(), s.numHeads(), s.fidelity(), new SeededRandom(0));
        }

        @Override
        List<TensorSpec> activations(Settings s) {
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(activation("Q", List.of("B", "T", "M"), s.batch(), s.qLen(), s.dModel()));
            specs.add(activation("K", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
            specs.add(activation("V", List.of("B", "S", "M"), s.batch(), s.kvLen(), s.dModel()));
            addMask(specs, "mask", s.maskShape());
            return specs;
        }

        @Override
        CaseOutputs forward(Settings s, Seed003MultiHeadAttention mha, CaseInputs in) {
            Seed003MultiHeadAttention.Result r = mha.forward(in.tensor("Q"), in.tensor("K"), in.tensor("V"),
                    in.tensorOrNull("mask"));
            return new CaseOutputs().add("output", r.output(), List.of("B", "T", "M"))
                    .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
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

        Seed003Bmm() {
            super("mirror.seed003_sdpa_bmm");
        }

        @Override
        public String reference(Settings s) {
            return Seed003ScaledDotProductAttentionOptimized.class.getName() + " (" + s.fidelity() + ")";
        }

        @Override
        protected Settings parse(CaseConfig c) {
            Settings s = new Settings(c.positive("batch"), c.positive("num_heads"), c.positive("q_len"), c.positive("kv_len"),
                    c.positive("d_k"), fidelity(c), c.choice("input_layout", "contiguous", "split_heads").equals("split_heads"),
                    maskShape(c));
            requireMask(s.maskShape(), s.batch(), s.numHeads(), s.qLen(), s.kvLen());
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
            return forwardOrError(() -> {
                Seed003ScaledDotProductAttentionOptimized.Result r = Seed003ScaledDotProductAttentionOptimized.apply(
                        layout(s, in.tensor("Q")), layout(s, in.tensor("K")), layout(s, in.tensor("V")),
                        in.tensorOrNull("mask"), s.fidelity());
                return new CaseOutputs().add("output", r.output(), List.of("B", "H", "T", "d_k"))
                        .add("attention_weights", r.attentionWeights(), List.of("B", "H", "T", "S"));
            });
        }
    }
}
