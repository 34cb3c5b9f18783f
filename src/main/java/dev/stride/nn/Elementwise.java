package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * An element-wise layer of any rank (2-D after Linear, 4-D after a convolution): the output has the
 * input's shape. Its backward may read the last input and output that {@link BufferedLayer} keeps.
 *
 * <p>A batch with fewer samples than parts is cut into runs of elements instead of samples, one
 * per part, each starting a multiple of {@link #RUN_ALIGN} elements into the batch, so every
 * element goes through the same lanes of the vector loops as on one thread (the same bits).
 */
abstract class Elementwise extends PartViewLayer {
    /** Floats a run of a small batch starts at a multiple of: whole vectors of any width up to 2048 bits. */
    static final int RUN_ALIGN = 64;

    private PartViews xRuns;
    private PartViews yRuns;

    @Override
    public final Shape outputShape(Shape input) {
        return input;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        xRuns = new PartViews(parallel().parts());
        yRuns = new PartViews(parallel().parts());
    }

    /** One run per part (the hook's blocks are runs of elements here, not channels). */
    @Override
    protected final int forwardChannels() {
        return parallel().parts();
    }

    @Override
    protected final void forwardChannelPart(Tensor x, Tensor y, int from, int to, int part) {
        int runs = parallel().parts();
        long start = runStart(x.size(), from, runs);
        long end = runStart(x.size(), to, runs);
        if (start < end) {
            forward(xRuns.elements(x, start, end, part), yRuns.elements(y, start, end, part));
        }
    }

    /**
     * Where run {@code run} of {@code runs} starts in {@code size} elements: a multiple of
     * {@link #RUN_ALIGN} (run {@code runs} is the end). Residual sums cut small batches the same way.
     */
    static long runStart(long size, int run, int runs) {
        return run == runs ? size : size * run / runs / RUN_ALIGN * RUN_ALIGN;
    }
}
