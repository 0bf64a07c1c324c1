package io.fangwusha.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.fangwusha.core.Fixtures;
import java.nio.file.Path;
import java.util.Map;

/**
 * HF's Rust tokenizer through DJL, offline, with its native library unpacked under target/. DJL would otherwise
 * truncate to 512 tokens and pad batches, neither of which tokenizer.json asks for.
 */
final class DjlTokenizers {
    private DjlTokenizers() {}

    static HuggingFaceTokenizer qwen3() throws Exception {
        return load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
    }

    static HuggingFaceTokenizer load(Path tokenizerJson) throws Exception {
        String cache = Path.of("target", "djl-cache").toAbsolutePath().toString();
        System.setProperty("DJL_CACHE_DIR", cache);
        System.setProperty("ENGINE_CACHE_DIR", cache);
        System.setProperty("offline", "true");
        return HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    }
}
