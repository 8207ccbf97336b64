package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {
    @Test
    void writesTheDocumentedByteLayout() {
        byte[] file = Safetensors.write(Map.of("b", StoredTensor.i64(new int[] {1}, new long[] {7}),
                "a", StoredTensor.ofFloats(DType.F64, new int[] {2}, new double[] {1.0, -2.0})), Map.of("k", "v"));
        // Metadata first, then tensors by name; "a" takes bytes [0, 16), "b" [16, 24).
        String header = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}";
        int padded = (header.length() + 7) / 8 * 8;
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(padded, in.getLong());
        assertEquals(header + " ".repeat(padded - header.length()), new String(file, 8, padded, StandardCharsets.UTF_8));
        in.position(8 + padded);
        assertEquals(1.0, in.getDouble());
        assertEquals(-2.0, in.getDouble());
        assertEquals(7L, in.getLong());
        assertEquals(8 + padded + 24, file.length);
    }

    @Test
    void roundTripsEveryDtype() {
        Map<String, StoredTensor> tensors = Map.of(
                "f64", StoredTensor.ofFloats(DType.F64, new int[] {2, 2}, new double[] {0.1, -0.0, Double.MIN_VALUE, 1e300}),
                "f32", StoredTensor.ofFloats(DType.F32, new int[] {3}, new double[] {0.1, 3.5, -1e-40}),
                "f16", StoredTensor.ofFloats(DType.F16, new int[] {2}, new double[] {0.1, 65504}),
                "bf16", StoredTensor.ofFloats(DType.BF16, new int[] {3}, new double[] {0.1, -3e38, 1e-40}),
                "bool", StoredTensor.ofFloats(DType.BOOL, new int[] {1, 3}, new double[] {1, 0, 1}),
                "i64", StoredTensor.i64(new int[] {2}, new long[] {Long.MIN_VALUE, 42}),
                "empty", StoredTensor.ofFloats(DType.F64, new int[] {0, 3}, new double[0]));
        Safetensors.Contents back = Safetensors.read(Safetensors.write(tensors, Map.of()));
        assertEquals(tensors, back.tensors());
        assertEquals((float) 0.1, back.tensors().get("f32").values()[0]);
        assertTrue(back.metadata().isEmpty());
    }

    @Test
    void sixteenBitFloatsAreStoredAsTheirLittleEndianBits() {
        // 1/3 rounds to bf16 0x3EAB (0.333984375) and to binary16 0x3555; −2 is 0xC000 in both.
        byte[] file = Safetensors.write(Map.of("b", StoredTensor.ofFloats(DType.BF16, new int[] {2}, new double[] {1.0 / 3, -2}),
                "h", StoredTensor.ofFloats(DType.F16, new int[] {2}, new double[] {1.0 / 3, -2})), Map.of());
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        in.position(8 + (int) in.getLong());
        assertEquals((short) 0x3EAB, in.getShort());
        assertEquals((short) 0xC000, in.getShort());
        assertEquals((short) 0x3555, in.getShort());
        assertEquals((short) 0xC000, in.getShort());
        StoredTensor back = Safetensors.read(file).tensors().get("b");
        assertEquals(DType.BF16, back.dtype());
        assertEquals(0.333984375, back.values()[0]);
    }

    @Test
    void regeneratedFilesAreByteIdentical() {
        Map<String, StoredTensor> tensors = Map.of("x", StoredTensor.ofFloats(DType.F32, new int[] {2}, new double[] {1, 2}),
                "w", StoredTensor.ofFloats(DType.F64, new int[] {1}, new double[] {3}));
        assertArrayEquals(Safetensors.write(tensors, Map.of("a", "1", "b", "2")),
                Safetensors.write(Map.copyOf(tensors), Map.of("b", "2", "a", "1")));
    }

    @Test
    void rejectsMalformedFilesWithAReason() {
        byte[] good = Safetensors.write(Map.of("a", StoredTensor.ofFloats(DType.F64, new int[] {2}, new double[] {1, 2})), Map.of());
        byte[] truncated = Arrays.copyOf(good, good.length - 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.read(truncated));
        assertTrue(e.getMessage().contains("data_offsets [0, 16]"), e.getMessage());
        byte[] tiny = new byte[3];
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(tiny)).getMessage().contains("at least 8"));
        String badHeader = "{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + badHeader.length() + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(badHeader.length()).put(badHeader.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.read(b.array())).getMessage()
                .contains("unsupported safetensors dtype \"Q8\""));
    }
}
