package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.ops.FloatSums;
import dev.stride.ops.Im2col;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The im2col + GEMM passes of a {@link Conv2d} that {@link WinogradConv} does not take. Conv2d owns
 * the parameters, buffers and threads; this class runs one part's samples with that part's scratch.
 *
 * <p>Layout: the batch is cut into groups of samples whose column matrices sit side by side (rows
 * C*kH*kW, columns samples*outH*outW), so each group costs one GEMM with the K x (C*kH*kW) weight
 * matrix. A group of one writes its product straight into the NCHW output; a larger group yields
 * (K, samples, outH*outW), which the bias pass copies into NCHW order, so the transpose rides on a
 * pass made anyway. Groups aim for {@link #MIN_COLUMNS} GEMM columns, capped by
 * {@link #MAX_GROUP_FLOATS} of scratch. With OpenBLAS's AVX-512 kernels one sample per GEMM is
 * as fast as larger groups or faster wherever a sample has a few dozen output positions or more:
 * its column matrix stays in L2, and the product needs neither the scatter into NCHW nor, in
 * backward, the gather of dZ; only tiny outputs gain from grouping (docs/design-measurements.md).
 *
 * <p>The backward pass recomputes im2col instead of keeping the forward's columns where that is
 * cheap: with "same" padding at stride 1 ({@link Im2col#copiesRuns}) each window row is one long
 * copy, and keeping would cost C*kH*kW*N*outH*outW floats per layer for the whole step (150 MB for
 * a 64-channel 3x3 layer at 32x32 and batch 64) outside the shared workspace that later layers
 * overwrite, and kept columns that have left the cache gain nothing. Every other geometry gathers
 * entry by entry, so up to {@link #KEEP_COLUMNS_FLOATS} the layer keeps the forward's columns in its
 * own buffer: there recomputing them cost more than the memory (docs/design-measurements.md).
 */
final class Im2colConv implements ConvLowering {
    /** Fewest GEMM columns (samples * outH * outW) a group aims for; see the class comment. */
    static final int MIN_COLUMNS = 64;
    /** Most floats of column matrix a group may need (32 MB), unless one sample alone needs more. */
    static final long MAX_GROUP_FLOATS = 1L << 23;
    /**
     * Most floats of column matrix for the whole batch (64 MB) that a layer keeps from forward for
     * backward; see the class comment. Large enough for the strided 64 -> 128 layer at batch 64 and
     * LeNet's conv2 at batch 256, both of which backward faster keeping (docs/design-measurements.md).
     */
    static final long KEEP_COLUMNS_FLOATS = 1L << 24;
    /** Columns per unit of the split of {@link #shareInput}'s GEMM: a run starts on a whole 64-byte line. */
    private static final int SHARED_COLUMN_RUN = 16;

    private final Gemm gemm;
    private final int outChannels;
    private final Im2col im2col;
    private final int samplesPerGemm;
    private final long zOffset;          // where the (K, samples*outH*outW) group product starts in a part's scratch
    private final long partFloats;       // scratch per part: columns (C*kH*kW, samples*outH*outW), then the group product
    private final float[][] partRows;    // (parts, max(samples*outH*outW, K)): each part's heap copy of one row of a group product or of dW^T
    private final Tensor keptColumns;    // (N, C*kH*kW, outH*outW) as each group's (C*kH*kW, samples*outH*outW) block, or null
    private final Tensor weightGradT;    // (parts, C*kH*kW, K): each part's dW transposed, summed over its groups; null for inference
    private boolean shared;              // shareInput computed W * im2col(x) into the output; the parts add only the bias
    private Tensor pendingInput;         // what shareInput's bodies work on
    private Tensor pendingWeight;
    private Tensor pendingOutput;
    private MemorySegment pendingColumns;
    private long pendingColumnsOffset;
    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body shareRows = this::shareRows;
    private final Parallel.Body shareColumns = this::shareColumns;

    /** For input {@code in} and output {@code out} of {@code spec}, run in {@code parts} parts. */
    Im2colConv(Conv2dSpec spec, Shape in, Shape out, Gemm gemm, Arena arena, int parts, int minColumns,
               long keepColumnsFloats, boolean training) {
        this.gemm = gemm;
        this.outChannels = spec.outChannels();
        this.im2col = new Im2col(in.dim(1), in.dim(2), in.dim(3), spec.kernelH(), spec.kernelW(),
                spec.stride(), spec.padding(), out.dim(2), out.dim(3));
        int columns = im2col.columnsPerSample();
        long sampleFloats = (long) im2col.rows() * columns;
        int perPart = Math.ceilDiv(in.dim(0), parts);
        this.samplesPerGemm = im2col.isIdentity() ? 1
                : (int) Math.max(1, Math.min(Math.min(perPart, Math.ceilDiv(minColumns, columns)), MAX_GROUP_FLOATS / sampleFloats));
        long groupColumns = (long) samplesPerGemm * columns;
        this.zOffset = im2col.isIdentity() ? 0 : im2col.rows() * groupColumns;
        this.partFloats = zOffset + (samplesPerGemm > 1 ? outChannels * groupColumns : 0);
        this.partRows = new float[parts][(int) Math.max(groupColumns, outChannels)];
        this.weightGradT = training ? Tensor.zeros(arena, Shape.of(parts, im2col.rows(), outChannels)) : null;
        long batchColumnFloats = sampleFloats * in.dim(0);
        this.keptColumns = !im2col.isIdentity() && !im2col.copiesRuns() && batchColumnFloats <= keepColumnsFloats
                ? Tensor.zeros(arena, Shape.of(in.dim(0), im2col.rows(), columns)) : null;
    }

    @Override
    public long partFloats() {
        return partFloats;
    }

    /** y = W * im2col(x) + b for samples [from, to) into the NCHW output, with the part's scratch at {@code base}. */
    @Override
    public void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor w, Tensor b, Tensor output) {
        int k = outChannels;
        int rows = im2col.rows();
        int perSample = im2col.columnsPerSample();
        for (int first = from; first < to; first += samplesPerGemm) {
            int samples = Math.min(samplesPerGemm, to - first);
            int cols = samples * perSample;
            MemorySegment colSeg = columns(x, first, samples, ws, base);
            long colOff = columnsOffset(x, first, base);
            long outOff = output.offset() + (long) first * k * perSample;
            if (samples == 1) {
                gemm.sgemm(false, false, k, cols, rows, 1f, w.segment(), w.offset(), colSeg, colOff, 0f,
                        output.segment(), outOff);
                addBias(b, 0, k, output.segment(), outOff, perSample, partRows[part]);
            } else {
                gemm.sgemm(false, false, k, cols, rows, 1f, w.segment(), w.offset(), colSeg, colOff, 0f, ws, base + zOffset);
                scatterWithBias(b, ws, base + zOffset, samples, output.segment(), outOff, partRows[part]);
            }
        }
    }

    /** Every filter, unless forward keeps its columns for backward. */
    @Override
    public int channelBlocks() {
        return keptColumns == null ? outChannels : 0;
    }

    /**
     * W * im2col(x) of a one-sample input, once, into the output: the column matrix in part 0's
     * scratch at {@code ws}/{@code base0} with its input channels split over {@code parallel} (none
     * for an identity im2col, which reads x), then the GEMM split by runs of its columns, each run
     * with every filter. The channel parts ({@link #forwardChannels}) then add only their bias.
     * Cutting the filters instead gave each thread a GEMM of fewer rows that packed the whole
     * column matrix again (docs/design-measurements.md).
     */
    @Override
    public void shareInput(Parallel parallel, Tensor x, Tensor weight, Tensor output, MemorySegment ws, long base0) {
        shared = false;
        if (x.dim(0) != 1 || parallel.parts() == 1) {
            return;
        }
        pendingInput = x;
        pendingWeight = weight;
        pendingOutput = output;
        pendingColumns = im2col.isIdentity() ? x.segment() : ws;
        pendingColumnsOffset = im2col.isIdentity() ? x.offset() : base0;
        try {
            if (!im2col.isIdentity()) {
                parallel.forEach(im2col.channels(), shareRows);
            }
            parallel.forEach(Math.ceilDiv(im2col.columnsPerSample(), SHARED_COLUMN_RUN), shareColumns);
            shared = true;
        } finally {
            pendingInput = null;
            pendingWeight = null;
            pendingOutput = null;
            pendingColumns = null;
        }
    }

    private void shareRows(int from, int to, int ignoredPart) {
        im2col.im2col(pendingInput.segment(), pendingInput.offset(), 1, from, to, pendingColumns, pendingColumnsOffset);
    }

    private void shareColumns(int from, int to, int ignoredPart) {
        int perSample = im2col.columnsPerSample();
        int c0 = from * SHARED_COLUMN_RUN;
        int c1 = Math.min(perSample, to * SHARED_COLUMN_RUN);
        if (c0 >= c1) {
            return;
        }
        int rows = im2col.rows();
        gemm.sgemm(false, false, outChannels, c1 - c0, rows, 1f, pendingWeight.segment(), pendingWeight.offset(), rows,
                pendingColumns, pendingColumnsOffset + c0, perSample, 0f, pendingOutput.segment(),
                pendingOutput.offset() + c0, perSample);
    }

    /**
     * Filters [k0, k1) of y = W * im2col(x) + b for every sample of x: each part gathers the
     * sample's columns into its own scratch (the gather is repeated by every part, cheap next to
     * the GEMM) and multiplies only its rows of W; after {@link #shareInput} only the bias is left.
     */
    @Override
    public void forwardChannels(Tensor x, int k0, int k1, int part, MemorySegment ws, long base, Tensor w, Tensor b,
                                Tensor output) {
        int rows = im2col.rows();
        int perSample = im2col.columnsPerSample();
        if (shared) {
            addBias(b, k0, k1, output.segment(), output.offset() + (long) k0 * perSample, perSample, partRows[part]);
            return;
        }
        for (int s = 0; s < x.dim(0); s++) {
            MemorySegment colSeg = columns(x, s, 1, ws, base);
            long outOff = output.offset() + ((long) s * outChannels + k0) * perSample;
            gemm.sgemm(false, false, k1 - k0, perSample, rows, 1f, w.segment(), w.offset() + (long) k0 * rows,
                    colSeg, columnsOffset(x, s, base), 0f, output.segment(), outOff);
            addBias(b, k0, k1, output.segment(), outOff, perSample, partRows[part]);
        }
    }

    /**
     * The backward of samples [from, to): dW += dZ col^T at {@code dw}/{@code dwOffset} (overwritten
     * instead when {@code freshDw}), dB += the sums of dZ at {@code db} unless it is null, and when
     * {@code dx} is not null, dX = col2im(W^T dZ) overwriting its samples.
     *
     * <p>dW comes out transposed, dW^T = col dZ^T, summed over the groups in the part's own buffer
     * and added into dW once at the end: OpenBLAS ran that orientation faster, or as fast, at every
     * layer shape tried (docs/design-measurements.md).
     */
    @Override
    public void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor w,
                  MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx) {
        int k = outChannels;
        int rows = im2col.rows();
        int perSample = im2col.columnsPerSample();
        for (int first = from; first < to; first += samplesPerGemm) {
            int samples = Math.min(samplesPerGemm, to - first);
            int cols = samples * perSample;
            MemorySegment colSeg = keptColumns != null ? keptColumns.segment() : columns(x, first, samples, ws, base);
            long colOff = columnsOffset(x, first, base);
            // dZ as a K x cols matrix: a single sample's dy already is one; a group is gathered.
            MemorySegment dzSeg = dy.segment();
            long dzOff = dy.offset() + (long) first * k * perSample;
            if (samples > 1) {
                gather(dy.segment(), dzOff, samples, ws, base + zOffset);
                dzSeg = ws;
                dzOff = base + zOffset;
            }
            gemm.sgemm(false, true, rows, k, cols, 1f, colSeg, colOff, dzSeg, dzOff, first == from ? 0f : 1f,
                    weightGradT.segment(), weightGradT.offset() + (long) part * rows * k);
            if (db != null) {
                accumulateRowSums(dzSeg, dzOff, cols, db, dbOffset, partRows[part]);
            }
            if (dx != null) {
                long dxOff = dx.offset() + first * im2col.inputSampleSize();
                if (im2col.isIdentity()) {
                    gemm.sgemm(true, false, rows, cols, k, 1f, w.segment(), w.offset(), dzSeg, dzOff, 0f, dx.segment(), dxOff);
                } else {
                    // The scratch columns were used up by dW (or never filled, when kept), so dCol = W^T dZ goes there.
                    gemm.sgemm(true, false, rows, cols, k, 1f, w.segment(), w.offset(), dzSeg, dzOff, 0f, ws, base);
                    im2col.col2im(ws, base, samples, dx.segment(), dxOff, false);
                }
            }
        }
        if (to > from) {
            addTransposed(weightGradT.segment(), weightGradT.offset() + (long) part * rows * k, rows, k, dw, dwOffset,
                    rows, 1, freshDw, partRows[part]);
        }
    }

    /**
     * dW = (or +=, unless {@code fresh}) the transpose of the rows x k matrix at {@code t}, one row
     * of t at a time through {@code row} on the heap: entry (r, f) of t goes to
     * {@code dwOffset + f * filterStride + r * rowStride} (filterStride = rows, rowStride = 1 for a
     * dense k x rows dW; {@link ShiftConv} spreads each kernel column's rows kW apart).
     */
    static void addTransposed(MemorySegment t, long tOffset, int rows, int k, MemorySegment dw, long dwOffset,
                              int filterStride, int rowStride, boolean fresh, float[] row) {
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(t, FLOAT, (tOffset + (long) r * k) * Float.BYTES, row, 0, k);
            for (int f = 0; f < k; f++) {
                long at = dwOffset + (long) f * filterStride + (long) r * rowStride;
                dw.setAtIndex(FLOAT, at, fresh ? row[f] : dw.getAtIndex(FLOAT, at) + row[f]);
            }
        }
    }

    /**
     * The column matrix of a group: the input itself for an identity im2col, else unrolled into the
     * kept columns or into {@code ws} at {@code base}.
     */
    private MemorySegment columns(Tensor x, int first, int samples, MemorySegment ws, long base) {
        if (im2col.isIdentity()) {
            return x.segment();
        }
        MemorySegment target = keptColumns != null ? keptColumns.segment() : ws;
        im2col.im2col(x.segment(), x.offset() + first * im2col.inputSampleSize(), samples, target,
                columnsOffset(x, first, base));
        return target;
    }

    /** Where {@link #columns} puts the group's column matrix. */
    private long columnsOffset(Tensor x, int first, long base) {
        if (im2col.isIdentity()) {
            return x.offset() + first * im2col.inputSampleSize();
        }
        return keptColumns != null ? keptColumns.offset() + (long) first * im2col.rows() * im2col.columnsPerSample() : base;
    }

    /**
     * Adds the bias of filters [k0, k1) to their (outH*outW) planes of one sample's output, filter
     * k0's plane at {@code offset}, each plane through {@code row} on the heap, where the add
     * vectorises: adding in the segment element by element took a large share of a small layer's
     * forward (docs/design-measurements.md).
     */
    static void addBias(Tensor b, int k0, int k1, MemorySegment out, long offset, int plane, float[] row) {
        if (b == null) {
            return;
        }
        for (int f = k0; f < k1; f++) {
            float v = b.segment().getAtIndex(FLOAT, b.offset() + f);
            long at = (offset + (long) (f - k0) * plane) * Float.BYTES;
            MemorySegment.copy(out, FLOAT, at, row, 0, plane);
            for (int p = 0; p < plane; p++) {
                row[p] += v;
            }
            MemorySegment.copy(row, 0, out, FLOAT, at, plane);
        }
    }

    /**
     * Copies a (K, samples, plane) group product at {@code zOff} into (samples, K, plane) order, adding
     * the bias. Each filter's row goes through the heap in one copy, where the add vectorises;
     * per-element segment access was a visible share of LeNet's conv2 forward.
     */
    private void scatterWithBias(Tensor b, MemorySegment ws, long zOff, int samples, MemorySegment out, long outOffset,
                                 float[] row) {
        int k = outChannels;
        int plane = im2col.columnsPerSample();
        int ld = samples * plane;
        for (int f = 0; f < k; f++) {
            MemorySegment.copy(ws, FLOAT, (zOff + (long) f * ld) * Float.BYTES, row, 0, ld);
            if (b != null) {
                float v = b.segment().getAtIndex(FLOAT, b.offset() + f);
                for (int p = 0; p < ld; p++) {
                    row[p] += v;
                }
            }
            for (int s = 0; s < samples; s++) {
                long dst = outOffset + ((long) s * k + f) * plane;
                MemorySegment.copy(row, s * plane, out, FLOAT, dst * Float.BYTES, plane);
            }
        }
    }

    /** Copies (samples, K, plane) gradients into a (K, samples*plane) matrix: the inverse of the forward's scatter. */
    private void gather(MemorySegment dy, long dyOffset, int samples, MemorySegment ws, long wsOffset) {
        int k = outChannels;
        long plane = im2col.columnsPerSample();
        long ld = samples * plane;
        for (int s = 0; s < samples; s++) {
            for (int f = 0; f < k; f++) {
                MemorySegment.copy(dy, (dyOffset + (s * k + f) * plane) * Float.BYTES,
                        ws, (wsOffset + f * ld + s * plane) * Float.BYTES, plane * Float.BYTES);
            }
        }
    }

    /** db[f] += the sum of row f of the K x cols matrix dZ ({@link FloatSums}: fixed order, so reproducible). */
    private void accumulateRowSums(MemorySegment dz, long offset, int cols, MemorySegment db, long dbOffset,
                                   float[] row) {
        for (int f = 0; f < outChannels; f++) {
            MemorySegment.copy(dz, FLOAT, (offset + (long) f * cols) * Float.BYTES, row, 0, cols);
            long at = dbOffset + f;
            db.setAtIndex(FLOAT, at, db.getAtIndex(FLOAT, at) + FloatSums.sum(row, cols));
        }
    }
}
