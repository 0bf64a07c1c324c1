package io.fangwusha.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.template.ReasoningParser.Delta;
import io.fangwusha.core.template.ReasoningParser.Newlines;
import io.fangwusha.core.template.ReasoningParser.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReasoningParserTest {
    private static Result stream(List<String> pieces, boolean startsInReasoning, Newlines nl, boolean checkNoTagLeak) {
        ReasoningParser p = new ReasoningParser(startsInReasoning, nl);
        StringBuilder r = new StringBuilder();
        StringBuilder c = new StringBuilder();
        List<Delta> deltas = new ArrayList<>();
        for (String piece : pieces) deltas.add(p.push(piece));
        deltas.add(p.finish());
        for (Delta d : deltas) {
            if (checkNoTagLeak) {
                assertThat(d.reasoningDelta()).doesNotContain("<");
                assertThat(d.contentDelta()).doesNotContain("<");
            }
            r.append(d.reasoningDelta());
            c.append(d.contentDelta());
        }
        return new Result(r.toString(), c.toString());
    }

    @Test
    void keepModeMatchesVllmQwen3Cases() {
        // vLLM tests/reasoning/test_qwen3_reasoning_parser.py (its None is our "").
        assertThat(ReasoningParser.parse("<think>This is a reasoning section</think>This is the rest", false, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning section", "This is the rest"));
        assertThat(ReasoningParser.parse("This is a reasoning section</think>This is the rest", true, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning section", "This is the rest"));
        assertThat(ReasoningParser.parse("<think>This is a reasoning section</think>", false, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning section", ""));
        assertThat(ReasoningParser.parse("<think>This is a reasoning\nsection</think>This is the rest\nThat", false, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning\nsection", "This is the rest\nThat"));
        assertThat(ReasoningParser.parse("<think>This is a reasoning section", false, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning section", ""));
        assertThat(ReasoningParser.parse("This is a reasoning section", true, Newlines.KEEP))
                .isEqualTo(new Result("This is a reasoning section", ""));
        // Thinking disabled: no tags, all content.
        assertThat(ReasoningParser.parse("This is plain content", false, Newlines.KEEP))
                .isEqualTo(new Result("", "This is plain content"));
        // vLLM keeps Qwen's newlines verbatim.
        assertThat(ReasoningParser.parse("<think>\nr\n</think>\n\nc", false, Newlines.KEEP))
                .isEqualTo(new Result("\nr\n", "\n\nc"));
    }

    @Test
    void stripModeNormalisesLikeTheChatTemplate() {
        assertThat(ReasoningParser.parse("<think>\n这是推理。\n第二行\n</think>\n\n答案。\n", false, Newlines.STRIP))
                .isEqualTo(new Result("这是推理。\n第二行", "答案。\n"));
        assertThat(ReasoningParser.parse("<think>\n\n</think>\n\nHi", false, Newlines.STRIP)).isEqualTo(new Result("", "Hi"));
        assertThat(ReasoningParser.parse("\nNo think block.", false, Newlines.STRIP)).isEqualTo(new Result("", "\nNo think block."));
        assertThat(ReasoningParser.parse("a <think> b", false, Newlines.STRIP)).isEqualTo(new Result("", "a <think> b"));
    }

    @Test
    void promptDecidesWhetherOutputStartsInReasoning() {
        assertThat(ReasoningParser.promptOpensReasoning("<|im_start|>assistant\n<think>\n")).isTrue();
        assertThat(ReasoningParser.promptOpensReasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n")).isFalse();
        assertThat(ReasoningParser.promptOpensReasoning("<|im_start|>assistant\n")).isFalse();
        ReasoningParser p = ReasoningParser.forPrompt("<|im_start|>assistant\n<think>\n");
        Delta a = p.push("思考中</thi");
        Delta b = p.push("nk>\n\n答案");
        assertThat(a).isEqualTo(new Delta("思考中", ""));
        assertThat(b).isEqualTo(new Delta("", "答案"));
        assertThat(p.finish().isEmpty()).isTrue();
    }

    @Test
    void tagsSplitAcrossChunksNeverLeak() {
        ReasoningParser p = new ReasoningParser(false, Newlines.STRIP);
        assertThat(p.push("<")).isEqualTo(new Delta("", ""));
        assertThat(p.push("thi")).isEqualTo(new Delta("", ""));
        assertThat(p.push("nk>\nstep 1")).isEqualTo(new Delta("step 1", ""));
        assertThat(p.push("\n")).isEqualTo(new Delta("", "")); // may be the newline before </think>
        assertThat(p.push("<")).isEqualTo(new Delta("", ""));
        assertThat(p.push("/think")).isEqualTo(new Delta("", ""));
        assertThat(p.push(">")).isEqualTo(new Delta("", ""));
        assertThat(p.push("\n\nAn")).isEqualTo(new Delta("", "An"));
        assertThat(p.push("swer <b>")).isEqualTo(new Delta("", "swer <b>"));
        assertThat(p.finish()).isEqualTo(new Delta("", ""));
    }

    @Test
    void partialTagAtEndOfStreamIsText() {
        assertThat(stream(List.of("<thi"), false, Newlines.STRIP, false)).isEqualTo(new Result("", "<thi"));
        assertThat(stream(List.of("<think>abc</th"), false, Newlines.STRIP, false)).isEqualTo(new Result("abc</th", ""));
        assertThat(ReasoningParser.parse("<think>abc</th", false, Newlines.STRIP)).isEqualTo(new Result("abc</th", ""));
    }

    @Test
    void randomChunkingsEqualWholeTextParse() {
        List<String> texts = List.of(
                "<think>\n用户问1+1。\n答案是2。\n</think>\n\n1+1等于2。",
                "<think>\n\n</think>\n\nHello!",
                "<think>a\n\n\nb\n</think>\n\n\n\nc\n\n",
                "Plain answer without thinking.\n\nSecond paragraph.",
                "reasoning already open\nline\n</think>\n\ncontent",
                "never closes\n\n",
                "<think>\nonly reasoning, truncated",
                "\n\n</think>\n\n",
                "😀 emoji <think> not at start </think> stays",
                "");
        Random rnd = new Random(20240611L);
        for (String text : texts) {
            for (boolean starts : new boolean[] {false, true}) {
                for (Newlines nl : Newlines.values()) {
                    Result whole = ReasoningParser.parse(text, starts, nl);
                    // Where the whole-text split holds no '<', no delta may hold one: no partial tag leaked.
                    boolean leakCheck = !whole.reasoning().contains("<") && !whole.content().contains("<");
                    for (int trial = 0; trial < 200; trial++) {
                        List<String> pieces = new ArrayList<>();
                        int i = 0;
                        while (i < text.length()) {
                            int len = 1 + rnd.nextInt(trial % 2 == 0 ? 3 : 12);
                            int j = Math.min(text.length(), i + len);
                            pieces.add(text.substring(i, j));
                            if (rnd.nextInt(5) == 0) pieces.add("");
                            i = j;
                        }
                        assertThat(stream(pieces, starts, nl, leakCheck)).as("%s / %s / %s / %s", text, starts, nl, pieces)
                                .isEqualTo(whole);
                    }
                }
            }
        }
    }
}
