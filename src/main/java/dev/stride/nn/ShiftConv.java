package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.ops.FloatSums;
import dev.stride.ops.VectorSupport;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The passes of a stride-1 {@link Conv2d} without padding (a "valid" convolution such as LeNet's
 * conv2) as one GEMM per kernel column, over rows of the input copied whole, instead of im2col's
 * one GEMM over C*kH*kW rows gathered entry by entry.
 *
 * <p>Per sample, row (c, ki) of the rows matrix B (C*kH, ld) is channel c of the input read flat
 * from image row ki on: B[(c, ki)][q] = x[c][ki*W + q], zero past the plane. Output positions are
 * taken at the input's full width, p = oh*W + ow for every ow < W, so window entry (c, ki, kj) of
 * position p is B[(c, ki)][p + kj]: B shifted by kj columns is im2col's rows (c, ki, kj) at these
 * positions, and
 * <pre>
 *   Z (K, outH*W)      = sum over kj of W_kj (K, C*kH) * B_kj,        W_kj = W[:, :, :, kj]
 *   dW_kj^T (C*kH, K)  = B_kj * dZ^T                                   (dZ widened with zero columns)
 *   dB[:, kj + p]     += (W_kj^T * dZ)[:, p]                            dX[c][ki*W + q] += dB[(c, ki)][q]
 * </pre>
 * The columns ow >= outW of Z are computed and dropped, and the widened dZ is zero there, so they
 * add nothing to dW or dX. Every copy is one contiguous run and every add a long loop; the price is
 * W/outW more GEMM work (1.4x for 5x5 at 14x14) and kW GEMM calls per pass instead of one, which
 * pays where im2col's gather and scatter cost more than its GEMMs, as on LeNet's conv2 with
 * OpenBLAS's AVX-512 kernels (docs/design-measurements.md).
 *
 * <p>A non-finite input value can reach dW through a dropped column (0 times infinity), where
 * im2col would keep it out of some entries; the loss is not finite then anyway.
 */
final class ShiftConv implements ConvLowering {
    private final Gemm gemm;
    private final boolean vector;         // narrow and addRowsBack on the Vector API (ShiftConvVectors)
    private final int outChannels;
    private final int channels;
    private final int height;
    private final int width;
    private final int kernelH;
    private final int kernelW;
    private final int outH;
    private final int outW;
    private final int rows;               // C*kH: rows of B
    private final int wide;               // outH*W: output positions at the input's full width
    private final int ld;                 // wide + kW - 1: the row stride of B and of its gradient
    private final long zOffset;           // where a part's (K, wide) product or widened dZ starts in its scratch
    private final Tensor keptRows;        // (N, rows, ld): each sample's B from forward, or null
    private final Tensor shiftedWeights;  // (parts, kW, K, rows): W_kj for each part
    private final Tensor weightGradT;     // (parts, kW, rows, K): each part's dW_kj^T, summed over its samples; null for inference
    private final Scratch[] scratch;      // one per part
    private final float[] tailZeros;      // kW - 1 zeros: what B holds past the end of the plane

    /** True for the geometries this class runs: stride 1, no padding, a kernel wider than one column. */
    static boolean suits(Conv2dSpec spec) {
        return spec.stride() == 1 && spec.padding() == 0 && spec.kernelW() > 1;
    }

    /** True where this class is the faster lowering: a geometry it runs, on a GEMM whose thin calls are cheap. */
    static boolean pays(Conv2dSpec spec, Gemm gemm) {
        return suits(spec) && gemm.thinCallsCheap();
    }

