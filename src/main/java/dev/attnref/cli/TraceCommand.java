package dev.attnref.cli;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.model.DecoderConfig;
import dev.attnref.model.DecoderModel;
import dev.attnref.model.ShapeTrace;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attnref trace}: the shape of every stage of one forward pass of a tiny seeded decoder (seed 001's walk-through). */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Print each stage's tensor shape for one forward pass of a tiny seeded decoder-only transformer, "
                + "following seed 001's walk-through (B, T) → (B, T, M) → … → (B, T, V).")
public final class TraceCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--batch", defaultValue = "2", description = "batch size B (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seq-len", defaultValue = "5", description = "sequence length T (default: ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random token ids (default: ${DEFAULT-VALUE})")
    long seed;

    @Spec
    CommandSpec spec;

    /** Bad option values (IllegalArgumentException from the model) are usage errors: message, usage, exit code 2. */
    @Override
    public Integer call() {
        try {
            return run();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private int run() {
        PrintWriter out = spec.commandLine().getOut();
        DecoderConfig config = model.config();
        Checks.positive("--batch", batch);
        Checks.positive("--seq-len", seqLen);
        DecoderModel decoder = DecoderModel.random(config, new SeededRandom(model.modelSeed));
        SeededRandom tokens = new SeededRandom(seed);
        int[][] ids = new int[batch][seqLen];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seqLen; t++) {
                ids[b][t] = tokens.nextInt(config.vocabSize());
            }
        }
        ShapeTrace trace = ShapeTrace.recording();
        decoder.forward(ids, decoder.newState(batch), trace);
        out.printf("attnref trace: %s, %d blocks, %s, %s, %s head%n", model.variant.label(), config.numLayers(),
                config.placement().name().toLowerCase() + "-norm " + config.norm(), config.ffn(),
                config.tiedHead() ? "tied" : "untied");
        out.println("sizes: " + trace.letterSizes());
        out.println("(seed 001 writes D for the model width M and D_h for the head width D)");
        out.println();
        out.print(trace.format());
        out.flush();
        return 0;
    }
}
