package io.fangwusha.server;

import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;

/**
 * @param modelId     the name clients use in {@code model} (default: the checkpoint directory's name)
 * @param apiKey      required as {@code Authorization: Bearer KEY} on {@code /v1/*} when not null
 * @param maxModelLen prompt plus completion tokens per sequence; each running sequence holds a float32 KV cache of
 *                    its prompt plus its {@code max_tokens}, allocated when it starts
 */
public record ServerOptions(String host, int port, String apiKey, String modelId, int maxModelLen,
                            EngineOptions engine, ContentFilter contentFilter) {
    public ServerOptions {
        if (contentFilter == null) contentFilter = ContentFilter.NONE;
        if (engine == null) engine = EngineOptions.defaults();
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
    }
}
