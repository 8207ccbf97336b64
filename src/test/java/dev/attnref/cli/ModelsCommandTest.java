package dev.attnref.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code attnref models} prints the catalogue, as a table and as JSON, through Main's sub-command list. */
class ModelsCommandTest {

    private static String run(String... args) {
        StringWriter text = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(text));
        assertEquals(0, cli.execute(args));
        return text.toString();
    }

    @Test
    void tableHasOneRowPerModelWithItsFigures() {
        String table = run("models");
        assertTrue(table.startsWith("model "), table);
        assertTrue(table.contains("KV bytes/token (bf16)"), table);
        // DeepSeek-V3: 187,107,328 parameters per layer, 576 values per layer, 35,136 per token,
        // 70,272 bytes per token at 2 bytes per value.
        String v3 = table.lines().filter(line -> line.startsWith("DeepSeek-V3 ")).findFirst().orElseThrow();
        assertTrue(v3.matches("DeepSeek-V3 +MLA +7,168 +61 +128 +– +128\\+64 \\(128\\) +187,107,328 +576 +35,136 +70,272"), v3);
        assertTrue(table.contains("deepseek-v2-vs-67b-elements"), table);
    }

    @Test
    void jsonListsEveryModelAndClaim() throws Exception {
        JsonNode root = new ObjectMapper().readTree(run("models", "--json"));
        assertEquals(12, root.get("models").size());
        assertEquals(5, root.get("claims").size());
        JsonNode step3 = root.get("models").get(9);
        assertEquals("Step-3", step3.get("model").asText());
        assertEquals(169_347_072L, step3.get("parametersPerLayer").asLong());
        assertEquals(31_232L, step3.get("kvValuesPerToken").asLong());
        assertEquals(62_464L, step3.get("kvBytesPerTokenBf16").asLong());
        JsonNode v2 = root.get("models").get(6);
        assertTrue(v2.get("numKvHeads").isNull(), "MLA has no key/value heads");
        assertEquals(512, v2.get("shape").get("kvLoraRank").asInt());
        assertTrue(root.get("models").get(8).get("source").asText().contains("https://github.com/deepseek-ai/DeepSeek-V3/blob/"
                + "4c2fdb8f55e049553b9f4f1a3241f86d739c8cf8/inference/configs/config_671B.json"), "DeepSeek-V3's pinned config");
    }
}
