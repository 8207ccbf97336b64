package dev.attnref.cli;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.model.DecoderConfig;
import dev.attnref.model.DecoderModel;
import dev.attnref.model.ShapeTrace;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--json", description = "print the trace as JSON: the model, the letter sizes and every stage")
    boolean json;

    @Spec
    CommandSpec spec;

    /** A bad option value is a usage error named by its option ({@link ModelOptions#inUserWords}). */
    @Override
    public Integer call() {
        try {
            return run();
        } catch (IllegalArgumentException e) {
            throw model.inUserWords(e);
        }
    }

    private int run() {
        Checks.positive("--batch", batch);
        Checks.positive("--seq-len", seqLen);
        DecoderConfig config = model.config();   // every option checked before the model is built
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
        PrintWriter out = spec.commandLine().getOut();
        String norm = config.placement().name().toLowerCase() + "-norm " + config.norm();
        if (json) {
            JsonOutput.print(out, asJson(config, norm, trace));
            return 0;
        }
        out.printf("attnref trace: %s, %s, %s, %s, %s head%n", model.variant.label(), blocks(config.numLayers()), norm,
                config.ffn(), config.tiedHead() ? "tied" : "untied");
        out.println("sizes: " + trace.letterSizes());
        out.println("(seed 001 writes D for the model width M and D_h for the head width D)");
        out.println();
        out.print(trace.format());
        out.flush();
        return 0;
    }

    static String blocks(int n) {
        return n + (n == 1 ? " block" : " blocks");
    }

    private Map<String, Object> asJson(DecoderConfig config, String norm, ShapeTrace trace) {
        trace.format();  // fails, as the text does, when a product axis was never sized
        List<Map<String, Object>> stages = new ArrayList<>();
        for (ShapeTrace.Stage stage : trace.stages()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("depth", stage.depth());
            row.put(stage.isSection() ? "section" : "stage", stage.label());
            if (!stage.isSection()) {
                row.put("axes", stage.axes());
                row.put("shape", stage.shape());
            }
            stages.add(row);
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("variant", model.variant.label());
        document.put("blocks", config.numLayers());
        document.put("norm", norm);
        document.put("ffn", config.ffn().name());
        document.put("tiedHead", config.tiedHead());
        document.put("sizes", trace.letterSizes());
        document.put("stages", stages);
        return document;
    }
}
