package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;

/** A classification loss over scores of shape [N, classes] and integer labels. */
public interface Loss {

    /** Allocates the gradient buffer for scores of this shape (its batch the largest). */
    void build(Shape scores, Arena arena);

    /**
     * The loss (mean over the batch) for {@code scores} and the first N entries of {@code labels};
     * keeps what {@link #backward()} needs. A label outside [0, classes) is an error.
     */
    float forward(Tensor scores, int[] labels);

    /** d(loss)/d(scores) for the last forward: overwrites and returns the loss's own buffer. */
    Tensor backward();

    String describe();
}
