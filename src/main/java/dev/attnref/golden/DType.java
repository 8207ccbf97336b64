package dev.attnref.golden;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;

/**
 * The safetensors element types attnref reads and writes, with their byte widths (little-endian). BF16 is
 * bfloat16 ({@link Bfloat16}), F16 IEEE binary16 ({@link Float16}).
 */
public enum DType {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether values of this type are held as {@code double} (floats and bools) rather than {@code long}. */
    public boolean isFloatLike() {
        return this != I64;
    }

    /** Parses a safetensors dtype name, naming the supported ones when it is not one of them. */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported safetensors dtype \"" + name + "\"; expected one of F64, F32, F16, BF16, I64, BOOL");
    }
}
