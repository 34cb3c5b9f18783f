package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** x for x > 0, alpha*(exp(x) - 1) otherwise. Backward keeps the input (for the sign) and the output (alpha*exp(x) = y + alpha). */
public final class Elu extends Elementwise {
    private final float alpha;

    /** alpha = 1. */
    public Elu() {
        this(1f);
    }

    /**
     * An ELU with this alpha.
     *
     * @param alpha the scale of the negative part, finite
     */
    public Elu(float alpha) {
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException("Elu: alpha must be finite, got " + alpha);
        }
        this.alpha = alpha;
    }

    /**
     * The scale of the negative part.
     *
     * @return alpha
     */
    public float alpha() {
        return alpha;
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.eluForward(alpha, x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.eluBackward(alpha, x.segment(), x.offset(), y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Elu(" + alpha + ")";
    }
}
