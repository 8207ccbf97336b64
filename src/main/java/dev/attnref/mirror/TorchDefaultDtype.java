package dev.attnref.mirror;

/**
 * PyTorch's global default floating dtype ({@code torch.get_default_dtype()}) at the time a mirrored
 * line runs. It matters where the published code creates a tensor without naming a dtype and mixes it
 * into float64 arithmetic: {@code torch.sqrt(torch.tensor(head_dim))} is float32 under PyTorch's
 * out-of-the-box default, float64 after {@code torch.set_default_dtype(torch.float64)}
 * (S000-MQA-SCALE-DTYPE, S000-GQA-SCALE-DTYPE).
 */
public enum TorchDefaultDtype {
    /** PyTorch's default: a float64 model ({@code .double()}) still gets float32 scalars from such lines. */
    FLOAT32,
    /** After {@code torch.set_default_dtype(torch.float64)}: such scalars are float64 too. */
    FLOAT64
}
