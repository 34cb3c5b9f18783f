package dev.stride.tensor;

/**
 * A shape that does not fit: a layer fed the wrong input, a convolution whose stride does not tile
 * its input. The message names the layer, the shapes involved and, where it helps, the arithmetic.
 */
public final class ShapeException extends IllegalArgumentException {
    /**
     * An exception with this message.
     *
     * @param message what did not match, naming the shapes
     */
    public ShapeException(String message) {
        super(message);
    }
}
