package io.fangwusha.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.server.api.ToolCallParser.ToolCall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hermes/Qwen3 tool-call blocks: what is a call, what stays content, and streaming equals parsing the whole text. */
class ToolCallParserTest {
    static final String WEATHER = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"北京\", \"unit\": \"celsius\"}}\n</tool_call>";
    static final String CALC = "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12*7\", \"opts\": {\"exact\": true, \"digits\": [1, 2]}}}\n</tool_call>";

    @Test
    void oneCallWithTextBefore() {
        ToolCallParser.Result r = ToolCallParser.parse("我来查一下。\n" + WEATHER);
        assertThat(r.content()).isEqualTo("我来查一下。\n");
        assertThat(r.calls()).containsExactly(new ToolCall("get_weather", "{\"city\": \"北京\", \"unit\": \"celsius\"}"));
    }

    @Test
    void severalCallsOnlyWhitespaceAroundGiveNullContent() {
        ToolCallParser.Result r = ToolCallParser.parse(WEATHER + "\n" + CALC + "\n");
        assertThat(r.content()).isNull();
        // Nested objects and arrays are kept exactly as the model wrote them.
        assertThat(r.calls()).containsExactly(
                new ToolCall("get_weather", "{\"city\": \"北京\", \"unit\": \"celsius\"}"),
                new ToolCall("calculator", "{\"expression\": \"12*7\", \"opts\": {\"exact\": true, \"digits\": [1, 2]}}"));
    }

    @Test
    void textBetweenAndAfterCallsIsContent() {
        ToolCallParser.Result r = ToolCallParser.parse("A" + WEATHER + " B " + CALC + "C");
        assertThat(r.content()).isEqualTo("A B C");
        assertThat(r.calls()).extracting(ToolCall::name).containsExactly("get_weather", "calculator");
        // Whitespace-only text between and after calls is layout, not content (as vLLM reports only the text before).
        r = ToolCallParser.parse("我来查一下。\n" + WEATHER + "\n" + CALC + "\n");
        assertThat(r.content()).isEqualTo("我来查一下。\n");
        assertThat(r.calls()).extracting(ToolCall::name).containsExactly("get_weather", "calculator");
    }

    @Test
    void malformedBlocksStayContentVerbatim() {
        String bad = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"北京\"\n</tool_call>";
        ToolCallParser.Result r = ToolCallParser.parse(bad + "\n" + CALC);
        assertThat(r.content()).isEqualTo(bad + "\n");
        assertThat(r.calls()).extracting(ToolCall::name).containsExactly("calculator");

        for (String body : List.of(
                "{\"arguments\": {}}",                              // no name
                "{\"name\": 3, \"arguments\": {}}",                 // name not a string
                "{\"name\": \"\", \"arguments\": {}}",              // empty name
                "{\"name\": \"f\", \"arguments\": [1]}",            // arguments not an object
                "{\"name\": \"f\", \"arguments\": {}} trailing",   // text after the object
                "[\"f\"]",                                          // not an object
                "{'name': 'f'}",                                    // not JSON
                "")) {
            String block = "<tool_call>" + body + "</tool_call>";
            assertThat(ToolCallParser.parse(block)).as(body).isEqualTo(new ToolCallParser.Result(block, List.of()));
        }
    }

