package dev.attnref.attention;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Attention configurations of real models (docs/MATH.md, "Real configurations"), as data with sources.
 * The {@code config.json} key names are quoted so each number can be traced to the file it was
 * read from; papers are cited by arXiv id and section. A file read at a known commit is cited as its
 * permalink ({@code https://github.com/<owner>/<repo>/blob/<commit>/<path>}, or the same on
 * huggingface.co); a Hugging Face config whose revision was not recorded says so. Nothing here is
 * computed from a model file at run time.
 *
 * <p>The two DeepSeek-V2 ablation entries are models of the paper's Appendix D.2, which publishes
 * only their KV element counts (110.6K and 860.2K per token). Their head split is this project's
 * reading, made only to reproduce those counts; it is not the models' shape. For the large one it is
 * contradicted by the paper's Table 9 (25.0B activated parameters for MHA against 21.5B for MLA, while
 * the inferred 56 heads of 128 give it fewer attention parameters per layer than DeepSeek-V2's MLA).
 * {@link #kvCountOnly} marks them: only their KV counts may be reported, not parameters or FLOPs.
 *
 * <p>Checked by {@code ModelCatalogueTest} (every published per-layer parameter count and KV count,
 * worked by hand).
 */
public final class ModelCatalogue {
    private ModelCatalogue() {
    }

    public static final ModelConfig LLAMA_2_7B = new ModelConfig("Llama-2-7B", 32,
            GqaShape.of(4096, 32, 32, 128),
            "Touvron et al., \"Llama 2\", arXiv:2307.09288, Table 1 (GQA only for 34B and 70B, so 7B is MHA); "
                    + "meta-llama/Llama-2-7b-hf config.json (revision not recorded): hidden_size 4096, "
                    + "num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 32. Not "
                    + "meta-llama/llama-models models/sku_list.py, whose Llama-2-7B row says n_kv_heads 8");

    public static final ModelConfig LLAMA_2_70B = new ModelConfig("Llama-2-70B", 80,
            GqaShape.of(8192, 64, 8, 128),
            "Touvron et al., \"Llama 2\", arXiv:2307.09288, Table 1 (GQA for 70B); "
                    + "https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/ddf3d4193d28a593c46150fd7c03f8d5965e0c9f/config.json: "
                    + "hidden_size 8192, num_hidden_layers 80, num_attention_heads 64, num_key_value_heads 8; "
                    + "https://github.com/meta-llama/llama-models/blob/364ed4ec2bdcc13ab3acb08e364e843b6322b9ae/models/sku_list.py "
                    + "(llama2_70b: dim 8192, n_layers 80, n_heads 64, n_kv_heads 8)");

    public static final ModelConfig LLAMA_3_8B = new ModelConfig("Llama-3-8B", 32,
            GqaShape.of(4096, 32, 8, 128),
            "Llama Team, \"The Llama 3 Herd of Models\", arXiv:2407.21783, Table 3; "
                    + "https://github.com/meta-llama/llama-models/blob/364ed4ec2bdcc13ab3acb08e364e843b6322b9ae/models/sku_list.py "
                    + "(llama3_8b: dim 4096, n_layers 32, n_heads 32, n_kv_heads 8); meta-llama/Meta-Llama-3-8B config.json (revision not recorded): "
                    + "hidden_size 4096, num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8");

    public static final ModelConfig MISTRAL_7B = new ModelConfig("Mistral-7B", 32,
            GqaShape.of(4096, 32, 8, 128),
            "Jiang et al., \"Mistral 7B\", arXiv:2310.06825, Table 1 (dim 4096, n_layers 32, head_dim 128, "
                    + "n_heads 32, n_kv_heads 8); mistralai/Mistral-7B-v0.1 config.json (revision not recorded): hidden_size 4096, "
                    + "num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8");

    public static final ModelConfig FALCON_7B = new ModelConfig("Falcon-7B", 32,
            GqaShape.of(4544, 71, 1, 64),
            "Almazrouei et al., \"The Falcon Series of Open Language Models\", arXiv:2311.16867; "
                    + "https://huggingface.co/tiiuae/falcon-7b/blob/898df1396f35e447d5fe44e0a3ccaaaa69f30d36/config.json: "
                    + "hidden_size 4544, num_hidden_layers 32, num_attention_heads 71, multi_query true, bias false "
                    + "(head width 4544 / 71 = 64; fused query_key_value [(71 + 2)·64, 4544])");

    public static final ModelConfig DEEPSEEK_67B = new ModelConfig("DeepSeek-67B", 95,
            GqaShape.of(8192, 64, 8, 128),
            "DeepSeek-AI, \"DeepSeek LLM\", arXiv:2401.02954, Table 2 (67B: 95 layers, d_model 8192, 64 heads, "
                    + "8 KV heads); deepseek-ai/deepseek-llm-67b-base config.json (revision not recorded): "
                    + "hidden_size 8192, num_hidden_layers 95, num_attention_heads 64, num_key_value_heads 8");

    public static final ModelConfig DEEPSEEK_V2 = new ModelConfig("DeepSeek-V2", 60,
            new MlaShape(5120, 128, 1536, 512, 128, 64, 128),
            "DeepSeek-AI, \"DeepSeek-V2\", arXiv:2405.04434, §3.1.2, as "
                    + "https://github.com/deepseek-ai/DeepSeek-V2/blob/c15bff20d971ef3c1bc23ba44800fe5a74f3a4ba/deepseek-v2-tech-report.pdf; "
                    + "deepseek-ai/DeepSeek-V2 config.json (revision not recorded): "
                    + "hidden_size 5120, num_hidden_layers 60, num_attention_heads 128, q_lora_rank 1536, "
                    + "kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128");

    public static final ModelConfig DEEPSEEK_V2_LITE = new ModelConfig("DeepSeek-V2-Lite", 27,
            new MlaShape(2048, 16, 0, 512, 128, 64, 128),
            "DeepSeek-AI, \"DeepSeek-V2\", arXiv:2405.04434, Appendix B.1, as "
                    + "https://github.com/deepseek-ai/DeepSeek-V2/blob/c15bff20d971ef3c1bc23ba44800fe5a74f3a4ba/deepseek-v2-tech-report.pdf; "
                    + "deepseek-ai/DeepSeek-V2-Lite config.json (revision not recorded): "
                    + "hidden_size 2048, num_hidden_layers 27, num_attention_heads 16, q_lora_rank null, "
                    + "kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128");

    public static final ModelConfig DEEPSEEK_V3 = new ModelConfig("DeepSeek-V3", 61,
            new MlaShape(7168, 128, 1536, 512, 128, 64, 128),
            "DeepSeek-AI, \"DeepSeek-V3 Technical Report\", arXiv:2412.19437, §4.2; "
                    + "https://github.com/deepseek-ai/DeepSeek-V3/blob/4c2fdb8f55e049553b9f4f1a3241f86d739c8cf8/inference/configs/config_671B.json: "
                    + "dim 7168, n_layers 61, n_heads 128, q_lora_rank 1536, kv_lora_rank 512, qk_nope_head_dim 128, "
                    + "qk_rope_head_dim 64, v_head_dim 128");

    public static final ModelConfig STEP_3 = new ModelConfig("Step-3", 61,
            new MfaShape(7168, 64, 2048, 256, false),
            "StepFun, \"Step-3 is Large yet Affordable: Model-system Co-design for Cost-effective Decoding\", "
                    + "arXiv:2507.19427, Table 1 and the text above it (64 query heads share one key head and one value "
                    + "head, all of dimension 256), as https://github.com/stepfun-ai/Step3/blob/"
                    + "bd28efa314d13d3a8ec33b185bc27d1e428db247/Step3-Sys-Tech-Report.pdf; "
                    + "https://github.com/stepfun-ai/Step3/blob/5cb2a8fd254ce77d2bba0861dc75c94ef2a3ab42/README.md "
                    + "(model card: 61 layers, hidden dimension 7168, MFA, low-rank query dimension 2048, 64 query heads, "
                    + "head dimension 256); stepfun-ai/step3 config.json (revision not recorded): num_attention_groups 1, "
                    + "share_q_dim 2048, rope_theta 500000");

    public static final ModelConfig DEEPSEEK_V2_SMALL_MHA_ABLATION = new ModelConfig(
            "DeepSeek-V2 ablation: small MoE, MHA", 27,
            GqaShape.of(2048, 16, 16, 128),
            "DeepSeek-AI, \"DeepSeek-V2\", arXiv:2405.04434, Appendix D.2: KV cache 110.6K elements per token "
                    + "(its MLA twin: 15.6K, the DeepSeek-V2-Lite shape). Only the count is published; M 2048, "
                    + "27 layers and 16 heads of 128 are read from the MLA twin, and reproduce 2·16·128·27 = 110,592 "
                    + "(inferred, not published: KV count only)");

    public static final ModelConfig DEEPSEEK_V2_LARGE_MHA_ABLATION = new ModelConfig(
            "DeepSeek-V2 ablation: large MoE, MHA", 60,
            GqaShape.of(5120, 56, 56, 128),
            "DeepSeek-AI, \"DeepSeek-V2\", arXiv:2405.04434, Appendix D.2: KV cache 860.2K elements per token "
                    + "(its MLA twin: 34.6K, the DeepSeek-V2 shape). Only the count is published, which fixes "
                    + "H·D·L = 430,080; L 60 and M 5120 of the MLA twin and D 128 leave H 56 (inferred, not published, "
                    + "and at odds with Table 9's 25.0B vs 21.5B activated parameters: KV count only)");

    /** Every entry, published models first, in a fixed order. */
    public static List<ModelConfig> all() {
        return List.of(LLAMA_2_7B, LLAMA_2_70B, LLAMA_3_8B, MISTRAL_7B, FALCON_7B, DEEPSEEK_67B, DEEPSEEK_V2,
                DEEPSEEK_V2_LITE, DEEPSEEK_V3, STEP_3, DEEPSEEK_V2_SMALL_MHA_ABLATION, DEEPSEEK_V2_LARGE_MHA_ABLATION);
    }

    /**
     * True for the entries whose shape was inferred only to reproduce a published KV count (the DeepSeek-V2
     * ablation MHA models): their parameter and FLOP counts are not that model's and must not be reported.
     */
    public static boolean kvCountOnly(ModelConfig model) {
        return model == DEEPSEEK_V2_SMALL_MHA_ABLATION || model == DEEPSEEK_V2_LARGE_MHA_ABLATION;
    }

    /** The entry with this exact name; an unknown name lists the known ones. */
    public static ModelConfig byName(String name) {
        for (ModelConfig model : all()) {
            if (model.name().equals(name)) {
                return model;
            }
        }
        throw new IllegalArgumentException("unknown model (" + name + "); expected one of "
                + all().stream().map(ModelConfig::name).collect(Collectors.joining(", ")));
    }
}
