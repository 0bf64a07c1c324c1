package io.fangwusha.core.weights;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face checkpoint directory: either {@code model.safetensors.index.json} (its
 * {@code weight_map} names the shard of every tensor; each shard is mapped once) or a single
 * {@code model.safetensors}. As in transformers, the index is authoritative when present.
 */
public final class SafetensorsStore implements WeightStore {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final String source;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private SafetensorsStore(String source, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.source = source;
        this.files = files;
        this.tensors = tensors;
    }

    /** Opens the weights in {@code dir} (a checkpoint directory) or the single file {@code dir} itself. */
    public static SafetensorsStore open(Path dir) {
        if (Files.isRegularFile(dir)) return single(dir);
        if (!Files.isDirectory(dir)) throw new FangwushaException(dir + ": no such checkpoint directory");
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) return sharded(dir, index);
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(single)) return single(single);
        throw new FangwushaException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
    }

    private static SafetensorsStore single(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (String n : f.names()) map.put(n, f.tensor(n));
        return new SafetensorsStore(file.toString(), List.of(f), Collections.unmodifiableMap(map));
    }

    private static SafetensorsStore sharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, Tensor> map = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shardName = e.getValue();
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path p = dir.resolve(shardName);
                    if (!Files.isRegularFile(p)) {
                        throw new FangwushaException(INDEX + ": shard '" + shardName + "' (holding '" + e.getKey()
                                + "') not found in " + dir);
                    }
                    shard = SafetensorsFile.open(p);
                    shards.put(shardName, shard);
                }
                Tensor t = shard.find(e.getKey());
                if (t == null) {
                    throw new FangwushaException(INDEX + ": maps '" + e.getKey() + "' to " + shardName
                            + ", which has no such tensor");
                }
                map.put(e.getKey(), t);
            }
        } catch (RuntimeException ex) {
            shards.values().forEach(SafetensorsFile::close);
            throw ex;
        }
        return new SafetensorsStore(dir.toString(), new ArrayList<>(shards.values()), Collections.unmodifiableMap(map));
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (JacksonException e) {
            throw new FangwushaException(INDEX + ": malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (NoSuchFileException e) {
            throw new FangwushaException(index + ": file not found");
        } catch (IOException e) {
            throw new FangwushaException(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new FangwushaException(INDEX + ": missing object 'weight_map'");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            String shard = e.getValue().isTextual() ? e.getValue().asText() : null;
            // A shard name is a plain file name next to the index; refuse paths that would escape the directory.
            if (shard == null || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
                throw new FangwushaException(INDEX + ": weight_map['" + e.getKey() + "'] is not a shard file name: "
                        + e.getValue());
            }
            out.put(e.getKey(), shard);
        }
        return out;
    }

    /** The mapped files (one, or one per shard), in first-use order. */
    public List<SafetensorsFile> files() {
        return Collections.unmodifiableList(files);
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new FangwushaException(source + ": no tensor '" + name + "'");
        return t;
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
