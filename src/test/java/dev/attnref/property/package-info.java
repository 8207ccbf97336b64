/**
 * attnref's own seeded property harness on JUnit 5 (not jqwik: the README says why).
 *
 * <p>A property is a generator of small <em>shapes</em> (not raw arrays), a {@link
 * dev.attnref.property.Law} that draws its data from a seeded stream, and a number of tries:
 *
 * <pre>{@code
 * @Test
 * void gqaWithOneKvHeadIsMqa() {
 *     Property.of("gqaWithOneKvHeadIsMqa", AttentionShapes.selfAttention())
 *             .tries(80)
 *             .coverage(AttentionShapes.regimes())
 *             .check(GqaLaws::gqaWithOneKvHeadIsMqa);     // static void law(AttnShape s, SeededRandom data)
 * }
 * }</pre>
 *
 * <p>Every try has a seed; a failure is shrunk (smaller heads, lengths, widths, batch) and reported
 * with the seed, the shrunk and original shapes and a replay command:
 *
 * <pre>
 *   mvn test -Dtest=GqaLawsTest -Dattnref.replay=gqaWithOneKvHeadIsMqa:-4532110948873105337
 * </pre>
 *
 * <p>Laws whose shape is a handful of named sizes and flags use {@link dev.attnref.property.Dims}:
 * {@code Dims.spec().size("H", 1, 4).size("D", 1, 7).flag("compressed").where(d -> ...)} is the
 * generator, and the law reads {@code dims.get("H")}, {@code dims.flag("compressed")}; sizes shrink
 * toward their lower bounds and constraints hold for every generated and shrunk shape. Data (weights,
 * inputs) always comes from the law's {@code SeededRandom}, never from the shape.
 *
 * <p>{@code -Dattnref.replay=name:seed} runs exactly that try of the property with that name and
 * prints what it replayed (other properties run as usual; a name the test class does not define is
 * refused); {@code -Dattnref.seed=N} changes the base seed of every
 * property, to explore beyond the fixed default stream. Laws are plain static methods, so another
 * engine could run them unchanged.
 */
package dev.attnref.property;
