package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/** SiLU (Swish): x*sigmoid(x). Backward keeps the input and the output and recomputes sigmoid(x). */
public final class Silu extends Elementwise {
    /** A SiLU. */
    public Silu() {
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.siluForward(x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.siluBackward(x.segment(), x.offset(), y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Silu";
    }
}
