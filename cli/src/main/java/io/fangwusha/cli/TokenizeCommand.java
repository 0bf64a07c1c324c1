package io.fangwusha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokenize}: one {@code {"ids": [...]}} line per input text. Loads only the tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print token ids as JSON lines.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint directory (its tokenizer.json is used).")
    Path model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", description = "Text to tokenize.")
        String text;

        @Option(names = "--input", paramLabel = "FILE.jsonl", description = "JSON lines with a 'text' field.")
        Path file;
    }

    @Option(names = "--no-special", description = "Treat added-token strings such as <|im_start|> as plain text.")
    boolean noSpecial;

    @Override
    public Integer call() throws Exception {
        Path tokJson = Files.isDirectory(model) ? model.resolve("tokenizer.json") : model;
        if (!Files.isRegularFile(tokJson)) throw new FangwushaException(tokJson + ": no such file");
        Tokenizer tok = Tokenizer.load(tokJson);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        ObjectMapper om = new ObjectMapper();
        if (input.text != null) {
            out.println(idsLine(om, tok.encode(input.text, !noSpecial)));
        } else {
            if (!Files.isRegularFile(input.file)) throw new FangwushaException(input.file + ": no such file");
            try (BufferedReader r = Files.newBufferedReader(input.file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    JsonNode node;
                    try {
                        node = om.readTree(line);
                    } catch (Exception e) {
                        throw new FangwushaException(input.file + ":" + n + ": malformed JSON");
                    }
                    JsonNode text = node.get("text");
                    if (text == null || !text.isTextual()) throw new FangwushaException(input.file + ":" + n + ": missing string field 'text'");
                    out.println(idsLine(om, tok.encode(text.asText(), !noSpecial)));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static String idsLine(ObjectMapper om, int[] ids) {
        var o = om.createObjectNode();
        ArrayNode a = o.putArray("ids");
        for (int id : ids) a.add(id);
        return o.toString();
    }
}
