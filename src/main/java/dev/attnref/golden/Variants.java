package dev.attnref.golden;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every variant of the golden-vector format, by id (reference-data/README.md, "Variants"). */
public final class Variants {
    private static final Map<String, GoldenVariant<?>> BY_ID;

    static {
        List<GoldenVariant<?>> all = new ArrayList<>(List.of(new SdpaVariant(), new GqaVariant(), new RopeVariant(),
                new MlaVariant(), new MfaVariant(), PartVariant.norm(), PartVariant.ffn(), new BlockVariant(),
                new GenerationVariant()));
        all.addAll(MirrorVariants.all());
        Map<String, GoldenVariant<?>> byId = new LinkedHashMap<>();
        for (GoldenVariant<?> v : all) {
            byId.put(v.id(), v);
        }
        BY_ID = Collections.unmodifiableMap(byId);
    }

    private Variants() {
    }

    /** The variant with this id; unknown ids are an error naming the known ones. */
    public static GoldenVariant<?> get(String id) {
        GoldenVariant<?> v = BY_ID.get(id);
        if (v == null) {
            throw new IllegalArgumentException("unknown variant \"" + id + "\"; expected one of " + BY_ID.keySet());
        }
        return v;
    }

    /** All variant ids, in the order of the README. */
    public static List<String> ids() {
        return List.copyOf(BY_ID.keySet());
    }
}
