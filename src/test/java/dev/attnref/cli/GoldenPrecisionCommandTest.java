package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnref.golden.GoldenCase;
import dev.attnref.golden.Precision;
import dev.attnref.golden.Safetensors;
import dev.attnref.golden.StoredTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attnref golden verify --precision}: a bf16 port's outputs (the plain bf16 implementation's, stored
 * as BF16) pass by the low-precision rule, are refused without it, have no baseline at fp16, and a precision
 * that does not exist is a usage error naming the option.
 */
class GoldenPrecisionCommandTest {
    private static final Path CASE = Path.of("reference-data/v2/attention-bf16-gqa-masks.json");

    /** The plain bf16 implementation's outputs for the case, stored as BF16. */
    private static Path bf16Port(Path dir) throws IOException {
        GoldenCase c = GoldenCase.read(CASE);
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        c.prepared().lowPrecision(c.inputs(), Precision.BF16).forEach((name, values) ->
                out.put(name, StoredTensor.ofFloats(Precision.BF16.dtype(), c.expected().get(name).shape(), values)));
        Path file = dir.resolve("port.safetensors");
        Safetensors.write(file, out, Map.of());
        return file;
    }

    @Test
    void aBf16PortPassesByTheRuleAndOnlyWithItsPrecision(@TempDir Path dir) throws IOException {
        String port = bf16Port(dir).toString();
        ComputeCommandTest.Run ok = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate", port,
                "--precision", "bf16");
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().lines().anyMatch(l -> l.matches(" +output +BF16 +864 .*\\(bound \\S+ = 2 × baseline \\+ floor\\)  ok")),
                ok.out());

        ComputeCommandTest.Run json = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate", port,
                "--precision", "bf16", "--json");
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertEquals("bf16", root.get("precision").asText());
        assertEquals("pass", root.get("cases").get(0).get("status").asText());

        ComputeCommandTest.Run byDtype = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate", port);
        assertEquals(1, byDtype.exitCode(), byDtype.out());
        assertTrue(byDtype.out().contains("is BF16; float outputs must be F64 or F32 (BF16 and F16 with --precision bf16 or fp16)"),
                byDtype.out());

        ComputeCommandTest.Run fp16 = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate", port,
                "--precision", "fp16");
        assertEquals(2, fp16.exitCode(), fp16.out());
        assertTrue(fp16.out().contains("has no fp16 baseline (its inputs are stored as BF16)"), fp16.out());

        ComputeCommandTest.Run fp32 = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate", port,
                "--precision", "fp32");
        assertEquals(1, fp32.exitCode(), "BF16 outputs are not float32 outputs: " + fp32.out());
    }

    @Test
    void anUnknownPrecisionIsAUsageErrorNamingTheOption(@TempDir Path dir) throws IOException {
        ComputeCommandTest.Run r = ComputeCommandTest.run("golden", "verify", CASE.toString(), "--candidate",
                bf16Port(dir).toString(), "--precision", "bf17");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--precision is \"bf17\"; expected one of [bf16, fp16, fp32, fp64]"), r.err());
    }
}
