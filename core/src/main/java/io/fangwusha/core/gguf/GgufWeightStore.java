package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A {@link WeightStore} view of a GGUF file under Hugging Face tensor names. */
final class GgufWeightStore implements WeightStore {
    private final GgufFile file;
    private final Map<String, String> hfToGguf = new LinkedHashMap<>();

    GgufWeightStore(GgufFile file) {
        this.file = file;
        for (String g : file.tensorInfos().keySet()) {
            String hf = GgufTensorNames.toHf(g);
            hfToGguf.put(hf != null ? hf : g, g);
        }
    }

    @Override
    public Tensor tensor(String name) {
        String g = hfToGguf.get(name);
        if (g == null) throw new FangwushaException(source() + ": no tensor '" + name + "'");
        Tensor t = file.tensor(g);
        return t.with(name, t.shape());
    }

    @Override
    public boolean contains(String name) {
        return hfToGguf.containsKey(name);
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(hfToGguf.keySet());
    }

    @Override
    public String source() {
        return file.path().getFileName().toString();
    }

    @Override
    public void close() {
        file.close();
    }
}
