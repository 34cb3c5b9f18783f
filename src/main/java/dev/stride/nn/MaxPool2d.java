package dev.stride.nn;

import dev.stride.ops.MaxPooling;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Max pooling. Forward records, in a training build, where each window's first maximum
 * (row-major, strict '>') lies, so backward is a scatter of dy into those places; overlapping
 * windows add up. Padding acts as -infinity: it never wins.
 */
public final class MaxPool2d extends Pool2d {
    private MemorySegment argmax; // (N, C, outH, outW) ints: in-plane index ih*W + iw; null in inference builds

    /**
     * A max pool with this window.
     *
     * @param spec the window, stride and padding
     */
    public MaxPool2d(PoolSpec spec) {
        super(spec);
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        // Only backward reads the argmax, so an inference build neither keeps nor computes it.
        argmax = ctx.training() ? ctx.arena().allocate(ValueLayout.JAVA_INT, outputShape(input).size()) : null;
    }

    @Override
    void forward(Tensor x, Tensor y) {
        int planes = x.dim(0) * x.dim(1);
        if (argmax == null) {
            MaxPooling.forward(geometry, planes, x.segment(), x.offset(), y.segment(), y.offset());
        } else {
            MaxPooling.forward(geometry, planes, x.segment(), x.offset(), y.segment(), y.offset(),
                    argmax, outputIndex(y));
        }
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        int planes = dy.dim(0) * dy.dim(1);
        MaxPooling.backward(geometry, planes, dy.segment(), dy.offset(), argmax, outputIndex(y),
                dx.segment(), dx.offset());
    }
}
