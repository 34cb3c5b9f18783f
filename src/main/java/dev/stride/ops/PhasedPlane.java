package dev.stride.ops;

/**
 * The layout in which the depthwise kernels ({@link Depthwise}) and strided im2col
 * ({@link WindowPlane#isPhased}) hold a zero-padded H x W plane at stride S: split into its S x S
 * phases by row and column remainder, padded pixel (r, c) at
 * {@code ((r % S) * S + c % S) * Hq * Wq + (r / S) * Wq + c / S}, with Hq = ceil((H + 2P) / S) and
 * Wq = ceil((W + 2P) / S). Windows read at stride S then become runs at stride 1 within a phase.
 * Positions this class never writes (the padding, the spare slots) are the caller's zeros.
 */
final class PhasedPlane {
    private final int width;
    private final int stride;
    private final int padding;
    private final int rows; // Hq
    private final int cols; // Wq

    PhasedPlane(int height, int width, int stride, int padding) {
        this.width = width;
        this.stride = stride;
        this.padding = padding;
        this.rows = Math.ceilDiv(height + 2 * padding, stride);
        this.cols = Math.ceilDiv(width + 2 * padding, stride);
    }

    /** Rows of one phase: Hq. */
    int rows() {
        return rows;
    }

    /** Columns of one phase: Wq. */
    int cols() {
        return cols;
    }

    /** Floats of the whole layout: S*S*Hq*Wq. */
    int floats() {
        return stride * stride * rows * cols;
    }

    /**
     * Where window tap (i, j) of output (0, 0) reads, padded pixel (i, j): output (oh, ow) reads
     * it {@code oh * Wq + ow} further on.
     */
    int tapOffset(int i, int j) {
        return ((i % stride) * stride + j % stride) * rows * cols + (i / stride) * cols + j / stride;
    }

    /** Where input row {@code ih}'s column -P (the padding's first) sits. */
    int rowBase(int ih) {
        int r = ih + padding;
        return (r % stride) * stride * rows * cols + (r / stride) * cols;
    }

    /** One input row's W columns ({@code src} from {@code from}) into their phases, the row's first padded column at {@code rowBase}. */
    void splitRow(float[] src, int from, float[] phased, int rowBase) {
        for (int phase = 0; phase < stride; phase++) {
            int first = Math.floorMod(phase - padding, stride); // the first input column in column phase `phase`
            int at = rowBase + phase * rows * cols + (first + padding) / stride;
            int count = (width - first + stride - 1) / stride;
            if (stride == 2) { // MobileNet's and ResNet's stride as a constant: C2 compiles a faster loop (docs/design-measurements.md)
                for (int k = 0; k < count; k++) {
                    phased[at + k] = src[from + first + 2 * k];
                }
            } else {
                for (int k = 0; k < count; k++) {
                    phased[at + k] = src[from + first + k * stride];
                }
            }
        }
    }

    /** The inverse of {@link #splitRow}: one row's W columns gathered from their phases into {@code row}. */
    void mergeRow(float[] phased, int rowBase, float[] row) {
        for (int phase = 0; phase < stride; phase++) {
            int first = Math.floorMod(phase - padding, stride);
            int at = rowBase + phase * rows * cols + (first + padding) / stride;
            int count = (width - first + stride - 1) / stride;
            if (stride == 2) {
                for (int k = 0; k < count; k++) {
                    row[first + 2 * k] = phased[at + k];
                }
            } else {
                for (int k = 0; k < count; k++) {
                    row[first + k * stride] = phased[at + k];
                }
            }
        }
    }

    /** Stride 2: where input column 0 (and every even one after it) of the row at {@code rowBase} sits. */
    int evenColumn(int rowBase) {
        return rowBase + (padding & 1) * rows * cols + padding / 2;
    }

    /** Stride 2: where input column 1 (and every odd one after it) sits. */
    int oddColumn(int rowBase) {
        return rowBase + ((padding + 1) & 1) * rows * cols + (padding + 1) / 2;
    }
}
