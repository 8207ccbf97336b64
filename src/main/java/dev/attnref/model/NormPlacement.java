package dev.attnref.model;

/**
 * Where a block normalises (seed 001, "post-norm 与 pre-norm"); {@code x} is the block input.
 *
 * <pre>
 *   PRE  (GPT-2, LLaMA):          h = x + Attn(Norm₁(x))        y = h + FFN(Norm₂(h))
 *   POST (Vaswani et al. 2017):   h = Norm₁(x + Attn(x))        y = Norm₂(h + FFN(h))
 * </pre>
 */
public enum NormPlacement {
    PRE,
    POST
}
