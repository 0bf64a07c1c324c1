package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vocabulary built from tiny-qwen3-a's HF files against the one llama.cpp's converter wrote into the fixture. */
class HfVocabTest {
    @TempDir
    Path dir;

    @Test
    void equalsTheVocabLlamaCppWroteForTheSameTokenizer() {
        GgufVocab ours = GgufVocab.fromHuggingFace(GgufFixtureTest.HF);
        GgufVocab ref;
        try (GgufFile f = GgufFile.open(GgufFixtureTest.GGUF)) {
            ref = f.vocab();
        }
        assertThat(ours.model()).isEqualTo(ref.model());
        assertThat(ours.pre()).isEqualTo(ref.pre());
        assertThat(ours.tokens()).hasSize(ref.tokens().size());
        for (int i = 0; i < ref.tokens().size(); i++) {
            assertThat(ours.tokens().get(i)).as("token %d", i).isEqualTo(ref.tokens().get(i));
        }
        assertThat(ours.tokenTypes()).isEqualTo(ref.tokenTypes());
        assertThat(ours.merges()).isEqualTo(ref.merges());
        assertThat(ours.bosId()).isEqualTo(ref.bosId());
        assertThat(ours.eosId()).isEqualTo(ref.eosId());
        assertThat(ours.paddingId()).isEqualTo(ref.paddingId());
        assertThat(ours.addBos()).isEqualTo(ref.addBos());
        assertThat(ours.chatTemplate()).isEqualTo(ref.chatTemplate());
        assertThat(ours.sameAs(ref)).isTrue();
    }

    @Test
    void typesFollowTheConvertersRule() {
        GgufVocab v = GgufVocab.fromHuggingFace(GgufFixtureTest.HF);
        assertThat(v.tokenTypes()[151643]).isEqualTo(GgufVocab.TYPE_CONTROL); // <|endoftext|>, special
        assertThat(v.tokenTypes()[151659]).isEqualTo(GgufVocab.TYPE_CONTROL); // <|fim_prefix|>: special=false, looks special
        assertThat(v.tokenTypes()[151667]).isEqualTo(GgufVocab.TYPE_USER_DEFINED); // <think>
        assertThat(v.tokens().get(151669)).isEqualTo("[PAD151669]");
        assertThat(v.tokenTypes()[151935]).isEqualTo(GgufVocab.TYPE_UNUSED);
        assertThat(HfVocab.looksSpecial("<｜begin▁of▁sentence｜>")).isTrue();
        assertThat(HfVocab.looksSpecial("<tool_call>")).isFalse();
    }

    @Test
    void missingOrBrokenFilesAreOneLineErrors() throws Exception {
        assertThatThrownBy(() -> GgufVocab.fromHuggingFace(dir))
                .isInstanceOf(FangwushaException.class).hasMessageContaining("tokenizer.json: no such file");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 10}");
        assertThatThrownBy(() -> GgufVocab.fromHuggingFace(dir))
                .isInstanceOf(FangwushaException.class).hasMessageContaining("is not BPE");
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": ");
        assertThatThrownBy(() -> GgufVocab.fromHuggingFace(dir))
                .isInstanceOf(FangwushaException.class).hasMessageContaining("config.json: invalid JSON").hasMessageNotContaining("\n");
    }
}
