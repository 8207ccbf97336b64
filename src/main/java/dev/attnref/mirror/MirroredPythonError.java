package dev.attnref.mirror;

/**
 * A Python exception that the published code raises, carried over with its Python class name
 * ({@code TypeError}, {@code AssertionError}, …) so that a test can compare it by kind with the
 * exception PyTorch raised on the same call.
 *
 * <p>Errors that PyTorch's tensor operations raise ({@code RuntimeError} from {@code view},
 * shape mismatches in {@code matmul}) are not wrapped: {@code dev.attnref.core.Tensor} raises them
 * itself ({@code Tensor.ViewException} for {@code view}). This class covers what the Python
 * <em>language</em> raises on the seed's own lines: a failing {@code assert}, a {@code super()}
 * call naming the wrong class. It extends {@link IllegalArgumentException} because every such
 * failure rejects the arguments or the construction of the mirrored call.
 */
public final class MirroredPythonError extends IllegalArgumentException {
    private final String pythonType;
    private final String pythonMessage;

    /**
     * @param pythonType    the Python exception class name, e.g. {@code "TypeError"}
     * @param pythonMessage the message Python prints after the class name (may add the values involved)
     */
    public MirroredPythonError(String pythonType, String pythonMessage) {
        super(pythonType + ": " + pythonMessage);
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
    }

    /** The Python exception class name, e.g. {@code "TypeError"}. */
    public String pythonType() {
        return pythonType;
    }

    /** The message after the class name. */
    public String pythonMessage() {
        return pythonMessage;
    }
}
