package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
     * the first maximum in row-major order. A NaN wins so that it reaches the loss.
     */
    public static void forward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                                  MemorySegment argmax, long argOff) {
        if (g.isTwoByTwo()) {
            if (VectorSupport.enabled()) {
                VectorPooling.maxForward2x2(g, planes, x, xOff, y, yOff, argmax, argOff);
            } else {
                forward2x2Plain(g, planes, x, xOff, y, yOff, argmax, argOff);
            }
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
     * {@link #forward} for the common 2x2 window at stride 2 without padding (every window lies
     * inside the input): the four candidates are read straight from two input rows, without the
     * general loop's clipping, and compared in the same order with the same rule. Where
     * {@link VectorSupport#enabled}, {@link VectorPooling} runs it instead.
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