    /**
     * For input {@code in} and output {@code out} of {@code spec}, run in {@code parts} parts;
     * {@code vector} picks {@link ShiftConvVectors} for the output and input-gradient passes (the
     * policy passes whether the JVM has the Vector API; tests compare both).
     */
    ShiftConv(Conv2dSpec spec, Shape in, Shape out, Gemm gemm, Arena arena, int parts, long keepRowsFloats,
              boolean training, boolean vector) {
        if (vector) {
            VectorSupport.requirePresent(spec.toString());
        }
        this.vector = vector;
        this.gemm = gemm;
        this.outChannels = spec.outChannels();
        this.channels = in.dim(1);
        this.height = in.dim(2);
        this.width = in.dim(3);
        this.kernelH = spec.kernelH();
        this.kernelW = spec.kernelW();
        this.outH = out.dim(2);
        this.outW = out.dim(3);
        this.rows = channels * kernelH;
        this.wide = outH * width;
        this.ld = wide + kernelW - 1;
        this.zOffset = (long) rows * ld;
        long batchFloats = (long) in.dim(0) * rows * ld;
        this.keptRows = batchFloats <= keepRowsFloats ? Tensor.zeros(arena, Shape.of(in.dim(0), rows, ld)) : null;
        this.shiftedWeights = Tensor.zeros(arena, Shape.of(parts, kernelW, outChannels, rows));
        this.weightGradT = training ? Tensor.zeros(arena, Shape.of(parts, kernelW, rows, outChannels)) : null;
        this.tailZeros = new float[kernelW - 1];
        this.scratch = new Scratch[parts];
        for (int p = 0; p < parts; p++) {
            scratch[p] = new Scratch();
        }
    }

    /** Scratch floats one part needs: B (or, in backward, its gradient), then the (K, wide) product. */
    @Override
    public long partFloats() {
        return zOffset + (long) outChannels * wide;
    }

