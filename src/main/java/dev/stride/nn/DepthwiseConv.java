package dev.stride.nn;

import dev.stride.ops.Depthwise;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * A depthwise {@link Conv2d} (groups = C, K = m*C): each input channel's plane convolved with its m
 * filters by direct loops ({@link Depthwise}), no GEMM. As im2col, such a layer would cost a GEMM
 * of m x kH*kW by kH*kW x outH*outW per channel and sample: far too thin for any BLAS to pay.
 *
 * <p>Forward runs sample by sample, each channel's plane loaded once for its m filters. Backward
 * runs channel by channel over the part's samples, so each filter's weight and bias gradient is
 * summed over the samples in running sums per tap and output position and reduced once (a fixed
 * order: the result depends on the thread count, never on timing); dX is written plane by plane.
 * Scratch is one {@link Depthwise.Planes} per part on the heap, made at build; an inference build
 * leaves out the arrays only backward uses.
 */
final class DepthwiseConv implements ConvLowering {
    private final Depthwise planes;
    private final int channels;
    private final int multiplier;            // filters per channel: K / C
    private final long inputPlane;           // H*W
    private final long outputPlane;          // outH*outW
    private final Depthwise.Planes[] parts;  // (parts): each part's heap arrays
    private final int stack;                 // samples whose planes of a channel backward runs at once
    private FusedNormalization norm;         // applied to each output plane before it is stored, or null

    /** {@code vector}: the loops on the Vector API (the policy passes whether the JVM has it). */
    DepthwiseConv(Conv2dSpec spec, Shape in, Shape out, int parts, boolean training, boolean vector) {
        this.planes = new Depthwise(in.dim(2), in.dim(3), spec.kernelH(), spec.kernelW(), spec.stride(), spec.padding(),
                out.dim(2), out.dim(3), vector);
        this.channels = spec.inChannels();
        this.multiplier = spec.groupOutChannels();
        this.inputPlane = (long) in.dim(2) * in.dim(3);
        this.outputPlane = (long) out.dim(2) * out.dim(3);
        this.stack = training ? planes.stackFor(Math.ceilDiv(in.dim(0), parts)) : 1;
        this.parts = new Depthwise.Planes[parts];
        for (int p = 0; p < parts; p++) {
            this.parts[p] = planes.planes(training, multiplier, stack);
        }
    }

    /** Nothing in the workspace: the planes live on the heap, where the loops vectorise. */
    @Override
    public long partFloats() {
        return 0;
    }

    /** Yes: each plane is normalised on the heap before its one copy out. */
    @Override
    public boolean normalizes(FusedNormalization norm) {
        this.norm = norm;
        return true;
    }

    @Override
    public void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor w, Tensor b, Tensor output) {
        forward(x, from, to, 0, channels, part, w, b, output);
    }

    /** One block per input channel: its m filters (channels are independent, so nothing is repeated). */
    @Override
    public int channelBlocks() {
        return channels;
    }

    @Override
    public void forwardChannels(Tensor x, int c0, int c1, int part, MemorySegment ws, long base, Tensor w, Tensor b,
                                Tensor output) {
        forward(x, 0, x.dim(0), c0, c1, part, w, b, output);
    }

    /** Samples [from, to), input channels [c0, c1) and their filters. */
    private void forward(Tensor x, int from, int to, int c0, int c1, int part, Tensor w, Tensor b, Tensor output) {
        Depthwise.Planes p = parts[part];
        int k = channels * multiplier;
        for (int s = from; s < to; s++) {
            for (int c = c0; c < c1; c++) {
                planes.loadInput(x.segment(), x.offset() + ((long) s * channels + c) * inputPlane, p);
                for (int t = 0; t < multiplier; t++) {
                    int f = c * multiplier + t;
                    planes.loadFilter(w.segment(), w.offset(), f, p);
                    float bias = b == null ? 0f : b.segment().getAtIndex(FLOAT, b.offset() + f);
                    long at = output.offset() + ((long) s * k + f) * outputPlane;
                    if (norm == null) {
                        planes.forward(bias, p, output.segment(), at);
                    } else {
                        planes.forwardNormalized(bias, norm.mean(f), norm.scale(f), norm.beta(f), norm.min(), norm.max(),
                                p, output.segment(), at);
                    }
                }
            }
        }
    }

    @Override
    public void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor w,
                         MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx) {
        Depthwise.Planes p = parts[part];
        int k = channels * multiplier;
        int taps = planes.taps();
        for (int c = 0; c < channels; c++) {
            planes.clearSums(p);
            for (int s0 = from; s0 < to; s0 += stack) {
                int count = Math.min(stack, to - s0);
                for (int i = 0; i < count; i++) {
                    planes.loadInput(x.segment(), x.offset() + ((long) (s0 + i) * channels + c) * inputPlane, p, i);
                }
                if (dx != null) {
                    planes.clearInputGrad(p);
                }
                for (int t = 0; t < multiplier; t++) {
                    int f = c * multiplier + t;
                    for (int i = 0; i < count; i++) {
                        planes.loadGradient(dy.segment(), dy.offset() + ((long) (s0 + i) * k + f) * outputPlane, p, i);
                    }
                    planes.accumulateParameterGrads(t, p, count);
                    if (dx != null) {
                        planes.loadFilter(w.segment(), w.offset(), f, p);
                        planes.accumulateInputGrad(p, count);
                    }
                }
                if (dx != null) {
                    for (int i = 0; i < count; i++) {
                        planes.storeInputGrad(p, i, dx.segment(), dx.offset() + ((long) (s0 + i) * channels + c) * inputPlane);
                    }
                }
            }
            for (int t = 0; t < multiplier; t++) {
                int f = c * multiplier + t;
                planes.finishParameterGrads(t, p, dw, dwOffset + (long) f * taps, freshDw, db, dbOffset + f);
            }
        }
    }
}
