package dev.attnref.property;

import dev.attnref.core.SeededRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The generic shape of a law whose sizes are named integers and flags: an ordered map
 * name → value, drawn by a {@link Spec} and shrunk toward each size's lower bound.
 *
 * <pre>{@code
 * Dims.Spec spec = Dims.spec().size("H", 1, 4).size("D", 1, 7).flag("compressed")
 *         .where(d -> d.get("D") % 2 == 0);
 * Property.of("someLaw", spec).tries(30).check((dims, data) -> law(dims.get("H"), dims.get("D"), dims.flag("compressed"), data));
 * }</pre>
 *
 * <h2>Shrinking</h2>
 * Candidates, in entry order: a size one above its lower bound or more goes first to {@code lo},
 * then to {@code value − 1}; a flag that is true goes to false. A candidate that breaks a
 * {@link Spec#where} constraint is skipped, so every shrunk shape satisfies them all.
 *
 * <h2>Constraints</h2>
 * Generation draws every entry in order ({@link SeededRandom#intBetween} for sizes, one
 * {@code nextInt(2)} for flags) and redraws the whole shape until all constraints hold, up to
 * {@value #MAX_REDRAWS} times.
 */
public final class Dims implements Shrinkable<Dims> {
    /** A spec whose constraints reject this many draws in a row is treated as unsatisfiable. */
    static final int MAX_REDRAWS = 10_000;

    private final Spec spec;
    private final int[] values;

    private Dims(Spec spec, int[] values) {
        this.spec = spec;
        this.values = values;
    }

    /** An empty spec, to be filled with {@link Spec#size}, {@link Spec#flag} and {@link Spec#where}. */
    public static Spec spec() {
        return new Spec();
    }

    /** The size called {@code name}. */
    public int get(String name) {
        int i = spec.index(name);
        if (spec.entries.get(i).flag) {
            throw new IllegalArgumentException("\"" + name + "\" is a flag, not a size; use flag(\"" + name + "\")");
        }
        return values[i];
    }

    /** The flag called {@code name}. */
    public boolean flag(String name) {
        int i = spec.index(name);
        if (!spec.entries.get(i).flag) {
            throw new IllegalArgumentException("\"" + name + "\" is a size, not a flag; use get(\"" + name + "\")");
        }
        return values[i] == 1;
    }

    @Override
    public List<Dims> shrinks() {
        List<Dims> candidates = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            Entry e = spec.entries.get(i);
            if (values[i] > e.lo) {
                addIfValid(candidates, i, e.lo);
                if (values[i] - 1 > e.lo) {
                    addIfValid(candidates, i, values[i] - 1);
                }
            }
        }
        return candidates;
    }

    private void addIfValid(List<Dims> candidates, int index, int value) {
        int[] smaller = values.clone();
        smaller[index] = value;
        Dims candidate = new Dims(spec, smaller);
        if (spec.holds(candidate)) {
            candidates.add(candidate);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dims d && d.spec == spec && Arrays.equals(d.values, values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    /** Every entry in order, e.g. {@code Dims{H=2 D=5 compressed=false}}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Dims{");
        for (int i = 0; i < values.length; i++) {
            Entry e = spec.entries.get(i);
            s.append(i == 0 ? "" : " ").append(e.name).append('=').append(e.flag ? String.valueOf(values[i] == 1) : values[i]);
        }
        return s.append('}').toString();
    }

    private record Entry(String name, int lo, int hi, boolean flag) {
    }

    /** Named sizes in [lo, hi], flags, and constraints between them; a {@link Gen} of {@link Dims}. */
    public static final class Spec implements Gen<Dims> {
        private final List<Entry> entries = new ArrayList<>();
        private final List<Predicate<Dims>> constraints = new ArrayList<>();

        private Spec() {
        }

        /** A size drawn uniformly from [lo, hi]; it shrinks toward {@code lo}. */
        public Spec size(String name, int lo, int hi) {
            if (lo > hi) {
                throw new IllegalArgumentException("size \"" + name + "\" bounds [" + lo + ", " + hi + "] must have lo ≤ hi");
            }
            return add(new Entry(name, lo, hi, false));
        }

        /** A flag, true or false with equal chance; it shrinks toward false. */
        public Spec flag(String name) {
            return add(new Entry(name, 0, 1, true));
        }

        /** A constraint every generated and every shrunk shape satisfies. */
        public Spec where(Predicate<Dims> constraint) {
            constraints.add(constraint);
            return this;
        }

        private Spec add(Entry entry) {
            if (entry.name == null || entry.name.isBlank() || entry.name.matches(".*[\\s={}].*")) {
                throw new IllegalArgumentException("name (" + entry.name + ") must be non-blank without spaces, '=' or braces");
            }
            for (Entry e : entries) {
                if (e.name.equals(entry.name)) {
                    throw new IllegalArgumentException("name \"" + entry.name + "\" is already in this spec");
                }
            }
            entries.add(entry);
            return this;
        }

        @Override
        public Dims generate(SeededRandom random) {
            for (int attempt = 0; attempt < MAX_REDRAWS; attempt++) {
                int[] values = new int[entries.size()];
                for (int i = 0; i < values.length; i++) {
                    Entry e = entries.get(i);
                    values[i] = e.flag ? random.nextInt(2) : random.intBetween(e.lo, e.hi);
                }
                Dims dims = new Dims(this, values);
                if (holds(dims)) {
                    return dims;
                }
            }
            throw new IllegalStateException("no shape satisfying the constraints in " + MAX_REDRAWS + " draws of " + this);
        }

        private boolean holds(Dims dims) {
            for (Predicate<Dims> c : constraints) {
                if (!c.test(dims)) {
                    return false;
                }
            }
            return true;
        }

        private int index(String name) {
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).name.equals(name)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no size or flag \"" + name + "\"; known: " + names());
        }

        private List<String> names() {
            return entries.stream().map(Entry::name).toList();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("Dims.spec()");
            for (Entry e : entries) {
                s.append(e.flag ? ".flag(\"" + e.name + "\")" : ".size(\"" + e.name + "\", " + e.lo + ", " + e.hi + ")");
            }
            return s.append(constraints.isEmpty() ? "" : " with " + constraints.size() + " constraint(s)").toString();
        }
    }
}
