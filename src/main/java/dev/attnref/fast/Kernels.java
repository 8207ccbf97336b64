package dev.attnref.fast;

/**
 * Which implementation of the inner kernels {@link FastAttention} runs: the Vector API kernels of
 * {@link VectorKernels} or their scalar twins in {@link ScalarKernels}. Both walk the same tiles,
 * masks and merge order; only the arithmetic inside a tile differs (lane-parallel FMAs and reductions
 * against sequential float loops), so each is a check on the other.
 *
 * <p>{@link #defaultKernels()} is {@link #VECTOR} unless the system property
 * {@code attnref.fast.vector=false} is set or the incubator module {@code jdk.incubator.vector} is
 * not in the boot layer (run without {@code --add-modules jdk.incubator.vector}); then it is
 * {@link #SCALAR}. The scalar path never loads a Vector API class, so it runs on any JVM.
 */
public enum Kernels {
    VECTOR,
    SCALAR;

    /** System property that turns the Vector API kernels off ({@code -Dattnref.fast.vector=false}). */
    public static final String PROPERTY = "attnref.fast.vector";

    /** {@link #VECTOR} when the Vector API module is present and not switched off, else {@link #SCALAR}. */
    public static Kernels defaultKernels() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return SCALAR;
        }
        return vectorApiPresent() ? VECTOR : SCALAR;
    }

    /** Whether {@code jdk.incubator.vector} was resolved into the boot layer of this JVM. */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
}
