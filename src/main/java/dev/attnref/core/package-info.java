/**
 * Core of the float64 reference: a strided {@link dev.attnref.core.Tensor} with PyTorch
 * semantics, {@link dev.attnref.core.Linear}, {@link dev.attnref.core.Rope}, mask builders,
 * {@link dev.attnref.core.SeededRandom} and argument {@link dev.attnref.core.Checks}. Imports
 * nothing else of the project.
 *
 * <h2>Axis legend (the whole project uses these letters; docs/MATH.md)</h2>
 * <pre>
 *   B  batch                    T  query positions          S  key/value positions (incl. cached)
 *   H  query heads              G  key/value heads          R = H / G  query heads per kv head
 *   D  q/k head dim             Dv value head dim           M  model width
 *   C  latent width             P  rotary dims
 * </pre>
 * Shapes are written outermost first and stored row-major. Activations are {@code [B, T, M]} in
 * and out; heads are split as {@code [B, H, T, D]}. Query head {@code h} reads key/value head
 * {@code g(h) = ⌊h / R⌋} (contiguous groups).
 */
package dev.attnref.core;
