package dev.attnref.golden;

import dev.attnref.attention.AttentionConfig;
import dev.attnref.attention.AttentionOptions;
import dev.attnref.attention.AttentionWeights;
import dev.attnref.attention.GroupedQueryAttention;
import dev.attnref.attention.ProjectionBias;
import dev.attnref.core.Linear;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.Tensor;
import dev.attnref.mirror.Fidelity;
import dev.attnref.mirror.MirrorModule;
import dev.attnref.mirror.MirroredPythonError;
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
 * What the variants {@code mirror.*} share: the seed articles' code snippets, as published and fixed
 * ({@link Fidelity}), run by their line-for-line mirrors in {@code dev.attnref.mirror}, one variant class
 * per snippet ({@link Seed000LabmlMhaVariant} … {@link Seed003BmmVariant}). The expected values are what
 * the published (or fixed) code computes, bugs included; where the published code raises, the case
 * records the Python exception instead of outputs.
 *
 * <p>Common rules (reference-data/README.md, "Mirror variants"): weights are the snippet's
 * {@code state_dict}, named and shaped as PyTorch names them; modules run in eval mode (dropout off:
 * its randomness does not port); masks are stored BOOL and enter the snippet as 0/1 floats; a case
 * whose constructor raises carries no weights. The FIXED cases of seeds 000 (MQA, GQA) and 002 (MHA with
 * a 4-D mask; GQA where the head counts divide) are checked against {@link GroupedQueryAttention} on the
 * same weights ({@link #requireGroupedQueryAttention}).
 */
final class MirrorVariants {
    private MirrorVariants() {
    }

    /** All mirror variants. */
    static List<GoldenVariant<?>> all() {
        return List.of(new Seed000LabmlMhaVariant(), new Seed000MqaVariant(), new Seed000GqaVariant(), new Seed000MlaVariant(),
                new Seed002MhaVariant(), new Seed002GqaVariant(), new Seed003MhaVariant(), new Seed003BmmVariant());
    }

    /** Where seed 002 prints, silenced. */
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** The provenance reference of a snippet case: the mirror class and the form it runs in ({@code FIXED} …). */
    static String reference(Class<?> snippet, String form) {
        return snippet.getName() + " (" + form + ")";
    }

    /** config.fidelity: {@code "as_published"} or {@code "fixed"}. */
    static Fidelity fidelity(CaseConfig c) {
        return c.choice("fidelity", "as_published", "fixed").equals("fixed") ? Fidelity.FIXED : Fidelity.AS_PUBLISHED;
    }

    static TorchDefaultDtype dtype(CaseConfig c) {
        return c.choice("torch_default_dtype", "float32", "float64").equals("float32")
                ? TorchDefaultDtype.FLOAT32 : TorchDefaultDtype.FLOAT64;
    }

    /** config.mask: null, or {"shape": [...]}; the shape is checked against the snippet's scores by the caller. */
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
     * The forward pass's tensor arguments, then the module's state dict in PyTorch's order (none when its
     * constructor raises): a weight {@code [out, in]} is drawn with fan-in {@code in}, a bias with its weight's.
     */
    static List<TensorSpec> withState(List<TensorSpec> activations, Supplier<? extends MirrorModule> construct) {
        List<TensorSpec> specs = new ArrayList<>(activations);
        Map<String, Tensor> state;
        try {
            state = construct.get().stateDict();
        } catch (MirroredPythonError e) {
            return specs;
        } catch (ArithmeticException | OutOfMemoryError e) {
            // The module is built to list its parameters; sizes whose weights cannot exist are the config's fault.
            throw new IllegalArgumentException("the config's sizes give weights too large to build ("
                    + (e instanceof OutOfMemoryError ? "out of memory" : "more than 2³¹ − 1 elements") + ")");
        }
        Map<String, Integer> fanIn = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
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
     * Runs a snippet: construction, the case's state dict loaded, then the forward pass. Python exceptions the
     * published code raises (and PyTorch's {@code view} RuntimeError) become the case's expected error.
     */
    static <M extends MirrorModule> CaseOutputs run(Supplier<M> construct, CaseInputs in, Function<M, CaseOutputs> forward) {
        M module;
        try {
            module = construct.get();
        } catch (MirroredPythonError e) {
            return CaseOutputs.raising(new CaseOutputs.ExpectedError(e.pythonType(), "construct", e.pythonMessage()));
        }
        return forwardOrError(() -> {
            module.loadStateDict(state(module, in));
            return forward.apply(module);
        });
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

    /**
     * Where a snippet of the GQA family (self-attention {@code output = module(x, mask)} on x [B, T, M]) keeps
     * what {@link GroupedQueryAttention} needs: the state-dict prefixes of its q, k, v and o projections, the
     * names of the forward pass's input and mask, and how the snippet reads the mask.
     */
    record ProjectionNames(List<String> qkvo, String input, String mask, MaskConvention convention) {
    }

    /** Seed 000's MQA and GQA: {@code q_linear} … {@code o_linear}, a hide-mask {@code attention_mask}. */
    static final ProjectionNames SEED000_NAMES = new ProjectionNames(List.of("q_linear", "k_linear", "v_linear", "o_linear"),
            "hidden_state", "attention_mask", MaskConvention.HIDE_WHERE_TRUE);

    /** Seed 002's MHA and GQA: {@code q_proj} … {@code o_proj}, a keep-mask {@code attention_mask}. */
    static final ProjectionNames SEED002_NAMES = new ProjectionNames(List.of("q_proj", "k_proj", "v_proj", "o_proj"), "X",
            "attention_mask", MaskConvention.KEEP_WHERE_TRUE);

    /** A GQA-family snippet's tensor arguments: x [B, T, M], then the configured mask (if any). */
    static List<TensorSpec> selfAttentionInputs(ProjectionNames names, int batch, int seqLen, int modelWidth, int[] maskShape) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(activation(names.input(), List.of("B", "T", "M"), batch, seqLen, modelWidth));
        addMask(specs, names.mask(), maskShape);
        return specs;
    }

    /** The classes a FIXED GQA-family case is checked against (none when {@code checked} is false). */
    static List<String> checkedAgainstGqa(boolean checked) {
        return checked ? List.of(GroupedQueryAttention.class.getName()) : List.of();
    }

    /**
     * The mirror's own claim for a FIXED GQA-family snippet: {@link GroupedQueryAttention} with M, H and G on the
     * snippet's own weights (biases where it has them), D = M / H, gives the snippet's {@code output} to
     * {@link Tolerance#FLOAT64}. Throws IllegalStateException naming the variant otherwise.
     */
    static void requireGroupedQueryAttention(String variant, ProjectionNames names, MirrorModule snippet, int modelWidth,
            int numHeads, int numKvHeads, CaseInputs in, CaseOutputs expected) {
        Map<String, Tensor> state = state(snippet, in);
        Linear[] layers = new Linear[4];
        for (int i = 0; i < 4; i++) {
            String prefix = names.qkvo().get(i);
            layers[i] = new Linear(state.get(prefix + ".weight"), state.get(prefix + ".bias"));
        }
        AttentionConfig config = AttentionConfig.builder(modelWidth, numHeads, numKvHeads, modelWidth / numHeads)
                .bias(new ProjectionBias(layers[0].hasBias(), layers[1].hasBias(), layers[2].hasBias(), layers[3].hasBias()))
                .build();
        Tensor mask = in.tensorOrNull(names.mask());
        AttentionOptions options = mask == null ? AttentionOptions.none()
                : AttentionOptions.builder().booleanMask(mask, names.convention()).build();
        Tensor canonical = new GroupedQueryAttention(config, new AttentionWeights(layers[0], layers[1], layers[2], layers[3]))
                .forward(in.tensor(names.input()), null, options).output();
        Tolerance.FLOAT64.require(variant + " FIXED vs GroupedQueryAttention", expected.get("output").values(),
                canonical.contiguous().toArray());
    }
}
