package dev.attnref.golden;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code attnref compute} entry point: runs a case's variant reference on the case's own inputs
 * and weights (a committed case, or one a port author wrote in the same format) and serialises the
 * outputs as safetensors — F64 floats, I64 integers, metadata {@code format}, {@code case},
 * {@code variant}. Where the published code of a mirror case raises, the file holds no tensors and the
 * metadata {@code error_kind}, {@code error_stage}, {@code error_message}: the form
 * {@link GoldenVerifier} expects from a port.
 */
public final class GoldenCompute {
    private GoldenCompute() {
    }

    /** The reference outputs for a case read from disk. */
    public static CaseOutputs compute(GoldenCase golden) {
        return golden.prepared().compute(golden.inputs());
    }

    /** {@link #compute} serialised as a candidate file. */
    public static byte[] outputsFile(GoldenCase golden, CaseOutputs outputs) {
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("format", GoldenCase.FORMAT);
        metadata.put("case", golden.id());
        metadata.put("variant", golden.variant());
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        if (outputs.error() != null) {
            metadata.put(GoldenVerifier.ERROR_KIND, outputs.error().kind());
            metadata.put("error_stage", outputs.error().stage());
            metadata.put("error_message", outputs.error().message());
        } else {
            for (Map.Entry<String, CaseOutputs.Output> e : outputs.outputs().entrySet()) {
                tensors.put(e.getKey(), e.getValue().tensor());
            }
        }
        return Safetensors.write(tensors, metadata);
    }
}
