package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The window kernels of {@link Im2col} for one channel plane. Two paths: with "same" padding at
 * stride 1 ({@link #isShift}), a window row is the plane shifted by a constant, so
 * {@link #gatherShiftedRow} copies it in one long run, and {@link #add} adds it back likewise.
 * Every other geometry goes through a map from each window-row entry to the input position it
 * reads ({@link #gatherRow}, {@link #addRow}): one flat loop per window row, straight to or from
 * the column matrix's segment: the map beat loops over short or strided rows, and spares the row
 * copies a plane made into the segment (docs/design-measurements.md).
 */
final class WindowPlane {
    /**
     * Strided geometries whose map ({@link #gatherRow}) would hold more entries than this (1 MB of
     * ints, L2 on the machines measured) gather from phases instead ({@link #isPhased}); with a
     * smaller map, as of any 3x3 layer but at 224x224, the map's loads cost less than the per-row
     * copies of the phased path (docs/design-measurements.md).
     */
    static final int PHASED_MIN_MAP_ENTRIES = 1 << 18;

    private final int height;
    private final int width;
    private final int kernelH;
    private final int kernelW;
    private final int stride;
    private final int padding;
    private final int outH;
    private final int outW;
    private final PhasedPlane layout; // if isPhased: the padded plane split into its phases, else null
    private final int[] reads; // unless isShift: (kH*kW, outH*outW) input positions, height*width for padding
    private final float[] zeros; // if isShift: as many zeros as a window row has above or below its run

    WindowPlane(int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW) {
        this.height = height;
        this.width = width;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.stride = stride;
        this.padding = padding;
        this.outH = outH;
        this.outW = outW;
        boolean phased = stride > 1 && (long) kernelH * kernelW * outH * outW > PHASED_MIN_MAP_ENTRIES;
        this.layout = phased ? new PhasedPlane(height, width, stride, padding) : null;
        this.reads = isShift() ? null : reads(); // col2im adds back through it in the phased case too
        this.zeros = isShift() ? new float[longestFill()] : null;
    }

    /** For every window-row entry (ki, kj, oh, ow), the input position it reads: the zero slot H*W for padding. */
    private int[] reads() {
        int[] map = new int[kernelH * kernelW * outH * outW];
        int t = 0;
        for (int ki = 0; ki < kernelH; ki++) {
            for (int kj = 0; kj < kernelW; kj++) {
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * stride - padding + ki;
                    for (int ow = 0; ow < outW; ow++) {
                        int iw = ow * stride - padding + kj;
                        boolean inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                        map[t++] = inside ? ih * width + iw : height * width;
                    }
                }
            }
        }
        return map;
    }

    int kernelW() {
        return kernelW;
    }

    /** The most floats a window row has before or after its run in the {@link #isShift} case. */
    private int longestFill() {
        int most = 0;
        for (int ki = 0; ki < kernelH; ki++) {
            for (int kj = 0; kj < kernelW; kj++) {
                int shift = shift(ki, kj);
                int lo = shiftedFrom(ki, shift);
                most = Math.max(most, Math.max(lo, columnsPerSample() - Math.max(lo, shiftedTo(ki, shift))));
            }
        }
        return most;
    }

    /** True where {@link #gatherShiftedRow} and {@link #add} apply; else use {@link #gatherRow} and {@link #addRow}. */
    boolean isShift() {
        return stride == 1 && outW == width;
    }

    /**
     * Writes window row {@code r} (= ki * kW + kj) of the plane {@code in} to {@code col} at float
     * {@code at}: outH*outW floats. {@code in} holds H*W + 1 floats, the last zero (the padding).
     */
    void gatherRow(float[] in, int r, MemorySegment col, long at) {
        int[] map = reads;
        int per = columnsPerSample();
        int from = r * per;
        for (int t = 0; t < per; t++) {
            col.setAtIndex(FLOAT, at + t, in[map[from + t]]);
        }
    }

    /**
     * True for a strided geometry whose map has more than {@link #PHASED_MIN_MAP_ENTRIES} entries
     * (ResNet's 7x7 stem: 2.4 MB read per plane): there the zero-padded plane is split into its
     * S x S phases by row and column remainder ({@link #splitIntoPhases}), in which every output
     * row of every window row is one contiguous run ({@link #gatherPhasedRow}).
     */
    boolean isPhased() {
        return layout != null;
    }

    /** Floats of the phases array ({@link PhasedPlane#floats}). */
    int phasedFloats() {
        return layout.floats();
    }

    /** Overwrites {@code phases} with the plane {@code in} (H*W), zero-padded and split as {@link PhasedPlane} lays it out. */
    void splitIntoPhases(float[] in, float[] phases) {
        Arrays.fill(phases, 0, layout.floats(), 0f);
        for (int ih = 0; ih < height; ih++) {
            layout.splitRow(in, ih * width, phases, layout.rowBase(ih));
        }
    }

    /**
     * In the {@link #isPhased} case: writes window row {@code r} (= ki * kW + kj) to {@code col} at
     * float {@code at}, outH*outW floats, from the phases of {@link #splitIntoPhases}: each output
     * row is a run of one phase, moved into {@code row} (outH*outW floats), which goes to the
     * segment in one copy.
     */
    void gatherPhasedRow(float[] phases, int r, float[] row, MemorySegment col, long at) {
        int ki = r / kernelW;
        int kj = r % kernelW;
        int base = layout.tapOffset(ki, kj);
        int phaseCols = layout.cols();
        for (int oh = 0; oh < outH; oh++) {
            System.arraycopy(phases, base + oh * phaseCols, row, oh * outW, outW);
        }
        MemorySegment.copy(row, 0, col, FLOAT, at * Float.BYTES, outH * outW);
    }

    /** Adds every window row of {@code rows} (kH*kW, outH*outW) into {@code grad} where it was read; see {@link #addRow}. */
    void addRows(float[] rows, float[] grad) {
        int[] map = reads;
        for (int t = 0; t < map.length; t++) {
            grad[map[t]] += rows[t];
        }
    }

    /**
     * Adds window row {@code r} of {@code col} at float {@code at} into {@code grad} where it was
     * read; {@code grad} holds H*W + 1 floats, the last collecting the padding's entries.
     */
    void addRow(MemorySegment col, long at, int r, float[] grad) {
        int[] map = reads;
        int per = columnsPerSample();
        int from = r * per;
        for (int t = 0; t < per; t++) {
            grad[map[from + t]] += col.getAtIndex(FLOAT, at + t);
        }
    }

    private int columnsPerSample() {
        return outH * outW;
    }

    /**
     * In the {@link #isShift} case: for every kernel column kj whose windows reach into the left or
     * right padding, copies the plane {@code in} into {@code masked[kj]} with the input columns
     * zeroed that the shifted run of {@link #gatherShiftedRow} would carry into those edge
     * positions (for kj left of the centre, the last columns of each row, which the run reads for
     * the next row's left edge; right of it, the first). Other kj read {@code in} itself.
     */
    void maskEdges(float[] in, float[][] masked) {
        int plane = height * width;
        for (int kj = 0; kj < kernelW; kj++) {
            int wrap = kj - padding; // > 0: columns [0, wrap) wrap to the right edge; < 0: [width + wrap, width) to the left
            if (wrap == 0) {
                continue;
            }
            float[] m = masked[kj];
            System.arraycopy(in, 0, m, 0, plane);
            // A shift of a whole row or more (padding as wide as the plane) masks every column.
            int from = wrap > 0 ? 0 : Math.max(0, width + wrap);
            int to = wrap > 0 ? Math.min(width, wrap) : width;
            for (int row = 0; row < plane; row += width) {
                for (int i = row + from; i < row + to; i++) {
                    m[i] = 0f;
                }
            }
        }
    }

    /**
     * In the {@link #isShift} case: writes window row {@code r} (= ki * kW + kj) of the plane to
     * {@code col} at float {@code at}, outH*outW floats, padding as zero: one run copied straight
     * from the plane ({@code masked[kj]} from {@link #maskEdges} where kj reaches the padding, else
     * {@code in}), and the rows above and below it filled from {@link #zeros}: the masked planes
     * were the fastest of three ways tried (docs/design-measurements.md).
     */
    void gatherShiftedRow(float[] in, float[][] masked, int r, MemorySegment col, long at) {
        int ki = r / kernelW;
        int kj = r % kernelW;
        float[] source = kj == padding ? in : masked[kj];
        int perSample = columnsPerSample();
        int shift = shift(ki, kj);
        int lo = shiftedFrom(ki, shift);
        int hi = Math.max(lo, shiftedTo(ki, shift));
        MemorySegment.copy(zeros, 0, col, FLOAT, at * Float.BYTES, lo);
        if (hi > lo) { // none when the window row reads only padding: lo + shift may then lie outside the plane
            MemorySegment.copy(source, lo + shift, col, FLOAT, (at + lo) * Float.BYTES, hi - lo);
        }
        MemorySegment.copy(zeros, 0, col, FLOAT, (at + hi) * Float.BYTES, perSample - hi);
    }

    /** In the {@link #isShift} case: grad (H, W) += every window row of cols (kH*kW, outH*outW) at the input positions it was read from. */
    void add(float[] cols, float[] grad) {
        int perSample = columnsPerSample();
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
    }

    /*
     * The isShift case: unit stride with the output as wide as the input ("same" padding), so
     * window row (ki, kj) is the input plane shifted by one constant, and im2col and col2im move a
     * window row in one long run instead of one short run per output row, fixing up the edge
     * columns after.
     */

    /** Input index minus output index for window position (ki, kj) in the {@link #isShift} case. */
    private int shift(int ki, int kj) {
        return (ki - padding) * width + (kj - padding);
    }

    /**
     * The first output index of window row (ki, ...) whose input row is real and whose input index
     * is not negative; the plane's size when there is none (padding taller than the plane).
     */
    private int shiftedFrom(int ki, int shift) {
        return Math.min(columnsPerSample(), Math.max(Math.max(0, padding - ki) * outW, -shift));
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
