package dev.stride.ops;

import dev.stride.tensor.HeapChunks;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The element-wise work of blocks that join branches: residual sums (with the ReLU after them),
 * copies of a channel range in and out of a concatenation, and the per-channel scaling of
 * squeeze-and-excitation. Forward and backward side by side; tensors are NCHW segments with
 * offsets, in floats.
 */
public final class BranchOps {
    private BranchOps() {
    }

    /** y = a + b, element-wise. */
    public static void add(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment y, long yOff, long count) {
        HeapChunks.pairwise(a, aOff, b, bOff, y, yOff, count, (p, q, len) -> {
            for (int i = 0; i < len; i++) {
                q[i] = p[i] + q[i];
            }
        });
    }

    /** y = max(a + b, 0): a residual block's output. Its backward is ReLU's, from y. */
    public static void addRelu(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment y, long yOff, long count) {
        HeapChunks.pairwise(a, aOff, b, bOff, y, yOff, count, (p, q, len) -> {
            for (int i = 0; i < len; i++) {
                q[i] = Math.max(p[i] + q[i], 0f);
            }
        });
    }

    /**
     * Copies {@code channels} channels of {@code n} samples of planes of {@code plane} floats: from
     * channel {@code srcFrom} of src (srcChannels a sample) to channel {@code dstFrom} of dst
     * (dstChannels a sample). A concatenation's forward writes a branch into its slice with it; its
     * backward reads a branch's slice of dy.
     */
    public static void copyChannels(int n, int channels, long plane, MemorySegment src, long srcOff, int srcChannels,
                                    int srcFrom, MemorySegment dst, long dstOff, int dstChannels, int dstFrom) {
        long run = channels * plane * Float.BYTES;
        for (int s = 0; s < n; s++) {
            long from = (srcOff + ((long) s * srcChannels + srcFrom) * plane) * Float.BYTES;
            long to = (dstOff + ((long) s * dstChannels + dstFrom) * plane) * Float.BYTES;
            MemorySegment.copy(src, from, dst, to, run);
        }
    }

    /** y[n, c, :] = x[n, c, :] * s[n, c]: squeeze-and-excitation's scaling, over (n, c) planes of {@code plane}. */
    public static void scaleChannels(int planes, long plane, MemorySegment x, long xOff, MemorySegment s, long sOff,
                                     MemorySegment y, long yOff) {
        for (int p = 0; p < planes; p++) {
            float scale = s.getAtIndex(FLOAT, sOff + p);
            long base = (long) p * plane;
            for (long i = 0; i < plane; i++) {
                y.setAtIndex(FLOAT, yOff + base + i, x.getAtIndex(FLOAT, xOff + base + i) * scale);
            }
        }
    }

    /**
     * The backward of {@link #scaleChannels}: ds[p] = sum over the plane of dy * x (overwritten), and,
     * when dx is not null, dx = dy * s[p] (overwritten). The sums run in double: a plane holds
     * thousands of products.
     */
    public static void scaleChannelsBackward(int planes, long plane, MemorySegment x, long xOff, MemorySegment s, long sOff,
                                             MemorySegment dy, long dyOff, MemorySegment ds, long dsOff,
                                             MemorySegment dx, long dxOff) {
        for (int p = 0; p < planes; p++) {
            float scale = s.getAtIndex(FLOAT, sOff + p);
            long base = (long) p * plane;
            double sum = 0;
            for (long i = 0; i < plane; i++) {
                float g = dy.getAtIndex(FLOAT, dyOff + base + i);
                sum += (double) g * x.getAtIndex(FLOAT, xOff + base + i);
                if (dx != null) {
                    dx.setAtIndex(FLOAT, dxOff + base + i, g * scale);
                }
            }
            ds.setAtIndex(FLOAT, dsOff + p, (float) sum);
        }
    }

    /** dx[p, :] += g[p] / plane: the gradient of a plane's mean, added to what dx holds. */
    public static void addPlaneMeanGrad(int planes, long plane, MemorySegment g, long gOff, MemorySegment dx, long dxOff) {
        for (int p = 0; p < planes; p++) {
            float share = g.getAtIndex(FLOAT, gOff + p) / plane;
            long base = dxOff + (long) p * plane;
            for (long i = 0; i < plane; i++) {
                dx.setAtIndex(FLOAT, base + i, dx.getAtIndex(FLOAT, base + i) + share);
            }
        }
    }
}
