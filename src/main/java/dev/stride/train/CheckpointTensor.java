package dev.stride.train;

import dev.stride.tensor.Shape;

/**
 * A tensor as read from a checkpoint: its name, shape and values (row-major, on the heap).
 *
 * @param name  the name it was saved under
 * @param shape its shape
 * @param data  {@code shape.size()} values; the array belongs to the checkpoint, copy it before changing it
 */
public record CheckpointTensor(String name, Shape shape, float[] data) {

    /**
     * Checks that the values fit the shape.
     *
     * @throws IllegalArgumentException when {@code data.length} is not {@code shape.size()}
     */
    public CheckpointTensor {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("checkpoint tensor " + name + ": " + data.length + " values for shape " + shape);
        }
    }
}
