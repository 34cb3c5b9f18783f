package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** max(x, 0). Backward reads the saved output (y > 0 exactly where x > 0); the gradient at 0 is 0. */
public final class Relu extends Elementwise {
    /** A ReLU. */
    public Relu() {
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.reluForward(x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.reluBackward(y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Relu";
    }
}
