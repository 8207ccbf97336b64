package dev.attnref.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an {@link AttentionRace.Report} as CSV, one row per (configuration, threads, contender),
 * each row stamped with commit, JDK, CPU, the ceilings measured in the same rounds (FMA loop; read
 * loop over the same K/V for decode) and the settings; then the contender's precision, the backend that
 * ran (PyTorch's SDPA backend as identified), the best peer of that precision and the speed-up over it.
 */
public final class RaceCsv {
    static final String HEADER = "commit,jdk,cpu,cores,config,kind,B,H,G,S,D,Dv,threads,contender,runs,median_ms,"
            + "min_ms,max_ms,q1_ms,q3_ms,gflops,pct_fma_peak,gb_per_s,pct_read_bw,fast_speedup,max_abs_diff_vs_fast,"
            + "tolerance,fma_peak_gflops,read_bw_gb_per_s,settings,precision,backend,best_peer,vs_best_peer";

    private RaceCsv() {
    }

    public static void write(Path file, Stamp stamp, AttentionRace.Settings settings, AttentionRace.Report report)
            throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        String settingText = "quick=" + settings.quick() + " warmups=" + settings.warmups() + " runs=" + settings.runs()
                + " seed=" + settings.seed() + " ort_spinning=off torch_threads=set_num_threads(threads) omp_wait_policy="
                + System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset");
        for (AttentionRace.Measurement m : report.measurements()) {
            var dims = m.config().dims();
            AttentionRace.Stats s = m.stats();
            lines.add(String.join(",", quote(stamp.commit()), quote(stamp.jdk()), quote(stamp.cpu()),
                    Integer.toString(stamp.cores()), m.config().id(), m.config().kind().name(),
                    Integer.toString(dims.batch()), Integer.toString(dims.numHeads()), Integer.toString(dims.numKvHeads()),
                    Integer.toString(dims.kvLen()), Integer.toString(dims.headDim()), Integer.toString(dims.valueHeadDim()),
                    Integer.toString(m.threads()), quote(m.contender()), Integer.toString(settings.runs()),
                    num(s.median()), num(s.min()), num(s.max()), num(s.q1()), num(s.q3()), num(m.gflops()),
                    num(100 * m.shareOfFmaPeak()), num(m.gbPerSecond()), num(100 * m.shareOfReadBandwidth()),
                    num(m.fastSpeedup()), String.format(Locale.ROOT, "%.3e", m.maxAbsDiffFromFast()),
                    String.format(Locale.ROOT, "%.1e", m.tolerance()),
                    num(m.fmaPeakNow()), num(m.readBandwidthNow()), quote(settingText), m.precision(),
                    quote(m.backend()), quote(m.bestPeer()), num(m.bestPeerSpeedup())));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static String num(double x) {
        return Double.isNaN(x) ? "" : String.format(Locale.ROOT, "%.4f", x);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }
}
