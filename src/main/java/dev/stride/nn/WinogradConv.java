package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.ops.Winograd;
import dev.stride.ops.WinogradFilters;
import dev.stride.ops.WinogradGradient;
import dev.stride.ops.WinogradOutput;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The forward pass and the input gradient of a 3x3, stride-1 {@link Conv2d} by Winograd's
 * F(2x2, 3x3) ({@link Winograd}): 16 GEMMs of (K x C) by (C x tiles) per group of samples instead
 * of one im2col GEMM with 9 C rows, 16/36 of the multiplications, and no im2col or col2im pass;
 * the weight gradient likewise, through the adjoint transforms ({@link WinogradGradient}).
 *
 * <p>Its times on VGG-small's layers are in docs/performance.md. Layers with few channels keep
 * im2col: with C = 3 the 16 GEMMs are three deep and the transforms cost more than they save.
 */
final class WinogradConv implements ConvLowering {
    /**
     * Fewest tile slots a group has (when the part has the samples), so that its 16 GEMMs are not
     * too thin; beyond this, GROUP_FLOATS decides (docs/design-measurements.md).
     */
    static final int MIN_TILES = 64;
    /**
     * Floats of V and M per part that a group may fill beyond MIN_TILES (1 MB): a group's V and M
     * stay in a core's L2 between the transforms and the GEMMs.
     */
    static final long GROUP_FLOATS = 1L << 18;
    /**
     * Fewest multiply-adds (16 K C tiles) for which a one-sample forward on several threads also
     * splits its 16 element GEMMs over the threads ({@link #shareInput}); smaller layers lost more
     * to the extra hand-over than the whole GEMMs gained (docs/design-measurements.md).
     */
    static final long SHARED_PRODUCTS_MIN_MACS = 1L << 25;
    /**
     * Most floats of the input's transform V for the whole batch (64 MB) that a layer keeps from
     * the forward pass for the weight gradient, instead of transforming the input again. VGG-small
     * at batch 64 keeps it for its 16x16 and 8x8 layers (2.1M to 8.4M floats each), not for the
     * 32x32 one (19M).
     */
    static final long KEEP_V_FLOATS = 1L << 24;

    private final Gemm gemm;
    private final int inChannels;
    private final int outChannels;
    private final Winograd forward;    // over x, C -> K
    private final Winograd backward;   // over dY, K -> C, padding 2 - p
    private final int samplesPerGroup;
    private final Tensor u;            // [16][K][C]: the transformed filters of the last forward
    private final Tensor du;           // (parts, 16 K, C): each part's gradient of u; null for inference
    private final Tensor keptV;        // each group's V of the last forward, at its first sample's place, or null
    private final boolean sharesProducts; // shareInput makes M too, not only V (SHARED_PRODUCTS_MIN_MACS)
    private MemorySegment shared;      // where shareInput put the V and M that the channel parts read, or null
    private long sharedBase;
    private Tensor pending;             // the weights (prepare) or their gradient (finishWeightGrad) the rows work on
    private Tensor pendingInput;       // the one-sample input shareInput's rows transform
    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body prepareRows = this::prepareRows;
    private final Parallel.Body finishRows = this::finishRows;
    private final Parallel.Body shareRows = this::shareRows;
    private final Parallel.Body shareProducts = this::shareProducts;

    /** Keeps the forward's V for the weight gradient when the batch's V takes at most {@code keepVFloats}. */
    WinogradConv(Conv2dSpec spec, Shape in, Gemm gemm, Arena arena, int parts, int samplesPerPart, long keepVFloats,
                 boolean training) {
        this.gemm = gemm;
        this.inChannels = spec.inChannels();
        this.outChannels = spec.outChannels();
        this.forward = new Winograd(inChannels, in.dim(2), in.dim(3), spec.padding());
        this.backward = new Winograd(outChannels, forward.outH(), forward.outW(), 2 - spec.padding());
        int tiles = Math.max(forward.tilesPerSample(), backward.tilesPerSample());
        long perSample = (long) Winograd.ELEMENTS * (inChannels + outChannels) * tiles;
        this.samplesPerGroup = (int) Math.max(1, Math.min(samplesPerPart,
                Math.max(Math.ceilDiv(MIN_TILES, tiles), GROUP_FLOATS / perSample)));
        this.u = Tensor.zeros(arena, Shape.of(Winograd.ELEMENTS, outChannels, inChannels));
        this.du = training ? Tensor.zeros(arena, Shape.of(parts, Winograd.ELEMENTS * outChannels, inChannels)) : null;
        long vFloats = (long) in.dim(0) * vPerSample();
        this.keptV = vFloats <= keepVFloats ? Tensor.zeros(arena, Shape.of((int) vFloats)) : null;
        this.sharesProducts = (long) Winograd.ELEMENTS * outChannels * inChannels * forward.tilesPerSample()
                >= SHARED_PRODUCTS_MIN_MACS;
    }

