package dev.attnref.fast;

import dev.attnref.peer.TorchPeer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A PyTorch contender: the call a benchmark's {@code @Setup} prepares ({@link TorchPeer#prepareSdpa},
 * {@link TorchPeer#prepareAbsorbedMla}) on its shape's inputs, freed when the trial ends. PyTorch's
 * intra-op threads are the shape's {@code threads} ({@code set_num_threads} before each call).
 */
public abstract class TorchPeerState {
    TorchPeer.Prepared prepared;

    /** SDPA on the q, k, v of {@code inputs}: enable_gqa, or K/V repeated to H heads per call. */
    void openSdpa(BenchmarkInputs.Attention inputs, int threads, boolean causal, boolean repeatKv,
            TorchPeer.Precision precision) {
        prepared = new TorchPeer(threads).prepareSdpa(inputs.dims, inputs.q, inputs.k, inputs.v, causal, null, repeatKv,
                precision);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        prepared.close();
    }
}
