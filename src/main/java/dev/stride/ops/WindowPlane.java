package dev.stride.ops;

import java.util.Arrays;

/**
 * The window kernels of {@link Im2col} for one channel plane on the heap: {@link #gather} copies
 * every window row out of the plane, {@link #add} adds them back where they were read. Three
 * paths, fastest first: "same" padding at stride 1, where a window row is the plane shifted by a
 * constant (one long run, then the edge columns fixed up); stride 1 without padding, where every
 * window lies inside; and the general clipped loops.
 */
final class WindowPlane {
    private final int height;
    private final int width;
    private final int kernelH;
    private final int kernelW;
    private final int stride;
    private final int padding;
    private final int outH;
    private final int outW;

    WindowPlane(int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW) {
        this.height = height;
        this.width = width;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.stride = stride;
        this.padding = padding;
        this.outH = outH;
        this.outW = outW;
    }

    private int columnsPerSample() {
        return outH * outW;
    }

    /** Fills cols (kH*kW, outH*outW) with the windows of one input plane (H, W); padding reads as zero. */
    void gather(float[] in, float[] cols) {
        int perSample = columnsPerSample();
        if (isShift()) {
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int rowStart = (ki * kernelW + kj) * perSample;
                    int shift = shift(ki, kj);
                    int lo = shiftedFrom(ki, shift);
                    int hi = Math.max(lo, shiftedTo(ki, shift));
                    Arrays.fill(cols, rowStart, rowStart + lo, 0f);
                    System.arraycopy(in, lo + shift, cols, rowStart + lo, hi - lo);
                    Arrays.fill(cols, rowStart + hi, rowStart + perSample, 0f);
                    zeroEdgeColumns(cols, rowStart, kj);
                }
            }
            return;
        }
        if (isValidUnitStride()) {
            // Rows are only outW wide (10 floats in LeNet's conv2): a plain loop beats an arraycopy
            // call and two empty fills per row, which JFR showed as most of im2col's time.
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int dst = (ki * kernelW + kj) * perSample;
                    int src = ki * width + kj;
                    for (int oh = 0; oh < outH; oh++, dst += outW, src += width) {
                        for (int ow = 0; ow < outW; ow++) {
                            cols[dst + ow] = in[src + ow];
                        }
                    }
                }
            }
            return;
        }
        for (int ki = 0; ki < kernelH; ki++) {
            for (int kj = 0; kj < kernelW; kj++) {
                int rowStart = (ki * kernelW + kj) * perSample;
                int owLo = firstInside(kj);
                int owHi = Math.max(owLo, endInside(kj));
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * stride - padding + ki;
                    int dst = rowStart + oh * outW;
                    if (ih < 0 || ih >= height) {
                        zero(cols, dst, dst + outW);
                        continue;
                    }
                    zero(cols, dst, dst + owLo);
                    int src = ih * width - padding + kj;
                    if (stride == 1) {
                        for (int ow = owLo; ow < owHi; ow++) {
                            cols[dst + ow] = in[src + ow];
                        }
                    } else {
                        for (int ow = owLo; ow < owHi; ow++) {
                            cols[dst + ow] = in[src + ow * stride];
                        }
                    }
                    zero(cols, dst + owHi, dst + outW);
                }
            }
        }
    }

    /** Plain loop: the runs are a row or less, too short for Arrays.fill's call and range check to pay. */
    private static void zero(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = 0f;
        }
    }

    /** grad (H, W) += every window row of cols (kH*kW, outH*outW) at the input positions it was read from. */
    void add(float[] cols, float[] grad) {
        int perSample = columnsPerSample();
        if (isShift()) {
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int rowStart = (ki * kernelW + kj) * perSample;
                    int shift = shift(ki, kj);
                    int lo = shiftedFrom(ki, shift);
                    int hi = shiftedTo(ki, shift);
                    // Entries read from the left and right padding would land on the neighbouring
                    // row's far edge in the one long loop below, so they are cleared first.
                    zeroEdgeColumns(cols, rowStart, kj);
                    for (int i = lo; i < hi; i++) {
                        grad[i + shift] += cols[rowStart + i];
                    }
                }
            }
            return;
        }
        if (isValidUnitStride()) {
            for (int ki = 0; ki < kernelH; ki++) {
                for (int kj = 0; kj < kernelW; kj++) {
                    int src = (ki * kernelW + kj) * perSample;
                    int dst = ki * width + kj;
                    for (int oh = 0; oh < outH; oh++, src += outW, dst += width) {
                        for (int ow = 0; ow < outW; ow++) {
                            grad[dst + ow] += cols[src + ow];
                        }
                    }
                }
            }
            return;
        }
        for (int ki = 0; ki < kernelH; ki++) {
            for (int kj = 0; kj < kernelW; kj++) {
                int rowStart = (ki * kernelW + kj) * perSample;
                int owLo = firstInside(kj);
                int owHi = endInside(kj);
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * stride - padding + ki;
                    if (ih < 0 || ih >= height) {
                        continue;
                    }
                    int src = rowStart + oh * outW;
                    int dst = ih * width - padding + kj;
                    if (stride == 1) {
                        for (int ow = owLo; ow < owHi; ow++) {
                            grad[dst + ow] += cols[src + ow];
                        }
                    } else {
                        for (int ow = owLo; ow < owHi; ow++) {
                            grad[dst + ow * stride] += cols[src + ow];
                        }
                    }
                }
            }
        }
    }

    /**
     * True for unit stride with the output as wide as the input ("same" padding): then window row
     * (ki, kj) is the input plane shifted by one constant, so im2col and col2im move a window row
     * in one long run instead of one short run per output row, and fix up the edge columns after.
     */
    private boolean isShift() {
        return stride == 1 && outW == width;
    }

    /** True for unit stride without padding: every window lies inside the input, so no bounds or zeroing. */
    private boolean isValidUnitStride() {
        return stride == 1 && padding == 0;
    }

    /** Input index minus output index for window position (ki, kj) in the {@link #isShift} case. */
    private int shift(int ki, int kj) {
        return (ki - padding) * width + (kj - padding);
    }

    /** The first output index of window row (ki, ...) whose input row is real and whose input index is not negative. */
    private int shiftedFrom(int ki, int shift) {
        return Math.max(Math.max(0, padding - ki) * outW, -shift);
    }

    /** One past the last output index of window row (ki, ...) whose input row is real and inside the plane. */
    private int shiftedTo(int ki, int shift) {
        return Math.min(Math.min(outH, height + padding - ki) * outW, height * width - shift);
    }

    /** Zeroes the output columns of window column kj that read the left or right padding, in every output row. */
    private void zeroEdgeColumns(float[] cols, int rowStart, int kj) {
        int owLo = firstInside(kj);
        int owHi = Math.max(owLo, endInside(kj));
        if (owLo == 0 && owHi == outW) {
            return;
        }
        // Column by column: each edge column is one strided loop over the rows. Row by row, the
        // two inner loops ran zero to two times each and their set-up cost most of the time
        // (JFR on VGG-small: this method was the hottest Java frame).
        for (int ow = 0; ow < owLo; ow++) {
            for (int at = rowStart + ow, end = rowStart + outH * outW; at < end; at += outW) {
                cols[at] = 0f;
            }
        }
        for (int ow = owHi; ow < outW; ow++) {
            for (int at = rowStart + ow, end = rowStart + outH * outW; at < end; at += outW) {
                cols[at] = 0f;
            }
        }
    }

    /** The first output column whose window column {@code kj} lands inside the input (not padding). */
    private int firstInside(int kj) {
        int need = padding - kj; // ow * stride >= padding - kj
        return need <= 0 ? 0 : Math.min(outW, (need + stride - 1) / stride);
    }

    /** One past the last output column whose window column {@code kj} lands inside the input. */
    private int endInside(int kj) {
        int last = width - 1 + padding - kj; // ow * stride <= width - 1 + padding - kj
        return last < 0 ? 0 : Math.min(outW, last / stride + 1);
    }
}
