package dev.attnref.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timed experiment's quick block may measure fewer points and fewer rounds than its full block, and nothing
 * else: the same per-sample protocol (minSeconds, clock, kernels, shapes), so that each quick median has a full
 * partner measured the same way (experiments/quick-vs-full/). A quick block that sampled single calls where the
 * full block repeats them for 10 ms measured a different thing at short lengths (1.5× apart at S = 128).
 */
class QuickBlocksTest {

    /** Lists of points: the quick list must be a subset of the full one. */
    private static final Set<String> POINTS = Set.of("lengths", "cacheLengths", "batches", "moduleLengths");
    /** Allowed to differ: how many rounds, the warm-up cap, and what is only computed or fitted, not timed. */
    private static final Set<String> FREE = Set.of("rounds", "maxWarmupSeconds", "fitFrom", "moduleFitFrom",
            "catalogueLengths", "catalogueCacheLengths");

    @ParameterizedTest
    @ValueSource(strings = {"E02-decode", "E03-prefill", "E04-hardware"})
    void quickDiffersFromFullOnlyInPointsAndRounds(String experiment) throws IOException {
        JsonNode spec = new ObjectMapper().readTree(Path.of("experiments", experiment, "spec.json").toFile());
        JsonNode full = spec.get("full");
        JsonNode quick = spec.get("quick");
        for (Iterator<Map.Entry<String, JsonNode>> it = quick.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String where = experiment + "/spec.json key '" + key + "'";
            assertTrue(full.has(key), where + ": in quick, not in full");
            if (POINTS.contains(key)) {
                assertTrue(values(full.get(key)).containsAll(values(e.getValue())),
                        where + ": quick " + e.getValue() + " is not a subset of full " + full.get(key));
            } else if (key.equals("rounds")) {
                int rounds = e.getValue().asInt();
                assertTrue(rounds >= 5 && rounds <= full.get(key).asInt(), where + ": quick rounds " + rounds);
            } else if (!FREE.contains(key)) {
                assertEquals(full.get(key), e.getValue(), where + ": quick and full differ");
            }
        }
    }

    private static Set<String> values(JsonNode list) {
        Set<String> out = new HashSet<>();
        list.forEach(v -> out.add(v.asText()));
        return out;
    }
}
