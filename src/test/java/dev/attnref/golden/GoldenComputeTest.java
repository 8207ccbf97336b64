package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every committed case, read back from disk through the format reader, is recomputed by
 * {@link GoldenCompute} to exactly its expected outputs (or its recorded error): the reader and the
 * compute entry point reach every variant the generator used.
 */
class GoldenComputeTest {

    @Test
    void everyCommittedCaseIsReproducedFromItsFiles() throws IOException {
        List<String> different = new ArrayList<>();
        TreeSet<String> variants = new TreeSet<>();
        for (GoldenGenerator.Definition d : GoldenCases.definitions()) {
            GoldenCase golden = GoldenCase.read(GoldenFilesTest.V1.resolve(d.id() + ".json"));
            variants.add(golden.variant());
            CaseOutputs computed = GoldenCompute.compute(golden);
            if (golden.expectedError() != null) {
                assertNotNull(computed.error(), d.id());
                if (!computed.error().equals(golden.expectedError())) {
                    different.add(d.id() + " error");
                }
                continue;
            }
            assertEquals(golden.expected().keySet(), computed.outputs().keySet(), d.id());
            for (Map.Entry<String, StoredTensor> e : golden.expected().entrySet()) {
                if (!e.getValue().equals(computed.get(e.getKey()))) {
                    different.add(d.id() + " " + e.getKey());
                }
            }
        }
        assertEquals(List.of(), different);
        assertEquals(new TreeSet<>(Variants.ids()), variants);
    }

    @Test
    void theCandidateFileOfComputeRoundTrips() throws IOException {
        GoldenCase golden = GoldenCase.read(Path.of(GoldenGenerator.DEFAULT_DIRECTORY, "ffn-swiglu.json"));
        Safetensors.Contents file = Safetensors.read(GoldenCompute.outputsFile(golden, GoldenCompute.compute(golden)));
        assertEquals(golden.expected(), file.tensors());
        assertEquals(Map.of("format", GoldenCase.FORMAT, "case", "ffn-swiglu", "variant", "ffn"), file.metadata());
    }
}
