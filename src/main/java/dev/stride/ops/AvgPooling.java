package dev.stride.ops;

import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Average and global average pooling over NCHW planes, forward and backward side by side. Offsets
 * are in floats; {@code planes} is batch times channels. Windows are clipped to the real input, and
 * padded positions count as zeros in the sum (PyTorch's count_include_pad).
 */
public final class AvgPooling {

    private AvgPooling() {
    }

    /**
     * Overwrites y with window sums divided by kernelH*kernelW: padded positions count as zeros
     * (PyTorch's count_include_pad).
     */
    public static void forward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        if (g.isTwoByTwo()) {
            forward2x2(g, planes, x, xOff, y, yOff);
            return;
        }
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
    public static void backward(PoolGeometry g, int planes, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        if (g.isTwoByTwo()) {
            backward2x2(g, planes, dy, dyOff, dx, dxOff);
            return;
        }
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

    /**
     * {@link #forward} for 2x2 windows at stride 2: a plane at a time on the heap, the four
     * values summed in the general loop's order (so the results are the same to the bit). The
     * general loop, reading the segment element by element, was far behind PyTorch on a VGG-sized
     * input (docs/design-measurements.md).
     */
    private static void forward2x2(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        int w = g.width();
        int outW = g.outW();
        int outPlane = g.outPlane();
        PoolScratch scratch = PoolScratch.get(g.inPlane(), outPlane);
        float[] in = scratch.in;
        float[] out = scratch.out;
        for (int p = 0; p < planes; p++) {
            MemorySegment.copy(x, FLOAT, (xOff + (long) p * g.inPlane()) * Float.BYTES, in, 0, g.inPlane());
            for (int oh = 0; oh < g.outH(); oh++) {
                int top = 2 * oh * w;
                int o = oh * outW;
                for (int ow = 0; ow < outW; ow++) {
                    int i = top + 2 * ow;
                    out[o + ow] = (in[i] + in[i + 1] + in[i + w] + in[i + w + 1]) * 0.25f;
                }
            }
            MemorySegment.copy(out, 0, y, FLOAT, (yOff + (long) p * outPlane) * Float.BYTES, outPlane);
        }
    }

    /**
     * {@link #backward} for 2x2 windows at stride 2: each input position belongs to at most one
     * window, so dx is written once per position (zero in a floored last row or column) instead of
     * zeroed and then added to.
     */
    private static void backward2x2(PoolGeometry g, int planes, MemorySegment dy, long dyOff, MemorySegment dx,
                                       long dxOff) {
        int w = g.width();
        int outW = g.outW();
        int outPlane = g.outPlane();
        PoolScratch scratch = PoolScratch.get(g.inPlane(), outPlane);
        float[] grad = scratch.in;
        float[] share = scratch.out;
        Arrays.fill(grad, 0, g.inPlane(), 0f); // positions no window covers stay zero
        for (int p = 0; p < planes; p++) {
            MemorySegment.copy(dy, FLOAT, (dyOff + (long) p * outPlane) * Float.BYTES, share, 0, outPlane);
            for (int oh = 0; oh < g.outH(); oh++) {
                int top = 2 * oh * w;
                int o = oh * outW;
                for (int ow = 0; ow < outW; ow++) {
                    int i = top + 2 * ow;
                    float v = share[o + ow] * 0.25f;
                    grad[i] = v;
                    grad[i + 1] = v;
                    grad[i + w] = v;
                    grad[i + w + 1] = v;
                }
            }
            MemorySegment.copy(grad, 0, dx, FLOAT, (dxOff + (long) p * g.inPlane()) * Float.BYTES, g.inPlane());
        }
    }

    /** Overwrites y (planes) with the mean of each plane of x (planes, planeSize). */
    public static void globalForward(int planes, int planeSize, MemorySegment x, long xOff, MemorySegment y, long yOff) {
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
    public static void globalBackward(int planes, int planeSize, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        for (int p = 0; p < planes; p++) {
            float share = dy.getAtIndex(FLOAT, dyOff + p) / planeSize;
            long base = dxOff + (long) p * planeSize;
            for (int i = 0; i < planeSize; i++) {
                dx.setAtIndex(FLOAT, base + i, share);
            }
        }
    }
}
