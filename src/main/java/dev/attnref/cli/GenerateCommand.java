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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--json", description = "print the run as JSON: model, decoding, prompt, every step, the cache check")
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
        PrintWriter out = spec.commandLine().getOut();
        Checks.nonNegative("--steps", steps);
        RepetitionPenalty repetition = penalty == null ? RepetitionPenalty.none()
                : penaltyForm == PenaltyForm.SCALE ? RepetitionPenalty.scale(penalty) : RepetitionPenalty.subtract(penalty);
        DecodingConfig decoding = new DecodingConfig(greedy, temperature, topK, topP, repetition);
        DecoderConfig config = model.config();   // every option checked before the model is built
        DecoderModel decoder = DecoderModel.random(config, new SeededRandom(model.modelSeed));
        boolean useCache = !noCache;
        List<GenerationStep> generated = Generator.generate(decoder, prompt, steps, decoding, new SeededRandom(seed),
                useCache);
        Generator.Agreement agreement = checkCache ? Generator.compare(generated,
                Generator.generate(decoder, prompt, steps, decoding, new SeededRandom(seed), !useCache)) : null;
        String attention = decoder.blocks().get(0).attention().describe();
        if (json) {
            JsonOutput.print(out, asJson(attention, config, decoding, generated, agreement));
        } else {
            printText(out, attention, config, decoding, generated, agreement);
        }
        return agreement == null || agreement.sameTokens() ? 0 : 1;
    }

    private void printText(PrintWriter out, String attention, DecoderConfig config, DecodingConfig decoding,
            List<GenerationStep> generated, Generator.Agreement agreement) {
        out.printf("attnref generate: %s, V=%d, %s, model seed %d%n",
                attention, config.vocabSize(), TraceCommand.blocks(config.numLayers()), model.modelSeed);
        out.printf("decoding: %s; sampling seed %d; KV cache %s%n", decoding.describe(), seed, noCache ? "off" : "on");
        out.println("prompt: " + join(prompt));
        out.printf("%4s  %8s  %5s  %s%n", "step", "position", "token", "p(token)");
        StringBuilder tokens = new StringBuilder();
        for (int i = 0; i < generated.size(); i++) {
            GenerationStep step = generated.get(i);
            out.printf("%4d  %8d  %5d  %s%n", i + 1, step.position(), step.token(), step.probability());
            tokens.append(i == 0 ? "" : " ").append(step.token());
        }
        out.println("tokens: " + join(prompt) + " | " + tokens);
        if (agreement != null) {
            out.printf("cache check (%s vs %s): tokens %s; max |Δlogit| = %.3e%n", noCache ? "uncached" : "cached",
                    noCache ? "cached" : "uncached", agreement.sameTokens() ? "identical" : "DIFFER",
                    agreement.maxLogitDifference());
        }
        out.flush();
    }

    private Map<String, Object> asJson(String attention, DecoderConfig config, DecodingConfig decoding,
            List<GenerationStep> generated, Generator.Agreement agreement) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("attention", attention);
        document.put("vocab", config.vocabSize());
        document.put("blocks", config.numLayers());
        document.put("modelSeed", model.modelSeed);
        document.put("decoding", decoding.describe());
        document.put("samplingSeed", seed);
        document.put("kvCache", !noCache);
        document.put("prompt", prompt);
        document.put("steps", generated.stream().map(s -> Map.of("position", s.position(), "token", s.token(),
                "probability", s.probability())).toList());
        document.put("tokens", generated.stream().mapToInt(GenerationStep::token).toArray());
        if (agreement != null) {
            document.put("cacheCheck", Map.of("against", noCache ? "cached" : "uncached",
                    "sameTokens", agreement.sameTokens(), "maxLogitDifference", agreement.maxLogitDifference()));
        }
        return document;
    }

    private static String join(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            s.append(i == 0 ? "" : " ").append(ids[i]);
        }
        return s.toString();
    }
}
