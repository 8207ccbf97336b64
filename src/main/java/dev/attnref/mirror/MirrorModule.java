package dev.attnref.mirror;

import dev.attnref.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The part of {@code torch.nn.Module} the seed snippets rely on, so that a mirror reads like the
 * snippet: sub-modules registered under their attribute names, a training flag, and a
 * {@code state_dict} with PyTorch's parameter names.
 *
 * <ul>
 *   <li><b>Training mode.</b> A module starts in training mode, as {@code nn.Module} does;
 *       {@link #train()} and {@link #eval()} set the flag on the module and every sub-module. Only
 *       {@link NnDropout} reads it.</li>
 *   <li><b>State dict.</b> {@link #stateDict()} lists parameters as {@code name.sub.weight} in
 *       registration order (PyTorch's order: attributes in the order {@code __init__} assigns them).
 *       {@link #loadStateDict} is strict, like {@code load_state_dict(strict=True)}: a missing key,
 *       an unexpected key or a shape mismatch rejects the whole map and changes nothing.</li>
 * </ul>
 *
 * Checked by {@code MirrorModuleTest}.
 */
public abstract class MirrorModule {
    private final Map<String, MirrorModule> children = new LinkedHashMap<>();
    private boolean training = true;

    /** {@code self.<name> = child}: registers a sub-module under its attribute name and returns it. */
    protected final <M extends MirrorModule> M register(String name, M child) {
        if (children.containsKey(name)) {
            throw new IllegalArgumentException("sub-module name '" + name + "' is registered twice");
        }
        children.put(name, child);
        child.train(training);
        return child;
    }

    /** {@code module.train()}: training mode on, for this module and every sub-module. */
    public MirrorModule train() {
        return train(true);
    }

    /** {@code module.train(mode)}. */
    public MirrorModule train(boolean mode) {
        training = mode;
        for (MirrorModule child : children.values()) {
            child.train(mode);
        }
        return this;
    }

    /** {@code module.eval()}: training mode off (dropout becomes the identity). */
    public MirrorModule eval() {
        return train(false);
    }

    /** {@code module.training}. */
    public boolean isTraining() {
        return training;
    }

    /** Parameters held by this module itself (not by sub-modules), name → tensor, in order. */
    protected Map<String, Tensor> ownParameters() {
        return Map.of();
    }

    /** Replaces this module's own parameters; called with exactly the keys of {@link #ownParameters()}. */
    protected void loadOwnParameters(Map<String, Tensor> values) {
        if (!values.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + " holds no parameters of its own");
        }
    }

    /** {@code module.state_dict()}: every parameter under its dotted PyTorch name, in registration order. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : ownParameters().entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, MirrorModule> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    /**
     * {@code module.load_state_dict(state, strict=True)}: the keys must be exactly those of
     * {@link #stateDict()} and each tensor must have the registered shape; otherwise an
     * {@link IllegalArgumentException} lists every missing key, unexpected key and size mismatch,
     * and no parameter is changed.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> expected = stateDict();
        List<String> errors = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(state.keySet());
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(expected.keySet());
        if (!missing.isEmpty()) {
            errors.add("missing key(s) " + missing);
        }
        if (!unexpected.isEmpty()) {
            errors.add("unexpected key(s) " + unexpected);
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given != null && !Arrays.equals(given.shape(), e.getValue().shape())) {
                errors.add("size mismatch for " + e.getKey() + ": copying a param with shape "
                        + Arrays.toString(given.shape()) + ", the shape in current model is "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName()
                    + ": " + String.join("; ", errors));
        }
        assign("", state);
    }

    private void assign(String prefix, Map<String, Tensor> state) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        for (String name : ownParameters().keySet()) {
            own.put(name, state.get(prefix + name));
        }
        if (!own.isEmpty()) {
            loadOwnParameters(own);
        }
        for (Map.Entry<String, MirrorModule> e : children.entrySet()) {
            e.getValue().assign(prefix + e.getKey() + ".", state);
        }
    }
}
