package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import dev.stride.tensor.Tensor;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Max pooling over NCHW planes, forward and backward side by side ({@link AvgPooling} has the
 * averages). Offsets are in floats; {@code planes} is batch times channels. Windows are clipped to
 * the real input, which is exactly "padding is -infinity".
 */
public final class MaxPooling {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private MaxPooling() {
    }

    /**
     * Overwrites y (planes, outH, outW) with the window maxima of x (planes, H, W) and argmax
     * (planes, outH, outW; ints from element {@code argOff}) with the in-plane index ih*W + iw of
     * the first maximum in row-major order. A NaN wins so that it reaches the loss. Each maximum is
     * that first maximum's value to the bit (of -0 and +0 the first, of NaNs the first), except on
     * the 2x2 stride-2 path, which takes Math.max's +0 over -0.
     */
    public static void forward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                  MemorySegment argmax, long argOff) {
        forwardAny(g, planes, x, xOff, y, yOff, Objects.requireNonNull(argmax, "argmax"), argOff);
    }

    /**
     * {@link #forward(PoolGeometry, int, MemorySegment, long, MemorySegment, long, MemorySegment, long)}
     * without the argmax, for inference, where no backward reads it: the same maxima to the bit.
     */
    public static void forward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        forwardAny(g, planes, x, xOff, y, yOff, null, 0);
    }

    /** The forward with the argmax written, or skipped where {@code argmax} is null. */
    private static void forwardAny(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                   MemorySegment argmax, long argOff) {
        if (g.isTwoByTwo()) {
            if (VectorSupport.enabled() && argmax == null) {
                VectorPooling.maxima2x2(g, planes, x, xOff, y, yOff);
            } else if (VectorSupport.enabled()) {
                VectorPooling.maxForward2x2(g, planes, x, xOff, y, yOff, argmax, argOff);
            } else {
                forward2x2Plain(g, planes, x, xOff, y, yOff, argmax, argOff);
            }
        } else if (VectorSupport.enabled()) {
            forwardSeparable(g, planes, x, xOff, y, yOff, argmax, argOff);
        } else {
            forwardWindows(g, planes, x, xOff, y, yOff, argmax, argOff);
        }
    }

    /**
     * The forward as one loop over each clipped window: without the Vector API this beat the
     * separable passes, whose selects compiled to branches that the compares mispredict
     * (docs/design-measurements.md), and it is the reference the passes match to the bit. The
     * argmax is skipped where {@code argmax} is null.
     */
    static void forwardWindows(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                               MemorySegment argmax, long argOff) {
        int w = g.width();
        for (int p = 0; p < planes; p++) {
            long xBase = xOff + (long) p * g.inPlane();
            long oBase = (long) p * g.outPlane();
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.stride() - g.pad();
                int hStart = Math.max(h0, 0);
                int hEnd = Math.min(h0 + g.kernelH(), g.height());
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.stride() - g.pad();
                    int wStart = Math.max(w0, 0);
                    int wEnd = Math.min(w0 + g.kernelW(), w);
                    int best = hStart * w + wStart;
                    float max = x.getAtIndex(FLOAT, xBase + best);
                    for (int ih = hStart; ih < hEnd; ih++) {
                        for (int iw = wStart; iw < wEnd; iw++) {
                            float v = x.getAtIndex(FLOAT, xBase + ih * w + iw);
                            // Strict '>' keeps the first of equal maxima.
                            if (v > max || (v != v && max == max)) {
                                max = v;
                                best = ih * w + iw;
                            }
                        }
                    }
                    long o = oBase + (long) oh * g.outW() + ow;
                    y.setAtIndex(FLOAT, yOff + o, max);
                    if (argmax != null) {
                        argmax.setAtIndex(INT, argOff + o, best);
                    }
                }
            }
        }
    }

    /**
     * Any window, padding and rounding, in two passes over a heap copy of each plane: the maximum
     * of every row's clipped window at every window start (one column apart, whatever the stride),
     * then of those over each window's clipped rows, kept at the strided starts. Both passes fold
     * with {@link #keeps}, earlier operand left, row by row from the top, so the result is the
     * first of the window's maxima in row-major order, as a single loop over the window gives it
     * (the order matters only for the bits of equal -0 and +0 and of different NaNs), and where the
     * argmax is wanted the passes carry the index of the element each fold keeps.
     * {@link VectorMaxWindows} runs the passes' long stretches, so only a JVM with the Vector API
     * may call this ({@link VectorSupport#enabled}; without it {@link #forwardWindows} runs). Every
     * window holds an input element: padding is at most half the window and a rounded-up window
     * starts inside the input.
     */
    static void forwardSeparable(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                 MemorySegment argmax, long argOff) {
        int outPlane = g.outPlane();
        int reached = reachedRows(g);
        PoolScratch scratch = PoolScratch.get(reached * g.width(), outPlane, (reached + 1) * windowStarts(g));
        float[] in = scratch.in;
        float[] max = scratch.out;
        // The argmax's arrays, or null for none: the passes' indexes go where the maxima go.
        int[] best = argmax == null ? null : scratch.index;
        int[] rowBest = argmax == null ? null : scratch.rowIndex;
        for (int p = 0; p < planes; p++) {
            MemorySegment.copy(x, FLOAT, (xOff + (long) p * g.inPlane()) * Float.BYTES, in, 0, reached * g.width());
            if (best == null) {
                rowMaxima(g, in, reached, scratch.rows);
                columnMaxima(g, scratch.rows, reached, max);
            } else {
                rowMaximaWithIndex(g, in, reached, scratch.rows, rowBest);
                columnMaximaWithIndex(g, scratch.rows, rowBest, reached, max, best);
            }
            long o = (long) p * outPlane;
            MemorySegment.copy(max, 0, y, FLOAT, (yOff + o) * Float.BYTES, outPlane);
            if (argmax != null) {
                MemorySegment.copy(best, 0, argmax, INT, (argOff + o) * Integer.BYTES, outPlane);
            }
        }
    }

    /** Window starts along a row, one column apart from the first window's: (outW - 1) * stride + 1. */
    static int windowStarts(PoolGeometry g) {
        return (g.outW() - 1) * g.stride() + 1;
    }

    /** Input rows that some window reads: all but those a floored output drops at the bottom. */
    static int reachedRows(PoolGeometry g) {
        return Math.min(g.height(), (g.outH() - 1) * g.stride() - g.pad() + g.kernelH());
    }

    /**
     * Whether a fold keeps its earlier a over b: unless b is greater, or b is NaN and a is not. The
     * strict '>' of a loop that keeps the first maximum, NaN winning, as a condition for selects
     * that do not care which side of a tie the fold's grouping puts an element.
     */
    static boolean keeps(float a, float b) {
        return a >= b | a != a;
    }

    /**
     * rows (reached, starts) = the maximum of in's row ih over the window starting at column
     * c - pad, clipped to the row: clipped starts at either end one by one, the starts whose window
     * lies inside the row as one stretch. Without and with the index ({@link #rowMaximaWithIndex})
     * two methods: with one method for both, code that C2 compiled while only inference builds ran
     * allocated the training pass's vectors on every call from then on (MaxPoolBuildsTest).
     */
    private static void rowMaxima(PoolGeometry g, float[] in, int reached, float[] rows) {
        int starts = windowStarts(g);
        int lo = Math.min(g.pad(), starts); // starts before lo clip on the left
        int hi = Math.max(lo, Math.min(starts, g.width() - g.kernelW() + g.pad() + 1)); // from hi on, on the right
        boolean stretch = hi - lo >= VectorMaxWindows.LANES;
        for (int ih = 0; ih < reached; ih++) {
            int r = ih * starts;
            if (stretch) {
                foldRow(g, in, ih, rows, null, 0, lo);
                VectorMaxWindows.rowStretch(in, ih * g.width() + lo - g.pad(), g.kernelW(), rows, r + lo, hi - lo);
                foldRow(g, in, ih, rows, null, hi, starts);
            } else {
                foldRow(g, in, ih, rows, null, 0, starts);
            }
        }
    }

    /** {@link #rowMaxima} and rowBest (reached, starts) the in-plane index of each maximum. */
    private static void rowMaximaWithIndex(PoolGeometry g, float[] in, int reached, float[] rows, int[] rowBest) {
        int starts = windowStarts(g);
        int lo = Math.min(g.pad(), starts);
        int hi = Math.max(lo, Math.min(starts, g.width() - g.kernelW() + g.pad() + 1));
        boolean stretch = hi - lo >= VectorMaxWindows.LANES;
        for (int ih = 0; ih < reached; ih++) {
            int r = ih * starts;
            if (stretch) {
                foldRow(g, in, ih, rows, rowBest, 0, lo);
                VectorMaxWindows.rowStretchWithIndex(in, ih * g.width() + lo - g.pad(), g.kernelW(), rows, rowBest, r + lo, hi - lo);
                foldRow(g, in, ih, rows, rowBest, hi, starts);
            } else {
                foldRow(g, in, ih, rows, rowBest, 0, starts);
            }
        }
    }

    /** Row ih's window starts [from, to) one by one, each window clipped to the row: {@link #fold}. */
    private static void foldRow(PoolGeometry g, float[] in, int ih, float[] rows, int[] rowBest, int from, int to) {
        int w = g.width();
        int row = ih * w;
        int r = ih * windowStarts(g);
        for (int c = from; c < to; c++) {
            int first = c - g.pad();
            fold(in, null, row + Math.max(first, 0), row + Math.min(first + g.kernelW(), w), 1, rows, rowBest, r + c);
        }
    }

    /**
     * out[at] = the maximum of values[from], values[from + step], ... below values[end], folded in
     * that order, and best[at] (unless null) where it lies: its index in values, or in
     * {@code indexes} at that index where given.
     */
    private static void fold(float[] values, int[] indexes, int from, int end, int step, float[] out, int[] best, int at) {
        float m = values[from];
        int b = from;
        for (int i = from + step; i < end; i += step) {
            float v = values[i];
            boolean keep = keeps(m, v);
            m = keep ? m : v;
            b = keep ? b : i;
        }
        out[at] = m;
        if (best != null) {
            best[at] = indexes == null ? b : indexes[b];
        }
    }

    /**
     * max (outH, outW) = the maximum over each window's clipped rows of rows (reached, starts) at
     * the window's start: at stride 1 the starts are the outputs, otherwise rows' line after the
     * last row takes them and the strided ones are picked from it. Two methods, as the row pass.
     */
    private static void columnMaxima(PoolGeometry g, float[] rows, int reached, float[] max) {
        int s = g.stride();
        int outW = g.outW();
        int starts = windowStarts(g);
        int line = reached * starts;
        for (int oh = 0; oh < g.outH(); oh++) {
            int h0 = oh * s - g.pad();
            int top = Math.max(h0, 0);
            int bottom = Math.min(h0 + g.kernelH(), reached);
            float[] dst = s == 1 ? max : rows;
            int at = s == 1 ? oh * outW : line;
            if (starts >= VectorMaxWindows.LANES) {
                VectorMaxWindows.columnStretch(rows, top * starts, bottom - top, starts, dst, at);
            } else {
                for (int c = 0; c < starts; c++) {
                    fold(rows, null, top * starts + c, bottom * starts + c, starts, dst, null, at + c);
                }
            }
            for (int ow = 0; s != 1 && ow < outW; ow++) {
                max[oh * outW + ow] = rows[line + ow * s];
            }
        }
    }

    /** {@link #columnMaxima} and best (outH, outW) the index from rowBest of each maximum. */
    private static void columnMaximaWithIndex(PoolGeometry g, float[] rows, int[] rowBest, int reached, float[] max,
                                              int[] best) {
        int s = g.stride();
        int outW = g.outW();
        int starts = windowStarts(g);
        int line = reached * starts;
        for (int oh = 0; oh < g.outH(); oh++) {
            int h0 = oh * s - g.pad();
            int top = Math.max(h0, 0);
            int bottom = Math.min(h0 + g.kernelH(), reached);
            float[] dst = s == 1 ? max : rows;
            int[] dstBest = s == 1 ? best : rowBest;
            int at = s == 1 ? oh * outW : line;
            if (starts >= VectorMaxWindows.LANES) {
                VectorMaxWindows.columnStretchWithIndex(rows, rowBest, top * starts, bottom - top, starts, dst, dstBest, at);
            } else {
                for (int c = 0; c < starts; c++) {
                    fold(rows, rowBest, top * starts + c, bottom * starts + c, starts, dst, dstBest, at + c);
                }
            }
            for (int ow = 0; s != 1 && ow < outW; ow++) {
                max[oh * outW + ow] = rows[line + ow * s];
                best[oh * outW + ow] = rowBest[line + ow * s];
            }
        }
    }

    /**
     * {@link #forward} for the common 2x2 window at stride 2 without padding (every window lies
     * inside the input): the four candidates are read straight from two input rows, without the
     * general loop's clipping, and compared in the same order with the same rule. Where
     * {@link VectorSupport#enabled}, {@link VectorPooling} runs it instead. A null argmax skips it.
     */
    static void forward2x2Plain(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                      MemorySegment argmax, long argOff) {
        int w = g.width();
        int outH = g.outH();
        int outW = g.outW();
        int outPlane = g.outPlane();
        PoolScratch scratch = PoolScratch.get(g.inPlane(), outPlane);
        float[] in = scratch.in;
        float[] max = scratch.out;
        int[] best = scratch.index;
        for (int p = 0; p < planes; p++) {
            // The plane moves in and out in bulk, so the window loop reads and writes heap arrays only.
            MemorySegment.copy(x, FLOAT, (xOff + (long) p * g.inPlane()) * Float.BYTES, in, 0, g.inPlane());
            for (int oh = 0; oh < outH; oh++) {
                int top = 2 * oh * w;
                int o = oh * outW;
                // Two passes over the row: the maxima first, a loop C2 vectorises, then the argmax as
                // the first candidate equal to the maximum (or the first NaN, which the maximum then
                // is), in the same order as the general loop. One pass of compare-and-select per
                // candidate branched on unpredictable compares and was several times slower
                // (docs/design-measurements.md). (Math.max ranks +0 above -0, so a window of -0
                // and +0 yields +0, an equal value; the argmax is still the first.)
                for (int ow = 0; ow < outW; ow++) {
                    int i = top + 2 * ow;
                    max[o + ow] = Math.max(Math.max(in[i], in[i + 1]), Math.max(in[i + w], in[i + w + 1]));
                }
                for (int ow = 0; argmax != null && ow < outW; ow++) {
                    int i = top + 2 * ow;
                    float m = max[o + ow];
                    float a = in[i];
                    float b = in[i + 1];
                    float c = in[i + w];
                    int at = c == m | c != c ? i + w : i + w + 1;
                    at = b == m | b != b ? i + 1 : at;
                    at = a == m | a != a ? i : at;
                    best[o + ow] = at;
                }
            }
            long o = (long) p * outPlane;
            MemorySegment.copy(max, 0, y, FLOAT, (yOff + o) * Float.BYTES, outPlane);
            if (argmax != null) {
                MemorySegment.copy(best, 0, argmax, INT, (argOff + o) * Integer.BYTES, outPlane);
            }
        }
    }

    /**
     * Overwrites dx (planes, H, W): zero, then each dy is added at its window's argmax, so
     * overlapping windows that share a maximum add up.
     */
    public static void backward(PoolGeometry g, int planes, MemorySegment dy, long dyOff, MemorySegment argmax,
                                   long argOff, MemorySegment dx, long dxOff) {
        Tensor.fill(dx, dxOff, (long) planes * g.inPlane(), 0f);
        int outPlane = g.outPlane();
        for (int p = 0; p < planes; p++) {
            long dxBase = dxOff + (long) p * g.inPlane();
            long oBase = (long) p * outPlane;
            for (int o = 0; o < outPlane; o++) {
                long at = dxBase + argmax.getAtIndex(INT, argOff + oBase + o);
                dx.setAtIndex(FLOAT, at, dx.getAtIndex(FLOAT, at) + dy.getAtIndex(FLOAT, dyOff + oBase + o));
            }
        }
    }

}
