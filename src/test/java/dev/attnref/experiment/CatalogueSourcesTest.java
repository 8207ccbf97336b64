package dev.attnref.experiment;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.ModelCatalogue;
import dev.attnref.attention.ModelConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every row of {@link ModelCatalogue} and {@link HardwareCatalogue} names where its figures come from, in a
 * form a reader can follow: a paper by arXiv id, a file pinned to a commit, or a datasheet with where it is
 * published.
 */
class CatalogueSourcesTest {

    /** A paper: {@code arXiv:2405.04434}. */
    private static final Pattern ARXIV = Pattern.compile("arXiv:\\d{4}\\.\\d{4,5}");

    /** A file at a commit: a GitHub or Hugging Face permalink with the full 40-hex commit id, never a branch. */
    private static final Pattern PINNED_FILE =
            Pattern.compile("https://(github\\.com|huggingface\\.co)/[\\w.-]+/[\\w.-]+/blob/[0-9a-f]{40}/[\\w./-]+");

    /** A datasheet (or the whitepaper that serves as one) and the nvidia.com address it is published at. */
    private static final Pattern DATASHEET =
            Pattern.compile("NVIDIA .*(Datasheet|whitepaper).*https://[\\w.-]*nvidia\\.com/\\S+");

    /** A config.json, with the address before it if any, and the admission that follows it if any. */
    private static final Pattern CONFIG_JSON = Pattern.compile("(\\S*)config(_671B)?\\.json( \\(revision not recorded\\))?");

    @Test
    void everyModelNamesAPaperOrAPinnedFile() {
        for (ModelConfig model : ModelCatalogue.all()) {
            String source = model.source();
            assertFalse(source.isBlank(), model.name());
            assertTrue(ARXIV.matcher(source).find() || PINNED_FILE.matcher(source).find(),
                    model.name() + " names neither an arXiv id nor a pinned file: " + source);
        }
    }

    @Test
    void everyConfigFileIsPinnedToACommitOrSaysItsRevisionWasNotRecorded() {
        for (ModelConfig model : ModelCatalogue.all()) {
            Matcher config = CONFIG_JSON.matcher(model.source());
            while (config.find()) {
                boolean pinned = PINNED_FILE.matcher(config.group()).matches();
                assertTrue(pinned || config.group(3) != null,
                        model.name() + ": " + config.group() + " is neither pinned nor marked unrecorded");
            }
        }
    }

    @Test
    void everyAcceleratorNamesItsDatasheetAndWhereItIsPublished() {
        for (Hardware hw : HardwareCatalogue.accelerators()) {
            assertTrue(DATASHEET.matcher(hw.source()).find(), hw.name() + ": " + hw.source());
        }
    }

    @Test
    void thePatternsRejectAnUnpinnedFileABranchAndAnUnplacedDatasheet() {
        assertFalse(PINNED_FILE.matcher("deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json").find());
        assertFalse(PINNED_FILE.matcher("https://github.com/deepseek-ai/DeepSeek-V3/blob/main/README.md").find());
        assertFalse(ARXIV.matcher("DeepSeek-V2 tech report (2024)").find());
        assertFalse(DATASHEET.matcher("NVIDIA H100 Tensor Core GPU Datasheet, H100 SXM column").find());
        Matcher bare = CONFIG_JSON.matcher("deepseek-ai/DeepSeek-V2 config.json: hidden_size 5120");
        assertTrue(bare.find());
        assertFalse(PINNED_FILE.matcher(bare.group()).matches() || bare.group(3) != null, bare.group());
    }
}
