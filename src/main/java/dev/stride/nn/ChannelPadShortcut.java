package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The parameter-free shortcut of He et al.'s CIFAR ResNets ("option A", section 4.2): every
 * {@code stride}-th row and column of the input, with zero channels added on both sides up to
 * {@code outChannels} (as the widely used PyTorch port pads: (out - in)/2 before, the rest after).
 */
public final class ChannelPadShortcut extends PartViewLayer {
    private final int stride;
    private final int outChannels;

    /**
     * A shortcut to {@code outChannels} channels at {@code stride}.
     *
     * @param stride the step between the rows and columns kept
     * @param outChannels the output channels, at least the input's
     */
    public ChannelPadShortcut(int stride, int outChannels) {
        if (stride < 1 || outChannels < 1) {
            throw new IllegalArgumentException("ChannelPadShortcut: stride and outChannels must be at least 1, got "
                    + stride + " and " + outChannels);
        }
        this.stride = stride;
        this.outChannels = outChannels;
    }

    /**
     * The step between the rows and columns kept.
     *
     * @return the stride
     */
    public int stride() {
        return stride;
    }

    /**
     * The output channels.
     *
     * @return the count
     */
    public int outChannels() {
        return outChannels;
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 4 || in.dim(1) > outChannels) {
            throw new ShapeException(label() + ": expects input [N, C, H, W] with C <= " + outChannels + ", got " + in);
        }
        return Shape.of(in.dim(0), outChannels, Math.ceilDiv(in.dim(2), stride), Math.ceilDiv(in.dim(3), stride));
    }

    @Override
    void forward(Tensor x, Tensor y) {
        y.zero();
        copy(x, y, true);
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        dx.zero();
        copy(dx, dy, false);
    }

    /** Forward: big[n, before + c, i, j] = small... read from x at (i*stride, j*stride); backward the reverse into dx. */
    private void copy(Tensor full, Tensor padded, boolean forward) {
        int n = full.dim(0), c = full.dim(1), h = full.dim(2), w = full.dim(3);
        int outH = padded.dim(2), outW = padded.dim(3);
        int before = (outChannels - c) / 2;
        MemorySegment a = full.segment();
        MemorySegment b = padded.segment();
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                long from = full.offset() + ((long) s * c + ch) * h * w;
                long to = padded.offset() + ((long) s * outChannels + before + ch) * outH * outW;
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        long at = from + (long) i * stride * w + (long) j * stride;
                        long bt = to + (long) i * outW + j;
                        if (forward) {
                            b.setAtIndex(FLOAT, bt, a.getAtIndex(FLOAT, at));
                        } else {
                            a.setAtIndex(FLOAT, at, b.getAtIndex(FLOAT, bt));
                        }
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return "ChannelPadShortcut(stride " + stride + ", to " + outChannels + " channels)";
    }
}
