package io.fangwusha.server.api;

import io.fangwusha.core.generate.SamplingParams;
import java.util.List;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request, ready for the scheduler.
 *
 * @param choices          sampling per choice ({@code n} of them; seeds differ per choice when a seed is set)
 * @param logprobs         top log-probabilities per token, or -1 when not asked (0: only the chosen token's)
 * @param promptOpensThink the rendered prompt ends inside {@code <think>}, so the output starts with reasoning
 * @param splitReasoning   report {@code reasoning_content} apart from {@code content} (chat only)
 * @param parseToolCalls   find {@code <tool_call>} blocks in the content and report them as {@code tool_calls}
 *                         (chat with tools, tool_choice not "none")
 */
public record CompletionRequest(
        boolean chat,
        int[] promptIds,
        List<SamplingParams> choices,
        boolean stream,
        boolean includeUsage,
        int logprobs,
        boolean promptOpensThink,
        boolean splitReasoning,
        boolean echo,
        String promptText,
        boolean parseToolCalls) {}
