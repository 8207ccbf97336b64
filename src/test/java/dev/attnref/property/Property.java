package dev.attnref.property;

import dev.attnref.core.SeededRandom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded property: a shape generator, a {@link Law}, a number of tries, and optional coverage
 * requirements, in the spirit of jqwik (which this project does not use; the README says why).
 *
 * <h2>Seeds</h2>
 * The base seed is {@code -Dattnref.seed=N} when given, else the {@link String#hashCode()} of the
 * property name (stable across JVMs). Try {@code i} has seed {@code trySeed(base, i)}; the shape
 * is drawn from {@code new SeededRandom(trySeed)} and the law's data from
 * {@code new SeededRandom(trySeed ^ DATA_SALT)}, so a shrunk shape is checked with the same data
 * stream as the original.
 *
 * <h2>Failure</h2>
 * The first failing try is shrunk ({@link Shrinkable}) while it keeps failing; then an
 * {@link AssertionError} names the property, try, seed, shrunk and original shape, the cause, and
 * the command line that replays exactly that try:
 * {@code mvn test -Dtest=<TestClass> -Dattnref.replay=<property>:<seed>}.
 *
 * <h2>Replay</h2>
 * With {@code -Dattnref.replay=name:seed}, the property called {@code name} runs one try, the one
 * with that seed (same shape, same data, same shrinking), and prints what it replayed; properties
 * with other names run as usual. A name that no {@code Property.of("name", …)} of the running test
 * class defines (read from its source under {@code src/test/java}) is refused, so a misspelled
 * replay cannot silently run the whole suite instead.
 *
 * <h2>Coverage</h2>
 * {@link #classify} labels shapes; {@link #require} lists labels that must each occur at least
 * once over the tries, or the property fails naming the missing label and the counts. A replayed
 * single try skips the coverage check.
 */
public final class Property<S> {
    /** Separates the data stream from the shape stream of a try. */
    static final long DATA_SALT = 0x5DEECE66DL;
    /** Shrinking stops after this many accepted steps (each step strictly shrinks, so it ends anyway). */
    private static final int MAX_SHRINK_STEPS = 500;
    /** How a test class names its properties: {@code Property.of("name", …)}. */
    private static final Pattern DEFINITION = Pattern.compile("Property\\.of\\(\\s*\"([^\"]+)\"");

    private final String name;
    private final Gen<S> gen;
    private int tries = 100;
    private final Map<String, Predicate<S>> classifiers = new LinkedHashMap<>();
    private final List<String> required = new ArrayList<>();
    private String testClass = callerClass();

    private Property(String name, Gen<S> gen) {
        if (name == null || name.isBlank() || name.contains(":")) {
            throw new IllegalArgumentException("property name (" + name + ") must be non-blank and contain no ':'");
        }
        this.name = name;
        this.gen = gen;
    }

    /** A property named {@code name} over shapes drawn by {@code gen}. */
    public static <S> Property<S> of(String name, Gen<S> gen) {
        return new Property<>(name, gen);
    }

    /** Number of tries (default 100). */
    public Property<S> tries(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("tries (" + n + ") must be positive");
        }
        this.tries = n;
        return this;
    }

    /** Counts shapes satisfying {@code predicate} under {@code label}. */
    public Property<S> classify(String label, Predicate<S> predicate) {
        classifiers.put(label, predicate);
        return this;
    }

    /** Each label must be seen at least once over the tries. */
    public Property<S> require(String... labels) {
        for (String label : labels) {
            if (!classifiers.containsKey(label)) {
                throw new IllegalArgumentException("required label \"" + label + "\" has no classifier; known: " + classifiers.keySet());
            }
            required.add(label);
        }
        return this;
    }

    /** Adds the classifiers and requirements a generator brings with it. */
    public Property<S> coverage(Coverage<S> coverage) {
        coverage.classifiers().forEach(this::classify);
        return require(coverage.required().toArray(new String[0]));
    }

    /** Runs the law over every try (or the replayed one); throws an {@link AssertionError} on failure. */
    public Report check(Law<S> law) {
        Long replay = replaySeed();
        long base = Long.getLong("attnref.seed", (long) name.hashCode());
        Map<String, Integer> counts = new LinkedHashMap<>();
        classifiers.keySet().forEach(label -> counts.put(label, 0));
        int n = replay != null ? 1 : tries;
        for (int i = 0; i < n; i++) {
            long seed = replay != null ? replay : trySeed(base, i);
            S shape = gen.generate(new SeededRandom(seed));
            classifiers.forEach((label, p) -> {
                if (p.test(shape)) {
                    counts.merge(label, 1, Integer::sum);
                }
            });
            Throwable failure = run(law, shape, seed);
            if (failure != null) {
                throw failureReport(law, i, seed, shape, failure);
            }
            if (replay != null) {
                System.out.println("attnref.replay: replayed " + name + ":" + seed + " of " + simpleName(testClass)
                        + ", shape " + shape + ": passed");
            }
        }
        if (replay == null) {
            for (String label : required) {
                if (counts.get(label) == 0) {
                    throw new AssertionError("property " + name + ": the generator never produced \"" + label + "\" in "
                            + tries + " tries (label counts " + counts + ")");
                }
            }
        }
        return new Report(name, n, counts);
    }

    /** What a passing property ran: its tries and how often each label occurred. */
    public record Report(String name, int tries, Map<String, Integer> labelCounts) {
    }

    /** Seed of try {@code i}: one SplitMix64 step from {@code base + i}, so neighbouring tries are unrelated. */
    static long trySeed(long base, int i) {
        return new SeededRandom(base + i).nextLong();
    }

    private static <S> Throwable run(Law<S> law, S shape, long seed) {
        try {
            law.check(shape, new SeededRandom(seed ^ DATA_SALT));
            return null;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError vme) {
                throw vme;
            }
            return t;
        }
    }

    @SuppressWarnings("unchecked")
    private AssertionError failureReport(Law<S> law, int tryIndex, long seed, S original, Throwable originalFailure) {
        S smallest = original;
        Throwable failure = originalFailure;
        int steps = 0;
        boolean shrunk = true;
        while (shrunk && steps < MAX_SHRINK_STEPS && smallest instanceof Shrinkable<?>) {
            shrunk = false;
            for (Object candidate : ((Shrinkable<?>) smallest).shrinks()) {
                Throwable t = run(law, (S) candidate, seed);
                if (t != null) {
                    smallest = (S) candidate;
                    failure = t;
                    shrunk = true;
                    steps++;
                    break;
                }
            }
        }
        String message = "property " + name + " failed at try " + tryIndex + ", seed " + seed + "\n"
                + "  shrunk shape:   " + smallest + (steps > 0 ? "  (" + steps + " shrink steps)" : "") + "\n"
                + "  original shape: " + original + "\n"
                + "  cause: " + failure + "\n"
                + "  replay: mvn test -Dtest=" + simpleName(testClass) + " -Dattnref.replay=" + name + ":" + seed;
        AssertionError error = new AssertionError(message, failure);
        return error;
    }

    private Long replaySeed() {
        String replay = System.getProperty("attnref.replay");
        if (replay == null || replay.isBlank()) {
            return null;
        }
        int colon = replay.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("attnref.replay (" + replay + ") must be <property>:<seed>");
        }
        if (!replay.substring(0, colon).equals(name)) {
            requireDefinedByTestClass(replay.substring(0, colon));
            return null;
        }
        try {
            return Long.parseLong(replay.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attnref.replay seed (" + replay.substring(colon + 1) + ") is not a long");
        }
    }

    /** Refuses a replay of {@code replayed} unless the test class defines a property of that name. */
    private void requireDefinedByTestClass(String replayed) {
        Path source = Path.of(System.getProperty("attnref.root", "")).resolve("src/test/java")
                .resolve(testClass.replace('.', '/') + ".java");
        Set<String> defined = new TreeSet<>();
        try {
            Matcher m = DEFINITION.matcher(Files.readString(source));
            while (m.find()) {
                defined.add(m.group(1));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("attnref.replay names " + replayed + ", but the source of "
                    + testClass + " (" + source + ") cannot be read to check it: " + e);
        }
        if (!defined.contains(replayed)) {
            throw new IllegalArgumentException("attnref.replay names " + replayed + ", which is not a property of "
                    + simpleName(testClass) + "; its properties: " + defined);
        }
    }

    /** The test class that built this property (outermost class), for the replay command line. */
    private static String callerClass() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            String c = frame.getClassName();
            if (!c.startsWith("java.") && !c.equals(Property.class.getName()) && !c.startsWith("jdk.")) {
                return c.replaceAll("\\$.*", "");
            }
        }
        return "<TestClass>";
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
