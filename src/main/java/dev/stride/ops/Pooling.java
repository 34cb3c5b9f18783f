package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.stride.tensor.Tensor;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Max, average and global average pooling over NCHW planes, forward and backward side by side.
 * Offsets are in floats; {@code planes} is batch times channels. Windows are clipped to the real
 * input, which is exactly "padding is -infinity" for max and "padded zeros add nothing to the sum"
 * for average.
 */
public final class Pooling {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Pooling() {
    }

    /**
     * Overwrites y (planes, outH, outW) with the window maxima of x (planes, H, W) and argmax
     * (planes, outH, outW; ints from element {@code argOff}) with the in-plane index ih*W + iw of
     * the first maximum in row-major order. A NaN wins so that it reaches the loss.
     */
    public static void maxForward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                  MemorySegment argmax, long argOff) {
        if (g.kernelH() == 2 && g.kernelW() == 2 && g.stride() == 2 && g.pad() == 0) {
            maxForward2x2(g, planes, x, xOff, y, yOff, argmax, argOff);
            return;
        }
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
                    argmax.setAtIndex(INT, argOff + o, best);
                }
            }
        }
    }

    /**
     * {@link #maxForward} for the common 2x2 window at stride 2 without padding (every window lies
     * inside the input): the four candidates are read straight from two input rows, without the
     * general loop's clipping, and compared in the same order with the same rule.
     */
    private static void maxForward2x2(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                      MemorySegment argmax, long argOff) {
        int w = g.width();
        int outH = g.outH();
        int outW = g.outW();
        int outPlane = g.outPlane();
        Scratch scratch = SCRATCH.get().ensure(g.inPlane(), outPlane);
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
                // candidate measured 15-19 ns per output, branching on unpredictable compares; these
                // two passes 3-4 ns. (Math.max ranks +0 above -0, so a window of -0 and +0 yields +0,
                // an equal value; the argmax is still the first.)
                for (int ow = 0; ow < outW; ow++) {
                    int i = top + 2 * ow;
                    max[o + ow] = Math.max(Math.max(in[i], in[i + 1]), Math.max(in[i + w], in[i + w + 1]));
                }
                for (int ow = 0; ow < outW; ow++) {
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
            MemorySegment.copy(best, 0, argmax, INT, (argOff + o) * Integer.BYTES, outPlane);
        }
    }

    /** One thread's heap copy of a plane and its pooled output, grown to the largest plane seen. */
    private static final class Scratch {
        float[] in = new float[0];
        float[] out = new float[0];
        int[] index = new int[0];

        Scratch ensure(int inFloats, int outFloats) {
            if (in.length < inFloats) {
                in = new float[inFloats];
            }
            if (out.length < outFloats) {
                out = new float[outFloats];
                index = new int[outFloats];
            }
            return this;
        }
    }

    /**
     * Overwrites dx (planes, H, W): zero, then each dy is added at its window's argmax, so
     * overlapping windows that share a maximum add up.
     */
    public static void maxBackward(PoolGeometry g, int planes, MemorySegment dy, long dyOff, MemorySegment argmax,
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

    /**
     * Overwrites y with window sums divided by kernelH*kernelW: padded positions count as zeros
     * (PyTorch's count_include_pad).
     */
    public static void avgForward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        int w = g.width();
        float scale = 1f / (g.kernelH() * g.kernelW());
        for (int p = 0; p < planes; p++) {
            long xBase = xOff + (long) p * g.inPlane();
            long yBase = yOff + (long) p * g.outPlane();
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.stride() - g.pad();
                int hEnd = Math.min(h0 + g.kernelH(), g.height());
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.stride() - g.pad();
                    int wEnd = Math.min(w0 + g.kernelW(), w);
                    float sum = 0f;
                    for (int ih = Math.max(h0, 0); ih < hEnd; ih++) {
                        for (int iw = Math.max(w0, 0); iw < wEnd; iw++) {
                            sum += x.getAtIndex(FLOAT, xBase + ih * w + iw);
                        }
                    }
                    y.setAtIndex(FLOAT, yBase + oh * g.outW() + ow, sum * scale);
                }
            }
        }
    }

    /** Overwrites dx: each dy/(kernelH*kernelW) is spread over the real elements of its window. */
    public static void avgBackward(PoolGeometry g, int planes, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        Tensor.fill(dx, dxOff, (long) planes * g.inPlane(), 0f);
        int w = g.width();
        float scale = 1f / (g.kernelH() * g.kernelW());
        for (int p = 0; p < planes; p++) {
            long dxBase = dxOff + (long) p * g.inPlane();
            long dyBase = dyOff + (long) p * g.outPlane();
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.stride() - g.pad();
                int hEnd = Math.min(h0 + g.kernelH(), g.height());
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.stride() - g.pad();
                    int wEnd = Math.min(w0 + g.kernelW(), w);
                    float share = dy.getAtIndex(FLOAT, dyBase + oh * g.outW() + ow) * scale;
                    for (int ih = Math.max(h0, 0); ih < hEnd; ih++) {
                        for (int iw = Math.max(w0, 0); iw < wEnd; iw++) {
                            long at = dxBase + ih * w + iw;
                            dx.setAtIndex(FLOAT, at, dx.getAtIndex(FLOAT, at) + share);
                        }
                    }
                }
            }
        }
    }

    /** Overwrites y (planes) with the mean of each plane of x (planes, planeSize). */
    public static void globalAvgForward(int planes, int planeSize, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        for (int p = 0; p < planes; p++) {
            long base = xOff + (long) p * planeSize;
            // Summed in double: a large plane of float adds loses digits the mean should keep.
            double sum = 0;
            for (int i = 0; i < planeSize; i++) {
                sum += x.getAtIndex(FLOAT, base + i);
            }
            y.setAtIndex(FLOAT, yOff + p, (float) (sum / planeSize));
        }
    }

    /** Overwrites dx (planes, planeSize) with dy[p]/planeSize everywhere in plane p. */
    public static void globalAvgBackward(int planes, int planeSize, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        for (int p = 0; p < planes; p++) {
            float share = dy.getAtIndex(FLOAT, dyOff + p) / planeSize;
            long base = dxOff + (long) p * planeSize;
            for (int i = 0; i < planeSize; i++) {
                dx.setAtIndex(FLOAT, base + i, share);
            }
        }
    }
}
