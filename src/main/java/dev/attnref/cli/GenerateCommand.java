package dev.attnref.cli;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.model.DecoderConfig;
import dev.attnref.model.DecoderModel;
import dev.attnref.model.DecodingConfig;
import dev.attnref.model.GenerationStep;
import dev.attnref.model.Generator;
import dev.attnref.model.RepetitionPenalty;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attnref generate}: cached generation on a tiny seeded decoder, printing each token and its probability. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate tokens from a tiny seeded random decoder with a KV cache; print each chosen token and "
                + "its probability under the processed distribution (penalty → temperature → top-k → top-p → softmax).")
public final class GenerateCommand implements Callable<Integer> {
    /** Which repetition-penalty rule {@code --penalty} applies. */
    enum PenaltyForm {
        SCALE,
        SUBTRACT
    }

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", defaultValue = "1,2,3", split = ",",
            description = "prompt token ids, comma-separated (default: ${DEFAULT-VALUE})")
    int[] prompt;

    @Option(names = "--steps", defaultValue = "8", description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--greedy", description = "argmax instead of sampling (the T → 0 limit)")
    boolean greedy;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "T > 0 (T ≤ 0 is rejected: use --greedy) (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens; 0 = off")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus mass in (0, 1]; 1 = off")
    double topP;

    @Option(names = "--penalty", description = "repetition penalty value: θ for SCALE, α for SUBTRACT; absent = none")
    Double penalty;

    @Option(names = "--penalty-form", defaultValue = "SCALE",
            description = "SCALE (CTRL/HF: ÷θ positive, ×θ negative logits) or SUBTRACT (seed 001: −α) "
                    + "(default: ${DEFAULT-VALUE})")
    PenaltyForm penaltyForm;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling stream (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-cache", description = "recompute the whole sequence every step instead of using the KV cache")
    boolean noCache;

    @Option(names = "--check-cache",
            description = "also run the other path (cached / uncached) and report whether tokens and logits agree")
    boolean checkCache;

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
        Checks.nonNegative("--steps", steps);
        RepetitionPenalty repetition = penalty == null ? RepetitionPenalty.none()
                : penaltyForm == PenaltyForm.SCALE ? RepetitionPenalty.scale(penalty) : RepetitionPenalty.subtract(penalty);
        DecodingConfig decoding = new DecodingConfig(greedy, temperature, topK, topP, repetition);
        DecoderModel decoder = DecoderModel.random(config, new SeededRandom(model.modelSeed));
        boolean useCache = !noCache;
        List<GenerationStep> generated = Generator.generate(decoder, prompt, steps, decoding, new SeededRandom(seed),
                useCache);

        out.printf("attnref generate: %s, V=%d, %d blocks, model seed %d%n",
                decoder.blocks().get(0).attention().describe(), config.vocabSize(), config.numLayers(), model.modelSeed);
        out.printf("decoding: %s; sampling seed %d; KV cache %s%n", decoding.describe(), seed, useCache ? "on" : "off");
        out.println("prompt: " + join(prompt));
        out.printf("%4s  %8s  %5s  %s%n", "step", "position", "token", "p(token)");
        StringBuilder tokens = new StringBuilder();
        for (int i = 0; i < generated.size(); i++) {
            GenerationStep step = generated.get(i);
            out.printf("%4d  %8d  %5d  %s%n", i + 1, step.position(), step.token(), step.probability());
            tokens.append(i == 0 ? "" : " ").append(step.token());
        }
        out.println("tokens: " + join(prompt) + " | " + tokens);
        if (checkCache) {
            List<GenerationStep> other = Generator.generate(decoder, prompt, steps, decoding, new SeededRandom(seed),
                    !useCache);
            Generator.Agreement agreement = Generator.compare(generated, other);
            out.printf("cache check (%s vs %s): tokens %s; max |Δlogit| = %.3e%n", useCache ? "cached" : "uncached",
                    useCache ? "uncached" : "cached", agreement.sameTokens() ? "identical" : "DIFFER",
                    agreement.maxLogitDifference());
            out.flush();
            return agreement.sameTokens() ? 0 : 1;
        }
        out.flush();
        return 0;
    }

    private static String join(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            s.append(i == 0 ? "" : " ").append(ids[i]);
        }
        return s.toString();
    }
}
