package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.server.chat.ChatSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chat}: an interactive conversation in the terminal. Answers stream as they are generated; reasoning is
 * shown dim, apart from the answer; tokens/s follow each answer. Lines starting with {@code /} are commands. When
 * stdin or stdout is not a terminal (scripts, pipes) there is no prompt and no colour: answers go to stdout, one
 * after another, and reasoning and statistics go to stderr.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model in the terminal.",
        footer = {"", "Commands: /reset (new conversation), /think, /no_think (thinking on/off), /exit"})
final class ChatCommand implements Callable<Integer> {
    private static final String DIM = "\033[2m", RESET = "\033[0m";

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = "--no-think", description = "Start with thinking off (Qwen3 enable_thinking=false).")
    boolean noThink;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "2048", description = "Longest answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--context", paramLabel = "N", defaultValue = "8192",
            description = "Context window kept for the conversation; older turns are dropped to fit (default: ${DEFAULT-VALUE}, at most the model's).")
    int context;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (default: generation_config's); 0 = greedy.")
    Double temperature;

    @Option(names = "--seed", paramLabel = "S", description = "Makes sampling reproducible.")
    Long seed;

    @Option(names = "--plain", description = "No prompt or colour even on a terminal.")
    boolean plain;

    @Override
    public Integer call() throws Exception {
        if (maxNewTokens < 1) throw new FangwushaException("--max-new-tokens: must be >= 1, got " + maxNewTokens);
        if (context < 16) throw new FangwushaException("--context: must be >= 16, got " + context);
        boolean tty = !plain && System.console() != null && System.console().isTerminal();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream info = tty ? out : new PrintStream(System.err, true, StandardCharsets.UTF_8);
        try (LanguageModel lm = modelOptions.load()) {
            ChatTemplate template = lm.chatTemplate();
            ChatSession session = new ChatSession(lm, template, system, context, Math.min(maxNewTokens, 256));
            SamplingParams params = lm.defaultSampling(maxNewTokens).withSeed(seed);
            if (temperature != null) params = params.withTemperature(temperature);
            boolean think = !noThink;
            if (tty) {
                out.println(DIM + "Chatting with " + lm.source().getFileName() + " (context " + session.contextTokens()
                        + " tokens, thinking " + (think ? "on" : "off") + "). /reset /think /no_think /exit" + RESET);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (tty) out.print("> ");
                String line = in.readLine();
                if (line == null) break;
                String text = line.strip();
                if (text.isEmpty()) continue;
                switch (text) {
                    case "/exit", "/quit" -> {
                        return 0;
                    }
                    case "/reset" -> {
                        session.reset();
                        info.println(dim(tty, "[new conversation]"));
                        continue;
                    }
                    case "/think" -> {
                        think = true;
                        info.println(dim(tty, "[thinking on]"));
                        continue;
                    }
                    case "/no_think" -> {
                        think = false;
                        info.println(dim(tty, "[thinking off]"));
                        continue;
                    }
                    default -> {
                        if (text.startsWith("/") && !text.contains(" ") && text.length() < 16) {
                            info.println(dim(tty, "[unknown command " + text + "; commands: /reset /think /no_think /exit]"));
                            continue;
                        }
                    }
                }
                answer(session, text, think, params, out, info, tty);
            }
        }
        return 0;
    }

    private static void answer(ChatSession session, String text, boolean think, SamplingParams params, PrintStream out,
                               PrintStream info, boolean tty) {
        boolean[] inReasoning = {false};
        boolean[] wroteContent = {false};
        ChatSession.Reply r;
        try {
            r = session.reply(text, think, params, d -> {
                if (!d.reasoningDelta().isEmpty()) {
                    if (tty) {
                        if (!inReasoning[0]) out.print(DIM);
                        out.print(d.reasoningDelta());
                    } else {
                        info.print(d.reasoningDelta());
                    }
                    inReasoning[0] = true;
                }
                if (!d.contentDelta().isEmpty()) {
                    if (inReasoning[0]) {
                        if (tty) out.print(RESET + "\n\n");
                        else info.println();
                        inReasoning[0] = false;
                    }
                    out.print(d.contentDelta());
                    wroteContent[0] = true;
                }
                out.flush();
            });
        } catch (FangwushaException e) {
            if (inReasoning[0] && tty) out.print(RESET);
            info.println(dim(tty, "[" + e.getMessage() + "]"));
            return;
        }
        if (inReasoning[0]) {
            if (tty) out.print(RESET);
            else info.println();
        }
        out.println();
        String stats = String.format("[%d tokens, %.1f tok/s, prompt %d tokens (%d cached) in %.2f s, %s%s]", r.generatedTokens(),
                r.tokensPerSecond(), r.promptTokens(), r.reusedTokens(), r.prefillNanos() / 1e9, r.finishReason().openAiName,
                r.droppedTurns() > 0 ? ", dropped " + r.droppedTurns() + " old turn(s) to fit the context" : "");
        info.println(dim(tty, stats));
    }

    private static String dim(boolean tty, String s) {
        return tty ? DIM + s + RESET : s;
    }
}