    /** y = W * x + b for samples [from, to) into the NCHW output, with the part's scratch at {@code base}. */
    @Override
    public void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor w, Tensor b, Tensor output) {
        shiftWeights(w, part);
        for (int s = from; s < to; s++) {
            MemorySegment rowsSeg = keptRows != null ? keptRows.segment() : ws;
            long rowsOff = rowsOffset(s, base);
            copyRows(x, s, rowsSeg, rowsOff);
            forwardFilters(rowsSeg, rowsOff, s, 0, outChannels, part, ws, base, b, output);
        }
    }

    /** Every filter, unless forward keeps its rows for backward. */
    @Override
    public int channelBlocks() {
        return keptRows == null ? outChannels : 0;
    }

    /**
     * Filters [k0, k1) of y = W * x + b for every sample of x: each part copies the sample's rows
     * into its own scratch (repeated by every part) and runs the kW GEMMs for its rows of W_kj.
     */
    @Override
    public void forwardChannels(Tensor x, int k0, int k1, int part, MemorySegment ws, long base, Tensor w, Tensor b,
                                Tensor output) {
        shiftWeights(w, part);
        for (int s = 0; s < x.dim(0); s++) {
            copyRows(x, s, ws, base);
            forwardFilters(ws, base, s, k0, k1, part, ws, base, b, output);
        }
    }

    /** Filters [k0, k1) of sample {@code s}'s output from its B at {@code rowsSeg}/{@code rowsOff}. */
    private void forwardFilters(MemorySegment rowsSeg, long rowsOff, int s, int k0, int k1, int part, MemorySegment ws,
                                long base, Tensor b, Tensor output) {
        long zOff = base + zOffset;
        int filters = k1 - k0;
        for (int kj = 0; kj < kernelW; kj++) {
            // Z (filters, wide) (+)= rows k0.. of W_kj (K, C*kH) * B_kj (C*kH, wide)
            gemm.sgemm(false, false, filters, wide, rows, 1f,
                    shiftedWeights.segment(), shiftedWeightsOffset(part, kj) + (long) k0 * rows, rows,
                    rowsSeg, rowsOff + kj, ld, kj == 0 ? 0f : 1f, ws, zOff, wide);
        }
        long outAt = output.offset() + ((long) s * outChannels + k0) * outH * outW;
        if (vector) {
            ShiftConvVectors.narrow(ws, zOff, b == null ? null : b.segment(), b == null ? 0 : b.offset() + k0,
                    filters, outH, outW, width, output.segment(), outAt);
        } else {
            narrow(ws, zOff, b, k0, k1, output.segment(), outAt, scratch[part]);
        }
    }

    /**
     * The backward of samples [from, to), with the same contract as {@link Im2colConv#backward}:
     * dW += (or, when {@code freshDw}, =) the samples' weight gradient at {@code dw}/{@code dwOffset},
     * dB += the sums of dZ at {@code db} unless it is null, and when {@code dx} is not null, its
     * samples overwritten with the input gradient.
     */
    @Override
    public void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor w,
                  MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx) {
        // Again, not trusting forward's copy: W may have changed in between (as Im2colConv reads W
        // afresh too), and the reordering is K*C*kH*kW floats against the pass's GEMMs.
        shiftWeights(w, part);
        Scratch sc = scratch[part];
        long zOff = base + zOffset;
        for (int s = from; s < to; s++) {
            MemorySegment rowsSeg = keptRows != null ? keptRows.segment() : ws;
            long rowsOff = rowsOffset(s, base);
            if (keptRows == null) {
                copyRows(x, s, ws, base);
            }
            widen(dy, s, ws, zOff, db, dbOffset, sc);
            for (int kj = 0; kj < kernelW; kj++) {
                gemm.sgemm(false, true, rows, outChannels, wide, 1f, rowsSeg, rowsOff + kj, ld, ws, zOff, wide,
                        s == from ? 0f : 1f, weightGradT.segment(), weightGradTOffset(part, kj), outChannels);
            }
            if (dx != null) {
                // B is used up (or kept elsewhere), so its gradient takes its place in the scratch.
                MemorySegment.copy(sc.zeros, 0, ws, FLOAT, base * Float.BYTES, rows * ld);
                for (int kj = 0; kj < kernelW; kj++) {
                    gemm.sgemm(true, false, rows, wide, outChannels, 1f,
                            shiftedWeights.segment(), shiftedWeightsOffset(part, kj), rows,
                            ws, zOff, wide, 1f, ws, base + kj, ld);
                }
                if (vector) {
                    ShiftConvVectors.addRowsBack(ws, base, channels, kernelH, ld, height * width, width, dx.segment(),
                            dx.offset() + (long) s * channels * height * width);
                } else {
                    addRowsBack(ws, base, dx, s, sc);
                }
            }
        }
        if (to > from) {
            addWeightGrad(part, dw, dwOffset, freshDw, sc);
        }
    }

    /** Where sample {@code s}'s B lies: in the kept rows, else at the start of the part's scratch. */
    private long rowsOffset(int s, long base) {
        return keptRows != null ? keptRows.offset() + (long) s * rows * ld : base;
    }

    private long shiftedWeightsOffset(int part, int kj) {
        return shiftedWeights.offset() + ((long) part * kernelW + kj) * outChannels * rows;
    }

    private long weightGradTOffset(int part, int kj) {
        return weightGradT.offset() + ((long) part * kernelW + kj) * rows * outChannels;
    }

    /** The part's W_kj (K, C*kH) for every kj, from W (K, C, kH, kW). */
    private void shiftWeights(Tensor w, int part) {
        float[] all = scratch[part].weights;
        float[] one = scratch[part].shifted;
        int filter = rows * kernelW;
        MemorySegment.copy(w.segment(), FLOAT, w.offset() * Float.BYTES, all, 0, outChannels * filter);
        for (int kj = 0; kj < kernelW; kj++) {
            for (int f = 0; f < outChannels; f++) {
                for (int r = 0; r < rows; r++) {
                    one[f * rows + r] = all[f * filter + r * kernelW + kj];
                }
            }
            MemorySegment.copy(one, 0, shiftedWeights.segment(), FLOAT, shiftedWeightsOffset(part, kj) * Float.BYTES,
                    outChannels * rows);
        }
    }

    /** Writes sample {@code s}'s B at {@code at}: each row one copy from the input, zero past the plane. */
    private void copyRows(Tensor x, int s, MemorySegment target, long at) {
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            long planeAt = x.offset() + ((long) s * channels + c) * plane;
            for (int ki = 0; ki < kernelH; ki++) {
                long row = at + (long) (c * kernelH + ki) * ld;
                int length = Math.min(ld, plane - ki * width);
                MemorySegment.copy(x.segment(), FLOAT, (planeAt + (long) ki * width) * Float.BYTES,
                        target, FLOAT, row * Float.BYTES, length);
                MemorySegment.copy(tailZeros, 0, target, FLOAT, (row + length) * Float.BYTES, ld - length);
            }
        }
    }

    /**
     * Copies the (k1 - k0, outH*W) product of filters [k0, k1) at {@code zOff} into one sample's NCHW
     * output, filter k0's plane at {@code outOffset}, without the dropped columns, adding the bias.
     */
    private void narrow(MemorySegment ws, long zOff, Tensor b, int k0, int k1, MemorySegment out, long outOffset,
                        Scratch sc) {
        float[] z = sc.wideRow;
        float[] y = sc.plane;
        int outPlane = outH * outW;
        for (int f = 0; f < k1 - k0; f++) {
            MemorySegment.copy(ws, FLOAT, (zOff + (long) f * wide) * Float.BYTES, z, 0, wide);
            float v = b == null ? 0f : b.segment().getAtIndex(FLOAT, b.offset() + k0 + f);
            for (int oh = 0; oh < outH; oh++) {
                int from = oh * width;
                int to = oh * outW;
                for (int ow = 0; ow < outW; ow++) {
                    y[to + ow] = z[from + ow] + v;
                }
            }
            MemorySegment.copy(y, 0, out, FLOAT, (outOffset + (long) f * outPlane) * Float.BYTES, outPlane);
        }
    }

    /**
     * Writes sample {@code s}'s dZ at {@code zOff} as (K, outH*W), zero in the dropped columns, and
     * adds each filter's sum to dB ({@link FloatSums}: a fixed order, so reproducible).
     */
    private void widen(Tensor dy, int s, MemorySegment ws, long zOff, MemorySegment db, long dbOffset, Scratch sc) {
        float[] plane = sc.plane;
        float[] wideRow = sc.widenedRow; // its dropped columns are never written, so they stay zero
        int outPlane = outH * outW;
        for (int f = 0; f < outChannels; f++) {
            MemorySegment.copy(dy.segment(), FLOAT, (dy.offset() + ((long) s * outChannels + f) * outPlane) * Float.BYTES,
                    plane, 0, outPlane);
            if (db != null) {
                long at = dbOffset + f;
                db.setAtIndex(FLOAT, at, db.getAtIndex(FLOAT, at) + FloatSums.sum(plane, outPlane));
            }
            for (int oh = 0; oh < outH; oh++) {
                System.arraycopy(plane, oh * outW, wideRow, oh * width, outW);
            }
            MemorySegment.copy(wideRow, 0, ws, FLOAT, (zOff + (long) f * wide) * Float.BYTES, wide);
        }
    }

    /** Overwrites sample {@code s}'s dX with B's gradient at {@code at}: row (c, ki) added back at ki*W of plane c. */
    private void addRowsBack(MemorySegment ws, long at, Tensor dx, int s, Scratch sc) {
        int plane = height * width;
        float[] grad = sc.grad;
        float[] back = sc.channelRows;
        for (int c = 0; c < channels; c++) {
            MemorySegment.copy(ws, FLOAT, (at + (long) c * kernelH * ld) * Float.BYTES, back, 0, kernelH * ld);
            Arrays.fill(grad, 0, plane, 0f);
            for (int ki = 0; ki < kernelH; ki++) {
                int shift = ki * width;
                int from = ki * ld;
                int length = Math.min(ld, plane - shift);
                for (int q = 0; q < length; q++) {
                    grad[shift + q] += back[from + q];
                }
            }
            MemorySegment.copy(grad, 0, dx.segment(), FLOAT,
                    (dx.offset() + ((long) s * channels + c) * plane) * Float.BYTES, plane);
        }
    }

    /** dW[f][c][ki][kj] (+)= the part's dW_kj^T[(c, ki)][f]. */
    private void addWeightGrad(int part, MemorySegment dw, long dwOffset, boolean fresh, Scratch sc) {
        for (int kj = 0; kj < kernelW; kj++) {
            Im2colConv.addTransposed(weightGradT.segment(), weightGradTOffset(part, kj), rows, outChannels, dw,
                    dwOffset + kj, rows * kernelW, kernelW, fresh, sc.plane);
        }
    }

    /** One part's heap buffers, sized at build so that the passes allocate nothing. */
    private final class Scratch {
        final float[] weights = new float[outChannels * rows * kernelW]; // W (K, C*kH*kW)
        final float[] shifted = new float[outChannels * rows];           // one W_kj (K, C*kH)
        final float[] wideRow = new float[wide];                         // one filter's row of the product
        final float[] widenedRow = new float[wide];                      // one filter's widened dZ
        final float[] plane = new float[Math.max(outH * outW, outChannels)]; // one output plane, or one row of dW^T
        final float[] grad = new float[height * width];                  // one channel's dX
        final float[] channelRows = new float[kernelH * ld];             // one channel's rows of B's gradient
        final float[] zeros = new float[rows * ld];                      // what B's gradient starts from
    }
}
