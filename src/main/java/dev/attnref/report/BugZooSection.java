package dev.attnref.report;

import dev.attnref.golden.zoo.BugZoo;
import java.nio.file.Path;

/**
 * The report's "Bug zoo" section: which golden cases catch which classic porting bug ({@link BugZoo}, run
 * afresh: a few seconds), in float32 at each case's tolerance and in bf16 by FlashAttention's rule.
 */
final class BugZooSection {
    /** Case ids shown per cell; {@code attnref golden zoo --json} lists them all. */
    private static final int SHOWN = 3;

    private BugZooSection() {
    }

    static String of(Path root) {
        BugZoo.Result result = BugZoo.run(BugZoo.manifests(BugZoo.versions(root)));
        return "Every golden case is run through a plain port (`dev.attnref.golden.zoo.PlainPort`: loops, float32 "
                + "accumulation, tensors stored in float32 or rounded to bf16) with one classic porting bug switched on "
                + "at a time. A case catches a bug when the mutant fails it: in float32 at the case's own tolerance "
                + "(`golden verify`), in bf16 by `golden verify --precision bf16`'s rule (FlashAttention's: error at most 2 × "
                + "a plain bf16 implementation's error plus a floor), that baseline being the case's own where it stores "
                + "one (v2's bf16 cases) and the bug-free bf16 port's error elsewhere; or when the mutant cannot run the "
                + "case. The bug-free port must pass every case it runs. `attnref golden zoo --json` lists every "
                + "catching case.\n\n"
                + BugZoo.summary(result) + ".\n\n"
                + Markdown.table(BugZoo.HEADER, BugZoo.rows(result, SHOWN));
    }
}
