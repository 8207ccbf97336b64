package dev.attnref.model;

/**
 * Which feed-forward network a {@link DecoderConfig} builds: an {@link Mlp} with one of the
 * activations, or {@link SwiGlu}.
 */
public enum FfnKind {
    RELU(Activation.RELU),
    GELU(Activation.GELU),
    GELU_TANH(Activation.GELU_TANH),
    SILU(Activation.SILU),
    SWIGLU(null);

    private final Activation activation;

    FfnKind(Activation activation) {
        this.activation = activation;
    }

    /** The activation of the {@link Mlp} this kind builds; {@link #SWIGLU} has none of its own (it gates with SiLU). */
    public Activation activation() {
        if (activation == null) {
            throw new IllegalStateException("SWIGLU is a gated FFN, not an MLP with one activation");
        }
        return activation;
    }
}
