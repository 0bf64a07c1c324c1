package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.fangwusha.core.Fixtures;
import org.junit.jupiter.api.Test;

/** Measures (never asserts) encode speed on classical-zh.txt, ours cold/warm and HF via DJL. Prints the figures. */
class TokenizerTimingTest {

    @Test
    void encodeClassicalPoetry() throws Exception {
        String text = Corpus.whole("corpus/chinese-poetry/classical-zh.txt");
        long t0 = System.nanoTime();
        Tokenizer ours = Tokenizer.load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
        long load = System.nanoTime() - t0;
        t0 = System.nanoTime();
        int[] cold = ours.encode(text);
        long coldNs = System.nanoTime() - t0;
        long warmNs = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            t0 = System.nanoTime();
            ours.encode(text);
            warmNs = Math.min(warmNs, System.nanoTime() - t0);
        }
        try (HuggingFaceTokenizer hf = DjlTokenizers.qwen3()) {
            long hfNs = Long.MAX_VALUE;
            long[] hfIds = null;
            for (int i = 0; i < 3; i++) {
                t0 = System.nanoTime();
                hfIds = hf.encode(text, false, false).getIds();
                hfNs = Math.min(hfNs, System.nanoTime() - t0);
            }
            assertThat(hfIds.length).isEqualTo(cold.length);
            System.out.printf("TIMING classical-zh.txt: %d chars -> %d tokens; load %.0f ms; ours cold %.0f ms, warm %.0f ms;"
                    + " HF (DJL, best of 3) %.0f ms%n", text.length(), cold.length, load / 1e6, coldNs / 1e6, warmNs / 1e6, hfNs / 1e6);
        }
    }
}
