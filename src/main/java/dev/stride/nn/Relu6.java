package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Tensor;

/**
 * min(max(x, 0), 6), MobileNet's activation. Backward reads the saved output (0 &lt; y &lt; 6 exactly
 * where 0 &lt; x &lt; 6); the gradient is 0 at 0 and at 6, as in PyTorch.
 */
public final class Relu6 extends Elementwise {
    /** A ReLU6. */
    public Relu6() {
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.relu6Forward(x.segment(), x.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.relu6Backward(y.segment(), y.offset(), dy.segment(), dy.offset(), dx.segment(), dx.offset(), dy.size());
    }

    @Override
    public String describe() {
        return "Relu6";
    }
}