    /** Floats of V one sample takes: 16 C tiles. */
    private long vPerSample() {
        return (long) Winograd.ELEMENTS * inChannels * forward.tilesPerSample();
    }

    /**
     * True where this class applies and pays: 3x3 at stride 1, padding up to 2, and enough channels.
     * Flooring is no bar: at stride 1 every window tiles, so the zoo's floored layers (PyTorch's
     * geometry) come out the same size either way.
     */
    static boolean suits(Conv2dSpec spec, int minChannels) {
        return Winograd.supports(spec.kernelH(), spec.kernelW(), spec.stride(), spec.padding())
                && spec.inChannels() >= minChannels && spec.outChannels() >= minChannels;
    }

    /** Scratch floats one part needs: V then M of a group, in the larger of the two directions. */
    @Override
    public long partFloats() {
        long tiles = (long) samplesPerGroup * Math.max(forward.tilesPerSample(), backward.tilesPerSample());
        return (long) Winograd.ELEMENTS * (inChannels + outChannels) * tiles;
    }

    /** Transforms the filters, split by filter rows over {@code parallel}; call once per forward, before the parts run. */
    @Override
    public void prepare(Parallel parallel, Tensor weight) {
        pending = weight;
        try {
            parallel.forEach(outChannels, prepareRows);
        } finally {
            pending = null;
        }
    }

    private void prepareRows(int from, int to, int ignoredPart) {
        WinogradFilters.transform(pending.segment(), pending.offset(), from, to, outChannels, inChannels,
                u.segment(), u.offset());
    }

