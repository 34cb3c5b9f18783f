package dev.stride.nn;

import dev.stride.tensor.Tensor;

/**
 * A learned tensor and its gradient, both owned by the model's arena. Gradients accumulate across
 * backward passes until {@link #zeroGrad()}; optimisers read {@link #grad()} and write
 * {@link #value()}.
 *
 * @param name   the full name by path, as PyTorch's {@code state_dict} has it ("features.0.weight")
 * @param value  the values
 * @param grad   the gradient, same shape as {@code value}; null in a model built for inference
 * @param fanIn  inputs feeding each output unit (for initialisation)
 * @param fanOut outputs each input unit feeds (for initialisation)
 * @param init   how {@link Init} sets it
 * @param decays whether weight decay applies to it (weights yes; biases, slopes and norms' scales no)
 */
public record Parameter(String name, Tensor value, Tensor grad, int fanIn, int fanOut, InitRule init, boolean decays) {

    /**
     * Checks that the gradient, when there is one, has the value's shape.
     *
     * @throws IllegalArgumentException when the shapes differ
     */
    public Parameter {
        if (grad != null && !value.shape().equals(grad.shape())) {
            throw new IllegalArgumentException("parameter " + name + ": value " + value.shape() + " and grad " + grad.shape() + " differ");
        }
    }

    /**
     * The gradient; a clear error in a model built for inference.
     *
     * @return the gradient
     * @throws IllegalStateException in a model built for inference
     */
    @Override
    public Tensor grad() {
        if (grad == null) {
            throw new IllegalStateException("parameter " + name + " has no gradient: its model was built for inference; "
                    + "build with BuildOptions.training() to train");
        }
        return grad;
    }

    /**
     * Whether the parameter has a gradient (false in a model built for inference).
     *
     * @return true when there is a gradient
     */
    public boolean hasGrad() {
        return grad != null;
    }

    /**
     * Sets the gradient to zero.
     *
     * @throws IllegalStateException in a model built for inference
     */
    public void zeroGrad() {
        grad().zero();
    }
}
