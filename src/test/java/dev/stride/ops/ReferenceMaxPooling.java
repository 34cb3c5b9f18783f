package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Max pooling's forward as one loop over each clipped window, the way MaxPooling computed every
 * geometry but 2x2 before its separable passes: the reference they must match to the bit,
 * segment in and segment out, ceil-mode windows and all.
 */
final class ReferenceMaxPooling {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private ReferenceMaxPooling() {
    }

    /** {@link MaxPooling#forward}'s contract: y the first maxima (NaN winning), argmax their in-plane indexes. */
    static void forward(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
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
                    argmax.setAtIndex(INT, argOff + o, best);
                }
            }
        }
    }
}
