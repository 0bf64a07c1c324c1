package io.fangwusha.server.engine;

import io.fangwusha.core.generate.FinishReason;

/** What the scheduler tells a request's handler, in order, per choice index. */
public sealed interface JobEvent {
    int index();

    /**
     * One generated token (or, with {@code id < 0}, text released at the end). {@code text} is what may be shown
     * now after stop strings and the content filter (possibly empty, since text is held back while it could still
     * be the start of a stop string or a blocked term).
     */
    record Token(int index, int id, String text, TokenLogprobs logprobs) implements JobEvent {}

    /** The choice ended. {@code completionTokens} counts generated ids, a final eos included (as vLLM). */
    record Finished(int index, FinishReason reason, int completionTokens) implements JobEvent {}

    /** The engine failed on this request (a bug or resource problem, not the user's input). */
    record Failed(int index, String message) implements JobEvent {}
}
