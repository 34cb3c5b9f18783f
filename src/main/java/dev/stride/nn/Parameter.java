package dev.stride.nn;

import dev.stride.tensor.Tensor;

/**
 * A learned tensor and its gradient, both owned by the layer's arena. Gradients accumulate across
 * backward passes until {@link #zeroGrad()}; optimisers read {@link #grad()} and write
 * {@link #value()}.
 *
 * @param name     the layer-local name ("weight", "bias", "slope")
 * @param value    the values
 * @param grad     the gradient, same shape as {@code value}
 * @param fanIn    inputs feeding each output unit (for initialisation)
 * @param fanOut   outputs each input unit feeds (for initialisation)
 */
public record Parameter(String name, Tensor value, Tensor grad, int fanIn, int fanOut, Kind kind) {

    /** What a parameter is for, which decides how it is initialised and whether weight decay applies. */
    public enum Kind { WEIGHT, BIAS, SLOPE }

    public Parameter {
        if (!value.shape().equals(grad.shape())) {
            throw new IllegalArgumentException("parameter " + name + ": value " + value.shape() + " and grad " + grad.shape() + " differ");
        }
    }

    public void zeroGrad() {
        grad.zero();
    }
}
