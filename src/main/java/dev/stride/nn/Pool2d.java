package dev.stride.nn;

import dev.stride.ops.OutputSize;
import dev.stride.ops.PoolGeometry;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;


/**
 * What max and average pooling share: the window arithmetic, the shape checks and the summary
 * lines. Subclasses supply the kernels; a kernel's planes are batch times channels.
 */
abstract class Pool2d extends PartViewLayer {
    /** The window, stride and padding. */
    protected final PoolSpec spec;
    /** The window arithmetic for the built input; set by each build. */
    protected PoolGeometry geometry;
    private int channels;        // of the built input

    Pool2d(PoolSpec spec) {
        this.spec = spec;
    }

    /**
     * The window, stride and padding.
     *
     * @return the spec
     */
    public final PoolSpec spec() {
        return spec;
    }

    @Override
    public final Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input
                    + "; pooling runs on the output of a convolution, before Flatten");
        }
        int outH = spec.ceil() ? OutputSize.ceil(label(), "height", input.dim(2), spec.kernelH(), spec.stride(), spec.padding())
                : OutputSize.of(label(), "height", input.dim(2), spec.kernelH(), spec.stride(), spec.padding(), spec.floor());
        int outW = spec.ceil() ? OutputSize.ceil(label(), "width", input.dim(3), spec.kernelW(), spec.stride(), spec.padding())
                : OutputSize.of(label(), "width", input.dim(3), spec.kernelW(), spec.stride(), spec.padding(), spec.floor());
        return Shape.of(input.dim(0), input.dim(1), outH, outW);
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        Shape o = outputShape(input);
        geometry = new PoolGeometry(input.dim(2), input.dim(3), spec.kernelH(), spec.kernelW(), spec.stride(),
                spec.padding(), o.dim(2), o.dim(3));
        channels = input.dim(1);
    }

    @Override
    final void forward(Tensor x, Tensor y) {
        forwardPlanes(x, y, 0, x.dim(0) * x.dim(1));
    }

    /** Below one sample per part (batch 1 on 2 threads), the planes are cut by channel: one block per channel. */
    @Override
    protected final int forwardChannels() {
        return channels;
    }

    @Override
    protected final void forwardChannelPart(Tensor x, Tensor y, int from, int to, int part) {
        for (int s = 0; s < x.dim(0); s++) {
            forwardPlanes(x, y, (long) s * channels + from, to - from);
        }
    }

    /**
     * Overwrites output planes [first, first + planes) of y (counted over samples and channels,
     * NCHW) from the same planes of x.
     */
    abstract void forwardPlanes(Tensor x, Tensor y, long first, int planes);

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + spec + ")";
    }

    @Override
    public String explain(Shape input) {
        Shape o = outputShape(input);
        return describe() + ": " + input + " -> " + o
                + "; height " + OutputSize.explain(input.dim(2), spec.kernelH(), spec.stride(), spec.padding())
                + ", width " + OutputSize.explain(input.dim(3), spec.kernelW(), spec.stride(), spec.padding())
                + (spec.ceil() ? "; rounded up (ceil): " + o.dim(2) + "x" + o.dim(3) : "")
                + "; 0 parameters";
    }
}
