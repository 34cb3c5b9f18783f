package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;

/** A classification loss over scores of shape [N, classes] and integer labels. */
public interface Loss {

    /**
     * Allocates the gradient buffer for scores of this shape (its batch the largest).
     *
     * @param scores the scores' shape, [N, classes]
     * @param arena owns the buffer
     */
    void build(Shape scores, Arena arena);

    /**
     * The loss (mean over the batch) for {@code scores} and the first N entries of {@code labels};
     * keeps what {@link #backward()} needs. A label outside [0, classes) is an error.
     *
     * @param scores the model's output, [n, classes] with n up to the built batch
     * @param labels at least n labels
     * @return the mean loss
     */
    float forward(Tensor scores, int[] labels);

    /**
     * d(loss)/d(scores) for the last forward: overwrites and returns the loss's own buffer.
     *
     * @return the gradient, valid until the next forward
     */
    Tensor backward();

    /**
     * One line for logs, e.g. the loss's name and settings.
     *
     * @return the description
     */
    String describe();
}
