package dev.attnref.experiment;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Every experiment, in id order, and lookup by id ({@code E02}) or folder ({@code E02-decode}). */
public final class Experiments {
    private Experiments() {
    }

    public static List<Experiment> all() {
        return List.of(new KvCacheExperiment(), new DecodeExperiment(), new PrefillExperiment(),
                new HardwareSweepExperiment(), new NumericsExperiment(), new ScalingExperiment(), new SeedBugExperiment(),
                new ConversionExperiment());
    }

    /** The experiment with this id or folder name, case-insensitive. */
    public static Experiment byId(String id) {
        for (Experiment e : all()) {
            if (e.id().equalsIgnoreCase(id) || e.folder().equalsIgnoreCase(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment (" + id + "); expected one of "
                + all().stream().map(e -> e.id() + " (" + e.folder() + ")").collect(Collectors.joining(", ")));
    }

    /** Lower-case folder-safe form of a label: {@code MLA (absorbed)} → {@code mla_absorbed}. */
    static String slug(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }
}
