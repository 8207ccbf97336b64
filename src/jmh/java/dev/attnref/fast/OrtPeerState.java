package dev.attnref.fast;

import dev.attnref.experiment.OnnxRuntimePeer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * An ONNX Runtime contender: the peer a benchmark's {@code @Setup} opens on its shape's inputs,
 * closed when the trial ends.
 */
public abstract class OrtPeerState {
    OnnxRuntimePeer peer;

    /** Opens {@code op} on the q, k, v of {@code inputs}; {@code decode} as {@link OnnxRuntimePeer} takes it. */
    void open(OnnxRuntimePeer.Op op, boolean decode, BenchmarkInputs.Attention inputs, int threads) throws Exception {
        peer = new OnnxRuntimePeer(op, decode, inputs.dims, threads, inputs.q, inputs.k, inputs.v);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        peer.close();
    }
}