    @Test
    void argumentsAsStringAreTakenAsIsAndAbsentAreEmpty() {
        assertThat(ToolCallParser.parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>").calls())
                .containsExactly(new ToolCall("f", "{\"a\": 1}"));
        assertThat(ToolCallParser.parse("<tool_call>{\"name\": \"f\"}</tool_call>").calls()).containsExactly(new ToolCall("f", "{}"));
        // Other keys are ignored; the arguments' own text (no re-serialisation) is kept, spacing included.
        assertThat(ToolCallParser.parse("<tool_call>{\"id\": [1, {\"x\": 2}], \"name\": \"f\", \"arguments\":{\"a\":\"</\\\"}\"}}</tool_call>").calls())
                .containsExactly(new ToolCall("f", "{\"a\":\"</\\\"}\"}"));
    }

    @Test
    void unclosedLastBlockIsACallOnlyIfItParses() {
        String unclosed = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n";
        assertThat(ToolCallParser.parse("x" + unclosed)).isEqualTo(new ToolCallParser.Result("x", List.of(new ToolCall("f", "{\"a\": 1}"))));
        String truncated = "<tool_call>\n{\"name\": \"f\", \"argum";
        assertThat(ToolCallParser.parse("x" + truncated)).isEqualTo(new ToolCallParser.Result("x" + truncated, List.of()));
    }

    @Test
    void plainTextAndLookalikesPassThrough() {
        assertThat(ToolCallParser.parse("no calls here").content()).isEqualTo("no calls here");
        assertThat(ToolCallParser.parse("a <tool").content()).isEqualTo("a <tool");
        assertThat(ToolCallParser.parse("<tool_cal> <tool> </tool_call>").content()).isEqualTo("<tool_cal> <tool> </tool_call>");
        assertThat(ToolCallParser.parse(" \n\t").content()).isNull();
        assertThat(ToolCallParser.parse("").content()).isNull();
        // Whitespace is kept when text follows it, dropped when a call does.
        assertThat(ToolCallParser.parse("\n\n" + WEATHER + "\nok").content()).isEqualTo("\nok");
        assertThat(ToolCallParser.parse("\n\nok " + WEATHER).content()).isEqualTo("\n\nok ");
    }

    static final List<String> TEXTS = List.of(
            "我来查一下。\n" + WEATHER,
            WEATHER + "\n" + CALC + "\n",
            "A" + WEATHER + " B " + CALC + "C",
            "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": \"<tool_call>\"\n</tool_call>\n" + CALC,
            "x <tool_ca <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}",
            "\n \n" + WEATHER + "\n\n",
            "我来查一下。\n" + WEATHER + "\n" + CALC + "\n",
            " a" + WEATHER + " \n b \n" + CALC + " \n",
            "<<tool_call>{\"name\": \"f\"}</tool_call><",
            "plain answer, no tools, 北京 <tool");

    /** Pieces in order, with text merged across pieces: what a streaming client sees. */
    record Seen(String content, List<ToolCall> calls) {}

    static Seen stream(List<String> deltas) {
        ToolCallParser p = new ToolCallParser();
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        List<ToolCallParser.Piece> pieces = new ArrayList<>();
        for (String d : deltas) pieces.addAll(p.push(d));
        pieces.addAll(p.finish());
        for (ToolCallParser.Piece piece : pieces) {
            switch (piece) {
                case ToolCallParser.Text t -> {
                    assertThat(t.text()).isNotEmpty();
                    content.append(t.text());
                }
                case ToolCallParser.Call c -> calls.add(c.call());
            }
        }
        return new Seen(content.isEmpty() ? null : content.toString(), calls);
    }

    @Test
    void streamingSplitAtEveryBoundaryGivesTheSameResult() {
        for (String text : TEXTS) {
            ToolCallParser.Result whole = ToolCallParser.parse(text);
            Seen expected = new Seen(whole.content(), whole.calls());
            for (int i = 0; i <= text.length(); i++) {
                assertThat(stream(List.of(text.substring(0, i), text.substring(i)))).as("%s split at %d", text, i).isEqualTo(expected);
                for (int j = i; j <= text.length(); j += 7) {
                    assertThat(stream(List.of(text.substring(0, i), text.substring(i, j), text.substring(j))))
                            .as("%s split at %d, %d", text, i, j).isEqualTo(expected);
                }
            }
            List<String> chars = text.chars().mapToObj(c -> String.valueOf((char) c)).toList();
            assertThat(stream(chars)).as("%s one char at a time", text).isEqualTo(expected);
        }
    }

    @Test
    void streamingNeverShowsPartOfACallAsContent() {
        String text = "先说一句。" + WEATHER + "再说一句。";
        ToolCallParser p = new ToolCallParser();
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            for (ToolCallParser.Piece piece : p.push(String.valueOf(text.charAt(i)))) {
                if (piece instanceof ToolCallParser.Text t) shown.append(t.text());
            }
            assertThat("先说一句。再说一句。").startsWith(shown);
        }
        for (ToolCallParser.Piece piece : p.finish()) if (piece instanceof ToolCallParser.Text t) shown.append(t.text());
        assertThat(shown.toString()).isEqualTo("先说一句。再说一句。");
    }
}
