package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** 1/(1 + exp(-x)). Backward uses the saved output: dy*y*(1 - y). */
public final class Sigmoid extends Elementwise {
    /** A sigmoid. */
    public Sigmoid() {
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.sigmoidForward(x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.sigmoidBackward(y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Sigmoid";
    }
}
