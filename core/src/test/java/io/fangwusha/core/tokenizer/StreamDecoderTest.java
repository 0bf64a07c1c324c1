package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamDecoderTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
    }

    /** Streams ids and checks the pieces against decode. */
    static void check(int[] ids, boolean skip) {
        StreamDecoder d = tok.streamDecoder(skip);
        StringBuilder all = new StringBuilder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(d.push(id));
        pieces.add(d.flush());
        pieces.forEach(all::append);
        String expected = tok.decode(ids, skip);
        assertThat(all.toString()).isEqualTo(expected);
        for (String p : pieces) {
            // Pieces are whole text: no unpaired surrogates, and no U+FFFD unless decode produces one too.
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (Character.isHighSurrogate(c)) assertThat(i + 1 < p.length() && Character.isLowSurrogate(p.charAt(++i))).isTrue();
                else assertThat(Character.isLowSurrogate(c)).isFalse();
            }
            if (!expected.contains("\uFFFD")) assertThat(p).doesNotContain("\uFFFD");
        }
    }

    @Test
    void randomSequencesOverChineseAndEmoji() {
        String text = "床前明月光，疑是地上霜。😀😃👨‍👩‍👧‍👦 🇨🇳 举头望明月，低头思故乡。𠀀𠀁𪚥 龍飛鳳舞 ❤️ 👍🏽"
                + "<|im_start|>assistant\n<think>\n好的</think>你好<|im_end|>";
        int[] pool = tok.encode(text);
        Random rnd = new Random(42);
        for (int k = 0; k < 5000; k++) {
            int[] ids = new int[1 + rnd.nextInt(30)];
            for (int i = 0; i < ids.length; i++) {
                int r = rnd.nextInt(10);
                ids[i] = r < 7 ? pool[rnd.nextInt(pool.length)] : r < 9 ? rnd.nextInt(256) : rnd.nextInt(tok.size());
            }
            check(ids, rnd.nextBoolean());
        }
    }

    @Test
    void wholeTextsStreamToThemselvesWithoutReplacementChars() {
        for (String s : List.of("😀😃😄😁", "👨‍👩‍👧‍👦 family", "𰻞𰻞面很好吃", "床前明月光，疑是地上霜。", "<|im_start|>user\n你好<|im_end|>")) {
            int[] ids = tok.encode(s);
            StreamDecoder d = tok.streamDecoder(false);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String p = d.push(id);
                assertThat(p).doesNotContain("\uFFFD");
                sb.append(p);
            }
            assertThat(d.flush()).isEmpty();
            assertThat(sb.toString()).isEqualTo(s);
        }
    }

    @Test
    void emojiIsHeldBackUntilComplete() {
        // 😀 is F0 9F 98 80; byte tokens one at a time must emit nothing until the last one.
        byte[] b = "😀".getBytes(StandardCharsets.UTF_8);
        StreamDecoder d = tok.streamDecoder(false);
        for (int i = 0; i < b.length - 1; i++) assertThat(d.push(tok.tokenId(String.valueOf(ByteLevel.byteToChar(b[i]))))).isEmpty();
        assertThat(d.push(tok.tokenId(String.valueOf(ByteLevel.byteToChar(b[3]))))).isEqualTo("😀");
        // An incomplete tail is one U+FFFD at flush, as decode gives.
        d.push(tok.tokenId(String.valueOf(ByteLevel.byteToChar(b[0]))));
        assertThat(d.flush()).isEqualTo("\uFFFD");
    }
}
