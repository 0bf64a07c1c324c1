package io.fangwusha.core.generate;

/** Why a generation ended, with OpenAI's names. */
public enum FinishReason {
    /** An eos token or a stop string. */
    STOP("stop"),
    /** max_new_tokens or the context window. */
    LENGTH("length"),
    /** The operator's content filter blocked the output. */
    CONTENT_FILTER("content_filter"),
    /** The client went away. */
    CANCELLED("cancelled");

    public final String openAiName;

    FinishReason(String name) {
        this.openAiName = name;
    }
}
