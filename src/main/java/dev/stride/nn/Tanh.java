package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** tanh(x). Backward uses the saved output: dy*(1 - y^2). */
public final class Tanh extends Elementwise {
    /** A tanh. */
    public Tanh() {
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.tanhForward(x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.tanhBackward(y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Tanh";
    }
}
