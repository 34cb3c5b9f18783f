package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Lowers convolution onto matrix multiply: {@link #im2col} unrolls every receptive field of an
 * NCHW input into a column, and {@link #col2im} scatters columns back, adding where windows
 * overlap (the adjoint of im2col, used for the input gradient).
 *
 * <p>Layout for a run of {@code s} consecutive samples: a row-major matrix of
 * {@code rows() = C*kH*kW} rows (channel, then kernel row, then kernel column: the order of the
 * weight tensor [K, C, kH, kW]) and {@code s*outH*outW} columns, sample-major. With the weights as a
 * K x rows() matrix, one GEMM convolves the whole run and yields a (K, s, outH, outW) product; for
 * one sample that is already the NCHW output.
 *
 * <p>Instances hold only the geometry and are immutable; the kernels take segments and offsets in
 * floats so hot loops create no slices.
 */
public final class Im2col {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int channels;
    private final int plane;        // H*W: floats in one channel of the input
    private final int windows;      // kH*kW: window positions, so column-matrix rows per channel
    private final int columns;      // outH*outW: columns per sample
    private final boolean identity; // 1x1, stride 1, no padding
    private final WindowPlane planeWindows;

    /** {@code outH} and {@code outW} come from {@link OutputSize} (flooring already decided there). */
    public Im2col(int channels, int height, int width, int kernelH, int kernelW,
                  int stride, int padding, int outH, int outW) {
        if (channels < 1 || height < 1 || width < 1 || kernelH < 1 || kernelW < 1 || stride < 1 || padding < 0
                || outH < 1 || outW < 1
                || (long) (outH - 1) * stride + kernelH > height + 2L * padding
                || (long) (outW - 1) * stride + kernelW > width + 2L * padding) {
            throw new IllegalArgumentException("im2col: " + outH + "x" + outW + " windows of " + kernelH + "x" + kernelW
                    + " at stride " + stride + " do not fit a " + channels + "x" + height + "x" + width
                    + " input with padding " + padding);
        }
        this.channels = channels;
        this.plane = height * width;
        this.windows = kernelH * kernelW;
        this.columns = outH * outW;
        this.identity = kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0;
        this.planeWindows = new WindowPlane(height, width, kernelH, kernelW, stride, padding, outH, outW);
    }

    /** Rows of the column matrix: {@code C*kH*kW}. */
    public int rows() {
        return channels * windows;
    }

    /** Columns one sample contributes: {@code outH*outW}. */
    public int columnsPerSample() {
        return columns;
    }

    /** Floats in one input sample: {@code C*H*W}. */
    public long inputSampleSize() {
        return (long) channels * plane;
    }

    /**
     * True where every window row is one shifted run of the plane ("same" padding at stride 1):
     * such a column matrix is cheap to build again, where other geometries gather entry by entry.
     */
    public boolean copiesRuns() {
        return planeWindows.isShift();
    }

    /**
     * True for a 1x1 kernel at stride 1 without padding: a sample's input (C, H*W) already is its
     * column matrix, so callers can hand it to GEMM without copying.
     */
    public boolean isIdentity() {
        return identity;
    }

    /** Input channels: each fills {@code kernelH * kernelW} rows of the column matrix. */
    public int channels() {
        return channels;
    }

    /**
     * Overwrites the {@code rows() x samples*outH*outW} column matrix at {@code colOffset} with the
     * receptive fields of {@code samples} consecutive NCHW samples starting at {@code xOffset};
     * positions in the padding read as zero.
     */
    public void im2col(MemorySegment x, long xOffset, int samples, MemorySegment col, long colOffset) {
        im2col(x, xOffset, samples, 0, channels, col, colOffset);
    }

    /**
     * {@link #im2col(MemorySegment, long, int, MemorySegment, long)} for input channels [c0, c1)
     * only: their rows of the column matrix, so that several threads can fill one matrix between them.
     */
    public void im2col(MemorySegment x, long xOffset, int samples, int c0, int c1, MemorySegment col, long colOffset) {
        if (c0 < 0 || c1 > channels || c0 > c1) {
            throw new IllegalArgumentException("im2col: channels [" + c0 + ", " + c1 + ") of " + channels);
        }
        checkFits("input", x, xOffset, samples * inputSampleSize());
        long ld = (long) samples * columnsPerSample();
        checkFits("column matrix", col, colOffset, rows() * ld);
        int perSample = columnsPerSample();
        boolean shift = planeWindows.isShift();
        boolean phased = planeWindows.isPhased();
        Scratch scratch = SCRATCH.get().ensure(phased ? perSample : 0, plane + 1);
        float[] in = scratch.plane;    // (H, W): one channel of the input, then the zero that padding reads
        float[][] masked = shift ? scratch.masked(planeWindows.kernelW(), plane) : null; // see WindowPlane.maskEdges
        float[] phases = phased ? scratch.phases(planeWindows.phasedFloats()) : null;  // see WindowPlane.splitIntoPhases
        float[] row = scratch.cols;    // phased: one window row on its way to the column matrix
        in[plane] = 0f;
        for (int s = 0; s < samples; s++) {
            for (int c = c0; c < c1; c++) {
                // The plane comes to the heap in one copy, and each window row goes straight to its
                // place in the column matrix. Copying each output row between segments measured
                // slower: rows are short.
                long planeAt = xOffset + ((long) s * channels + c) * plane;
                MemorySegment.copy(x, FLOAT, planeAt * Float.BYTES, in, 0, plane);
                if (shift) {
                    planeWindows.maskEdges(in, masked);
                } else if (phased) {
                    planeWindows.splitIntoPhases(in, phases);
                }
                for (int r = 0; r < windows; r++) {
                    long at = colOffset + (long) (c * windows + r) * ld + (long) s * perSample;
                    if (shift) {
                        planeWindows.gatherShiftedRow(in, masked, r, col, at);
                    } else if (phased) {
                        planeWindows.gatherPhasedRow(phases, r, row, col, at);
                    } else {
                        planeWindows.gatherRow(in, r, col, at);
                    }
                }
            }
        }
    }

    /**
     * Adds the {@code rows() x samples*outH*outW} column matrix at {@code colOffset} back into the
     * {@code samples} NCHW samples at {@code dxOffset}: every column entry goes to the input position
     * it was read from, and entries from the padding are dropped. With {@code accumulate} the sums
     * are added to {@code dx}; without, they overwrite it (positions no window reaches, in a floored
     * geometry, become zero), which spares the caller a pass zeroing dx and this one a pass reading it.
     */
    public void col2im(MemorySegment col, long colOffset, int samples, MemorySegment dx, long dxOffset, boolean accumulate) {
        checkFits("input gradient", dx, dxOffset, samples * inputSampleSize());
        long ld = (long) samples * columnsPerSample();
        checkFits("column matrix", col, colOffset, rows() * ld);
        int perSample = columnsPerSample();
        boolean shift = planeWindows.isShift();
        Scratch scratch = SCRATCH.get().ensure(shift || samples == 1 ? windows * perSample : 0, plane + 1);
        float[] cols = scratch.cols;   // (kH*kW, outH*outW): one channel's rows for one sample
        float[] grad = scratch.plane;  // (H, W): that channel's input gradient, then a slot for the padding's entries
        for (int s = 0; s < samples; s++) {
            for (int c = 0; c < channels; c++) {
                long planeAt = dxOffset + ((long) s * channels + c) * plane;
                if (accumulate) {
                    MemorySegment.copy(dx, FLOAT, planeAt * Float.BYTES, grad, 0, plane);
                } else {
                    Arrays.fill(grad, 0, plane, 0f);
                }
                // Whole rows and planes move in bulk, and the scatter-add runs on heap arrays, where C2
                // vectorises the unit-stride case; adding into segments element by element measured
                // as the largest cost outside GEMM in a VGG backward pass.
                if (samples == 1 && !shift) {
                    // One sample's rows of a channel are contiguous: one copy to the heap, then the
                    // scatter-add there, which beat adding row by row (docs/design-measurements.md).
                    // The same for im2col measured no gain.
                    MemorySegment.copy(col, FLOAT, (colOffset + (long) c * windows * ld) * Float.BYTES, cols, 0,
                            windows * perSample);
                    planeWindows.addRows(cols, grad);
                } else {
                    for (int r = 0; r < windows; r++) {
                        long row = colOffset + (long) (c * windows + r) * ld + (long) s * perSample;
                        if (shift) {
                            MemorySegment.copy(col, FLOAT, row * Float.BYTES, cols, r * perSample, perSample);
                        } else {
                            planeWindows.addRow(col, row, r, grad);
                        }
                    }
                    if (shift) {
                        planeWindows.add(cols, grad);
                    }
                }
                MemorySegment.copy(grad, 0, dx, FLOAT, planeAt * Float.BYTES, plane);
            }
        }
    }

    /** One thread's heap scratch for im2col and col2im, grown to the largest geometry it has seen and then reused. */
    private static final class Scratch {
        float[] cols = new float[0];
        float[] plane = new float[0];
        float[][] masked = new float[0][0];
        float[] phases = new float[0];

        /** At least {@code floats} for WindowPlane.splitIntoPhases. */
        float[] phases(int floats) {
            if (phases.length < floats) {
                phases = new float[floats];
            }
            return phases;
        }

        Scratch ensure(int colFloats, int planeFloats) {
            if (cols.length < colFloats) {
                cols = new float[colFloats];
            }
            if (plane.length < planeFloats) {
                plane = new float[planeFloats];
            }
            return this;
        }

        /** {@code count} arrays of at least {@code planeFloats}, for WindowPlane.maskEdges. */
        float[][] masked(int count, int planeFloats) {
            if (masked.length < count) {
                masked = Arrays.copyOf(masked, count);
            }
            for (int i = 0; i < count; i++) {
                if (masked[i] == null || masked[i].length < planeFloats) {
                    masked[i] = new float[planeFloats];
                }
            }
            return masked;
        }
    }

    private static void checkFits(String what, MemorySegment s, long offset, long floats) {
        if (offset < 0 || offset + floats > s.byteSize() / Float.BYTES) {
            throw new IndexOutOfBoundsException("im2col: the " + what + " needs " + floats + " floats at offset " + offset
                    + " but its segment holds " + s.byteSize() / Float.BYTES);
        }
    }
}
