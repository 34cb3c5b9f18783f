package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.ops.FloatSums;
import dev.stride.ops.Im2col;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * A grouped {@link Conv2d} (1 < groups, or a depthwise layer when the policy turns the direct loops
 * off) as im2col and one GEMM per group and sample. In NCHW order a group's Cg = C/groups input
 * channels are one block of a sample, its Kg = K/groups filters one block of the weights (Kg x
 * Cg*kH*kW, the layout [K, C/groups, kH, kW] already is) and its output one block of the sample's
 * output, so each group is an ordinary convolution of Cg channels and nothing is copied between
 * groups:
 * <pre>
 *   Y_g (Kg x outH*outW)       = W_g (Kg x Cg*kH*kW) col_g (Cg*kH*kW x outH*outW) + b_g
 *   dW_g (Kg x Cg*kH*kW)      += dY_g col_g^T
 *   dX_g (Cg x H x W)          = col2im(W_g^T dY_g)
 * </pre>
 * Backward builds each group's columns again rather than keeping them: no memory outside the
 * workspace, so an inference build allocates nothing for backward.
 */
final class GroupedConv implements ConvLowering {
    private final Gemm gemm;
    private final int groups;
    private final int groupIn;        // Cg = C / groups
    private final int groupOut;       // Kg = K / groups
    private final Im2col im2col;      // over one group's Cg channels
    private final int plane;          // outH*outW
    private final int parts;          // the workspace's part count
    private final float[][] partRows; // (parts, outH*outW): each part's heap copy of one output or gradient plane

    GroupedConv(Conv2dSpec spec, Shape in, Shape out, Gemm gemm, int parts) {
        this.gemm = gemm;
        this.groups = spec.groups();
        this.groupIn = spec.groupInChannels();
        this.groupOut = spec.groupOutChannels();
        this.im2col = new Im2col(groupIn, in.dim(2), in.dim(3), spec.kernelH(), spec.kernelW(), spec.stride(),
                spec.padding(), out.dim(2), out.dim(3));
        this.plane = out.dim(2) * out.dim(3);
        this.parts = parts;
        this.partRows = new float[parts][plane];
    }

    /** One group's column matrix (Cg*kH*kW, outH*outW); none when a 1x1 layer's input already is one. */
    @Override
    public long partFloats() {
        return im2col.isIdentity() ? 0 : (long) im2col.rows() * plane;
    }

    @Override
    public void forward(Tensor x, int from, int to, int part, MemorySegment ws, long base, Tensor w, Tensor b, Tensor output) {
        forward(x, from, to, 0, groups, part, ws, base, w, b, output);
    }

    /** Whole groups, where there are enough of them for every part (else by samples, as the policy planned). */
    @Override
    public int channelBlocks() {
        return groups >= parts ? groups : 0;
    }

    @Override
    public void forwardChannels(Tensor x, int g0, int g1, int part, MemorySegment ws, long base, Tensor w, Tensor b,
                                Tensor output) {
        forward(x, 0, x.dim(0), g0, g1, part, ws, base, w, b, output);
    }

    /** Samples [from, to), groups [g0, g1). */
    private void forward(Tensor x, int from, int to, int g0, int g1, int part, MemorySegment ws, long base, Tensor w,
                         Tensor b, Tensor output) {
        int rows = im2col.rows();
        for (int s = from; s < to; s++) {
            for (int g = g0; g < g1; g++) {
                long xOff = groupInput(x, s, g);
                MemorySegment colSeg = columns(x.segment(), xOff, ws, base);
                long colOff = im2col.isIdentity() ? xOff : base;
                gemm.sgemm(false, false, groupOut, plane, rows, 1f, w.segment(), w.offset() + (long) g * groupOut * rows,
                        colSeg, colOff, 0f, output.segment(), groupOutput(output, s, g));
            }
            Im2colConv.addBias(b, g0 * groupOut, g1 * groupOut, output.segment(), groupOutput(output, s, g0), plane,
                    partRows[part]);
        }
    }

    @Override
    public void backward(Tensor x, Tensor dy, int from, int to, int part, MemorySegment ws, long base, Tensor w,
                         MemorySegment dw, long dwOffset, boolean freshDw, MemorySegment db, long dbOffset, Tensor dx) {
        int rows = im2col.rows();
        if (freshDw && from == to) {
            Tensor.fill(dw, dwOffset, (long) groups * groupOut * rows, 0f);
        }
        for (int s = from; s < to; s++) {
            for (int g = 0; g < groups; g++) {
                long xOff = groupInput(x, s, g);
                MemorySegment colSeg = columns(x.segment(), xOff, ws, base);
                long colOff = im2col.isIdentity() ? xOff : base;
                long dzOff = groupOutput(dy, s, g);
                long wOff = (long) g * groupOut * rows;
                gemm.sgemm(false, true, groupOut, rows, plane, 1f, dy.segment(), dzOff, colSeg, colOff,
                        freshDw && s == from ? 0f : 1f, dw, dwOffset + wOff);
                if (dx != null) {
                    long dxOff = groupInput(dx, s, g);
                    if (im2col.isIdentity()) {
                        gemm.sgemm(true, false, rows, plane, groupOut, 1f, w.segment(), w.offset() + wOff, dy.segment(), dzOff,
                                0f, dx.segment(), dxOff);
                    } else {
                        // The columns are used up by dW, so dCol = W_g^T dY_g goes in their place.
                        gemm.sgemm(true, false, rows, plane, groupOut, 1f, w.segment(), w.offset() + wOff, dy.segment(), dzOff,
                                0f, ws, base);
                        im2col.col2im(ws, base, 1, dx.segment(), dxOff, false);
                    }
                }
            }
            if (db != null) {
                accumulatePlaneSums(dy.segment(), groupOutput(dy, s, 0), db, dbOffset, partRows[part]);
            }
        }
    }

    /** Where group g of sample s starts in an NCHW input (or input gradient), in floats. */
    private long groupInput(Tensor t, int s, int g) {
        return t.offset() + ((long) s * groups + g) * im2col.inputSampleSize();
    }

    /** Where group g's filters of sample s start in an NCHW output (or its gradient), in floats. */
    private long groupOutput(Tensor t, int s, int g) {
        return t.offset() + ((long) s * groups + g) * groupOut * plane;
    }

    /** The group's column matrix: its input itself for a 1x1 layer, else unrolled into the scratch at {@code base}. */
    private MemorySegment columns(MemorySegment x, long xOff, MemorySegment ws, long base) {
        if (im2col.isIdentity()) {
            return x;
        }
        im2col.im2col(x, xOff, 1, ws, base);
        return ws;
    }

    /** db[f] += the sum of filter f's gradient plane of one sample ({@link FloatSums}: a fixed order). */
    private void accumulatePlaneSums(MemorySegment dy, long offset, MemorySegment db, long dbOffset, float[] row) {
        for (int f = 0; f < groups * groupOut; f++) {
            MemorySegment.copy(dy, FLOAT, (offset + (long) f * plane) * Float.BYTES, row, 0, plane);
            long at = dbOffset + f;
            db.setAtIndex(FLOAT, at, db.getAtIndex(FLOAT, at) + FloatSums.sum(row, plane));
        }
    }
}
