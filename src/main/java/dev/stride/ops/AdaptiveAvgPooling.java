package dev.stride.ops;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Adaptive average pooling as PyTorch defines it: output cell (i, j) of an outH x outW grid averages
 * input rows floor(i*H/outH) to ceil((i+1)*H/outH) - 1 and the columns likewise, so the windows
 * cover the plane and may overlap by a row or column. Forward and backward side by side, over
 * {@code planes} planes (batch times channels).
 */
public final class AdaptiveAvgPooling {
    private AdaptiveAvgPooling() {
    }

    /** First input index of output cell {@code i} of {@code out} over {@code size}. */
    public static int start(int i, int size, int out) {
        return (int) ((long) i * size / out);
    }

    /** One past the last input index of output cell {@code i}. */
    public static int end(int i, int size, int out) {
        return (int) (((long) (i + 1) * size + out - 1) / out);
    }

    /** Overwrites y (planes, outH, outW) with the window means of x (planes, h, w). */
    public static void forward(int planes, int h, int w, int outH, int outW, MemorySegment x, long xOff,
                               MemorySegment y, long yOff) {
        for (int p = 0; p < planes; p++) {
            long in = xOff + (long) p * h * w;
            long o = yOff + (long) p * outH * outW;
            for (int i = 0; i < outH; i++) {
                int h0 = start(i, h, outH), h1 = end(i, h, outH);
                for (int j = 0; j < outW; j++) {
                    int w0 = start(j, w, outW), w1 = end(j, w, outW);
                    double sum = 0;
                    for (int r = h0; r < h1; r++) {
                        for (int c = w0; c < w1; c++) {
                            sum += x.getAtIndex(FLOAT, in + (long) r * w + c);
                        }
                    }
                    y.setAtIndex(FLOAT, o + (long) i * outW + j, (float) (sum / ((h1 - h0) * (w1 - w0))));
                }
            }
        }
    }

    /** Overwrites dx (planes, h, w): each window's dy shared evenly over its cells, overlapping windows adding up. */
    public static void backward(int planes, int h, int w, int outH, int outW, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff) {
        for (int p = 0; p < planes; p++) {
            long in = dxOff + (long) p * h * w;
            long o = dyOff + (long) p * outH * outW;
            for (long k = 0; k < (long) h * w; k++) {
                dx.setAtIndex(FLOAT, in + k, 0f);
            }
            for (int i = 0; i < outH; i++) {
                int h0 = start(i, h, outH), h1 = end(i, h, outH);
                for (int j = 0; j < outW; j++) {
                    int w0 = start(j, w, outW), w1 = end(j, w, outW);
                    float share = dy.getAtIndex(FLOAT, o + (long) i * outW + j) / ((h1 - h0) * (w1 - w0));
                    for (int r = h0; r < h1; r++) {
                        for (int c = w0; c < w1; c++) {
                            long at = in + (long) r * w + c;
                            dx.setAtIndex(FLOAT, at, dx.getAtIndex(FLOAT, at) + share);
                        }
                    }
                }
            }
        }
    }
}
