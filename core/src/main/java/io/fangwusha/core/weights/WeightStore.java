package io.fangwusha.core.weights;

import java.util.Set;

/** Named tensors from one checkpoint (one or many files), valid until closed. */
public interface WeightStore extends AutoCloseable {
    /** The tensor, or a {@link io.fangwusha.core.FangwushaException} naming the missing tensor and the checkpoint. */
    Tensor tensor(String name);

    boolean contains(String name);

    Set<String> names();

    /** Where the weights came from, for messages. */
    String source();

    @Override
    void close();
}
