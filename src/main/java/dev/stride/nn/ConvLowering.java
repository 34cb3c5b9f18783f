package dev.stride.nn;

import dev.stride.tensor.Parallel;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * One way to compute a {@link Conv2d}: im2col ({@link Im2colConv}), one GEMM per kernel column
 * over whole input rows ({@link ShiftConv}), Winograd's F(2x2, 3x3) ({@link WinogradConv}), and
 * for grouped layers im2col with one GEMM per group ({@link GroupedConv}) or, depthwise, direct
 * loops ({@link DepthwiseConv}). {@link ConvPolicy} picks one per layer when the model is built;
 * Conv2d owns the parameters, buffers and threads, and a lowering runs one part's samples with
 * that part's scratch.
 */
interface ConvLowering {
    /** Scratch floats one part needs in the workspace. */
    long partFloats();

    /** Work once per forward before the parts run (Winograd transforms the filters). */
    default void prepare(Parallel parallel, Tensor weight) {
    }

    /**
     * Whether this lowering applies {@code norm} (a fused batch norm and clamp) to each output
     * plane itself, while the plane is still in its scratch; if it says no, the convolution makes
     * a pass over the output afterwards. A lowering that says yes keeps {@code norm}.
     */
    default boolean normalizes(FusedNormalization norm) {
        return false;
    }

    /** y = conv(x) + b for samples [from, to) into the NCHW output, with the part's scratch at {@code base}. */
    void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor weight, Tensor bias, Tensor output);

    /**
     * How many equal blocks of output channels {@link #forwardChannels} splits the output into (K,
     * or a grouped layer's groups); 0 when the forward must run by samples, as where forward keeps
     * its columns for backward, which a channel part would not fill.
     */
    int channelBlocks();

    /**
     * Before a forward split by channels: what every part would repeat over the whole input, done
     * once and split over {@code parallel} into part 0's scratch at {@code ws}/{@code base0}, which
     * the parts may then read, or into {@code output} (Winograd transforms a one-sample input, im2col
     * also multiplies it). Nothing by default.
     */
    default void shareInput(Parallel parallel, Tensor x, Tensor weight, Tensor output, MemorySegment ws, long base0) {
    }

    /**
     * y = conv(x) + b for output-channel blocks [from, to) of every sample of x into the NCHW
     * output, with the part's scratch at {@code base}: each part reads the whole input and writes
     * only its own channels' rows, so parts run at the same time (batches smaller than the parts).
     */
    void forwardChannels(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor weight, Tensor bias,
                         Tensor output);

    /**
     * The backward of samples [from, to): dW into {@code dw}/{@code dwOffset} (overwritten when
     * {@code freshDw}, else accumulated; ignored by a lowering that {@link #finishesWeightGrad()}),
     * dB += the sums of dZ at {@code db} unless it is null, and when {@code dx} is not null, the
     * input gradient of those samples, overwritten.
     */
    void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor weight,
                  MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx);

    /** True when the lowering keeps each part's dW itself and adds it to the gradient in {@link #finishWeightGrad}. */
    default boolean finishesWeightGrad() {
        return false;
    }

    /** Adds the parts' weight gradients into {@code dw}, split over {@code parallel}. */
    default void finishWeightGrad(Parallel parallel, Tensor dw) {
    }
}
