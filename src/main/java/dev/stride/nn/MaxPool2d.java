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
    void forwardPlanes(Tensor x, Tensor y, long first, int planes) {
        long xOff = x.offset() + first * x.dim(2) * x.dim(3);
        long outAt = first * y.dim(2) * y.dim(3);
        if (argmax == null) {
            MaxPooling.forward(geometry, planes, x.segment(), xOff, y.segment(), y.offset() + outAt);
        } else {
            MaxPooling.forward(geometry, planes, x.segment(), xOff, y.segment(), y.offset() + outAt,
                    argmax, outputIndex(y) + outAt);
        }
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        int planes = dy.dim(0) * dy.dim(1);
        MaxPooling.backward(geometry, planes, dy.segment(), dy.offset(), argmax, outputIndex(y),
                dx.segment(), dx.offset());
    }
}
