package dev.stride.train;

import dev.stride.tensor.Tensor;

/**
 * A tensor with the name it has in a checkpoint, e.g. {@code "conv1.weight"} or
 * {@code "optim.velocity.0"}. Names are chosen by whoever assembles the list (the model for its
 * parameters, the optimiser for its state); the checkpoint only requires them unique.
 *
 * @param name the checkpoint name, not empty
 * @param tensor the tensor
 */
public record NamedTensor(String name, Tensor tensor) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the name is null or empty or the tensor null
     */
    public NamedTensor {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint tensor needs a non-empty name (got " + (name == null ? "null" : "\"\"") + ")");
        }
        if (tensor == null) {
            throw new IllegalArgumentException("checkpoint tensor " + name + " is null");
        }
    }
}