    /** y = conv(x) + b for samples [from, to) of x into the NCHW output, with the part's scratch at {@code base}. */
    @Override
    public void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor weight, Tensor bias,
                        Tensor output) {
        for (int first = from; first < to; first += samplesPerGroup) {
            int samples = Math.min(samplesPerGroup, to - first);
            MemorySegment v = keptV != null ? keptV.segment() : ws;
            long vBase = keptV != null ? keptV.offset() + first * vPerSample() : base;
            run(forward, false, inChannels, 0, outChannels, x.segment(), x.offset() + first * forward.inputSampleSize(),
                    samples, v, vBase, ws, base, bias, output.segment(), output.offset() + (long) first * outChannels
                            * forward.outH() * forward.outW());
        }
    }

    /** Every filter, unless forward keeps V for the weight gradient. */
    @Override
    public int channelBlocks() {
        return keptV == null ? outChannels : 0;
    }

    /**
     * A one-sample input's V, once, in part 0's scratch at {@code ws}/{@code base0} (where one
     * part's run puts it), its input channels split over {@code parallel}; for layers of at least
     * {@link #SHARED_PRODUCTS_MIN_MACS} also M = U V after it, its 16 element GEMMs split over
     * {@code parallel}, each whole (all K rows). The channel parts ({@link #forwardChannels}) then
     * multiply their share of U's rows by V, or only transform their filters' output from M.
     * Without it each part transformed the whole input itself. Larger batches (fewer samples than
     * parts, but more than one) keep that.
     */
    @Override
    public void shareInput(Parallel parallel, Tensor x, Tensor weight, Tensor output, MemorySegment ws, long base0) {
        shared = null;
        if (x.dim(0) != 1 || parallel.parts() == 1) {
            return;
        }
        pendingInput = x;
        shared = ws;
        sharedBase = base0;
        boolean done = false;
        try {
            parallel.forEach(inChannels, shareRows);
            if (sharesProducts) {
                parallel.forEach(Winograd.ELEMENTS, shareProducts);
            }
            done = true;
        } finally {
            pendingInput = null;
            if (!done) {
                shared = null;
            }
        }
    }

    private void shareRows(int from, int to, int ignoredPart) {
        forward.transformInput(pendingInput.segment(), pendingInput.offset(), 1, from, to, shared, sharedBase);
    }

    private void shareProducts(int from, int to, int ignoredPart) {
        long mBase = sharedBase + (long) Winograd.ELEMENTS * inChannels * forward.tilesPerSample();
        products(forward, false, inChannels, 0, outChannels, 1, from, to, shared, sharedBase, shared, mBase);
    }

    /**
     * Filters [k0, k1) of y = conv(x) + b for every sample of x, one sample at a time: each part
     * multiplies its rows k0..k1 of each U[e] by the sample's V and transforms those rows' output.
     * V (and M) are the ones {@link #shareInput} made, or else each part transforms the sample's
     * whole input into its own scratch.
     */
    @Override
    public void forwardChannels(Tensor x, int k0, int k1, int part, MemorySegment ws, long base, Tensor weight,
                                Tensor bias, Tensor output) {
        long outPlane = (long) forward.outH() * forward.outW();
        for (int s = 0; s < x.dim(0); s++) {
            MemorySegment dst = output.segment();
            long dstOffset = output.offset() + ((long) s * outChannels + k0) * outPlane;
            if (shared != null && !sharesProducts) {
                multiply(forward, false, inChannels, k0, k1 - k0, 1, shared, sharedBase, ws, base, bias, dst, dstOffset);
            } else if (shared != null) {
                long mBase = sharedBase + (long) Winograd.ELEMENTS * inChannels * forward.tilesPerSample();
                WinogradOutput.transform(forward, shared, mBase, 1, outChannels, k0, k1, bias == null ? null : bias.segment(),
                        bias == null ? 0 : bias.offset(), dst, output.offset() + (long) s * outChannels * outPlane);
            } else {
                run(forward, false, inChannels, k0, k1 - k0, x.segment(), x.offset() + s * forward.inputSampleSize(), 1,
                        ws, base, ws, base, bias, dst, dstOffset);
            }
        }
    }

    /**
     * The first half of dW, and dB unless {@code db} is null, from samples [from, to): dM = A dY A^T
     * and V = B^T x B per tile, and the part's own dU[xi] = the sum over its groups of
     * dM[xi] V[xi]^T (16 GEMMs a group). {@link #finishWeightGrad} completes dW once every part is done.
     */
    void weightGrad(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base,
                    MemorySegment db, long dbOffset) {
        long uPlane = (long) outChannels * inChannels;
        long duBase = du.offset() + part * Winograd.ELEMENTS * uPlane;
        if (from == to) {
            Tensor.fill(du.segment(), duBase, Winograd.ELEMENTS * uPlane, 0f);
            return;
        }
        long outPlane = (long) forward.outH() * forward.outW();
        for (int first = from; first < to; first += samplesPerGroup) {
            int samples = Math.min(samplesPerGroup, to - first);
            int tiles = samples * forward.tilesPerSample();
            long mBase = base + (long) Winograd.ELEMENTS * inChannels * tiles;
            MemorySegment v = ws;
            long vBase = base;
            if (keptV != null) { // the forward's V of these samples, made with the same groups
                v = keptV.segment();
                vBase = keptV.offset() + first * vPerSample();
            } else {
                forward.transformInput(x.segment(), x.offset() + first * forward.inputSampleSize(), samples, ws, base);
            }
            WinogradGradient.transformOutputGradient(forward, dy.segment(), dy.offset() + first * outChannels * outPlane,
                    samples, outChannels, ws, mBase, db, dbOffset);
            float beta = first == from ? 0f : 1f;
            for (int e = 0; e < Winograd.ELEMENTS; e++) {
                // dU[e] (K x C) += dM[e] (K x tiles) V[e]^T (tiles x C)
                gemm.sgemm(false, true, outChannels, inChannels, tiles, 1f, ws, mBase + (long) e * outChannels * tiles,
                        tiles, v, vBase + (long) e * inChannels * tiles, tiles, beta, du.segment(), duBase + e * uPlane,
                        inChannels);
            }
        }
    }

    /**
     * dW += G^T (dU of part 0 + part 1 + ...) G, the parts added in part order (so the result depends
     * on the thread count, never on timing) and the filter rows split over {@code parallel}: each
     * thread sums and transforms its own rows, where adding each part's dW would transform every row
     * once per part.
     */
    @Override
    public boolean finishesWeightGrad() {
        return true;
    }

    @Override
    public void finishWeightGrad(Parallel parallel, Tensor dw) {
        pending = dw;
        try {
            parallel.forEach(outChannels, finishRows);
        } finally {
            pending = null;
        }
    }

    private void finishRows(int from, int to, int ignoredPart) {
        MemorySegment d = du.segment();
        long uPlane = (long) outChannels * inChannels;
        long partFloats = Winograd.ELEMENTS * uPlane;
        for (int p = 1; p < du.dim(0); p++) {
            for (int e = 0; e < Winograd.ELEMENTS; e++) {
                long row = du.offset() + e * uPlane + (long) from * inChannels;
                long count = (long) (to - from) * inChannels;
                for (long i = 0; i < count; i++) {
                    long at = row + i;
                    d.setAtIndex(FLOAT, at, d.getAtIndex(FLOAT, at) + d.getAtIndex(FLOAT, at + p * partFloats));
                }
            }
        }
        WinogradFilters.transformGradient(d, du.offset(), from, to, outChannels, inChannels, pending.segment(),
                pending.offset(), true);
    }

    /** Overwrites dX for samples [from, to) from dY: the same algorithm with the rotated, transposed filters. */
    /** Both gradients of samples [from, to): dU into the part's own rows (dW comes in finishWeightGrad), dB, and dX when wanted. */
    @Override
    public void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor weight,
                         MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx) {
        weightGrad(x, dy, from, to, part, ws, base, db, dbOffset);
        if (dx != null) {
            inputGrad(dy, from, to, ws, base, dx);
        }
    }

    void inputGrad(Tensor dy, int from, int to, MemorySegment ws, long base, Tensor dx) {
        for (int first = from; first < to; first += samplesPerGroup) {
            int samples = Math.min(samplesPerGroup, to - first);
            run(backward, true, outChannels, 0, inChannels, dy.segment(), dy.offset() + first * backward.inputSampleSize(),
                    samples, ws, base, ws, base, null, dx.segment(), dx.offset() + (long) first * inChannels
                            * backward.outH() * backward.outW());
        }
    }

    /**
     * Input tiles into V at {@code v}/{@code vBase}, the 16 products of output channels [f0, f0 +
     * outCh) into M after the room for V at {@code ws}/{@code base}, then their output tiles into
     * {@code dst}, where channel f0 of the first sample starts. Only one sample may take part of
     * the channels: the output places samples outCh planes apart.
     */
    private void run(Winograd g, boolean rotated, int inCh, int f0, int outCh, MemorySegment src, long srcOffset,
                     int samples, MemorySegment v, long vBase, MemorySegment ws, long base, Tensor bias,
                     MemorySegment dst, long dstOffset) {
        g.transformInput(src, srcOffset, samples, v, vBase);
        multiply(g, rotated, inCh, f0, outCh, samples, v, vBase, ws, base, bias, dst, dstOffset);
    }

    /**
     * {@link #run}'s GEMMs and output transform over a V already made: M after the room for V at
     * {@code ws}/{@code base} (whether or not V is there).
     */
    private void multiply(Winograd g, boolean rotated, int inCh, int f0, int outCh, int samples, MemorySegment v,
                          long vBase, MemorySegment ws, long base, Tensor bias, MemorySegment dst, long dstOffset) {
        long mBase = base + (long) Winograd.ELEMENTS * inCh * samples * g.tilesPerSample();
        products(g, rotated, inCh, f0, outCh, samples, 0, Winograd.ELEMENTS, v, vBase, ws, mBase);
        WinogradOutput.transform(g, ws, mBase, samples, outCh, bias == null ? null : bias.segment(),
                bias == null ? 0 : bias.offset() + f0, dst, dstOffset);
    }

    /** M[e] for elements [e0, e1): rows f0 .. f0 + outCh of U[e] (of its rotation, transposed) times V[e]. */
    private void products(Winograd g, boolean rotated, int inCh, int f0, int outCh, int samples, int e0, int e1,
                          MemorySegment v, long vBase, MemorySegment m, long mBase) {
        int tiles = samples * g.tilesPerSample();
        long uPlane = (long) outChannels * inChannels;
        for (int e = e0; e < e1; e++) {
            long vAt = vBase + (long) e * inCh * tiles;
            long mAt = mBase + (long) e * outCh * tiles;
            if (rotated) {
                // U[rot(e)] is K x C; the input gradient needs its transpose, C x K: rows f0.. of it are columns of U.
                gemm.sgemm(true, false, outCh, tiles, inCh, 1f, u.segment(),
                        u.offset() + WinogradFilters.rotatedElement(e) * uPlane + f0, inChannels, v, vAt, tiles, 0f, m, mAt, tiles);
            } else {
                // M[e] (outCh x tiles) = rows f0.. of U[e] (K x C) V[e] (C x tiles)
                gemm.sgemm(false, false, outCh, tiles, inCh, 1f, u.segment(), u.offset() + e * uPlane + (long) f0 * inChannels,
                        inChannels, v, vAt, tiles, 0f, m, mAt, tiles);
            }
        }
    }
}
