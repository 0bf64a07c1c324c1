package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.Fixtures;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.core.template.ReasoningParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code chat} driven by piped stdin, in-process: plain output, commands, cached prefixes, dropped turns. */
class ChatCommandTest {
    static final Path MODEL = Fixtures.model("tiny-qwen3-a");

    record Run(int code, String out, String err) {}

    static synchronized Run chat(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new ChatCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void pipedConversationWithCommands() {
        Run r = chat("你好\n/no_think\n再说一遍\n/reset\n/think\n/bogus\n/exit\nnever read\n",
                "--model", MODEL.toString(), "--threads", "2", "--temperature", "0", "--max-new-tokens", "12", "--plain");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("\033[").doesNotContain("> ");
        assertThat(r.err()).contains("[thinking off]", "[new conversation]", "[thinking on]", "[unknown command /bogus");
        List<String> stats = r.err().lines().filter(l -> l.contains("tok/s")).toList();
        assertThat(stats).hasSize(2);
        assertThat(stats.get(0)).contains("(0 cached)").contains("12 tokens");
        // The second turn re-renders the conversation: its start is already in the KV cache.
        assertThat(stats.get(1)).doesNotContain("(0 cached)");

        // The first answer is the model's greedy continuation of our template's rendering of the same message.
        try (LanguageModel lm = LanguageModel.load(MODEL, LoadOptions.defaults().withThreads(2))) {
            ChatTemplate t = ChatTemplate.fromTokenizerConfig(MODEL.resolve("tokenizer_config.json"));
            String prompt = t.render(List.of(Map.of("role", "user", "content", "你好")), null, true, Map.of("enable_thinking", true));
            GenerationResult g = lm.generate(lm.encode(prompt), lm.defaultSampling(12).withTemperature(0), null);
            String content = ReasoningParser.parse(g.text(), false, ReasoningParser.Newlines.STRIP).content();
            assertThat(r.out()).startsWith(content + "\n");
        }
    }

    @Test
    void oldTurnsAreDroppedToFitTheContext() {
        String stdin = "第一个问题，请详细回答\n第二个问题，请详细回答\n第三个问题，请详细回答\n";
        Run r = chat(stdin, "--model", MODEL.toString(), "--threads", "2", "--temperature", "0", "--max-new-tokens", "24",
                "--context", "80", "--plain");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.contains("tok/s")).count()).isEqualTo(3);
        assertThat(r.err()).contains("dropped");
    }

    @Test
    void badOptionIsAUserError() {
        Run r = chat("", "--model", MODEL.toString(), "--context", "3");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--context");
    }
}
