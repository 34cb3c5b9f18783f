package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** x for x > 0, slope*x otherwise. Backward reads the saved input, so any slope (even 0 or negative) is exact. */
public final class LeakyRelu extends Elementwise {
    private final float slope;

    /** PyTorch's default slope, 0.01. */
    public LeakyRelu() {
        this(0.01f);
    }

    /**
     * The lecture uses 0.1.
     *
     * @param slope the slope of the negative part, finite
     */
    public LeakyRelu(float slope) {
        if (!Float.isFinite(slope)) {
            throw new IllegalArgumentException("LeakyRelu: the slope must be finite, got " + slope);
        }
        this.slope = slope;
    }

    /**
     * The slope of the negative part.
     *
     * @return the slope
     */
    public float slope() {
        return slope;
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.leakyReluForward(slope, x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.leakyReluBackward(slope, x.segment(), x.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "LeakyRelu(" + slope + ")";
    }
}
