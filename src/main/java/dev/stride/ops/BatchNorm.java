package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Batch normalisation, one channel per call, forward and backward side by side. The input is
 * [N, C, plane] (plane = H*W for images, 1 for [N, C]): channel c of sample i is the {@code plane}
 * floats from {@code off + (i*C + c)*plane}. With M = N*plane values per channel:
 *
 * <pre>
 *   mean = sum x / M,  var = sum (x - mean)^2 / M  (biased),  invStd = 1 / sqrt(var + eps)
 *   y    = (x - mean) * (gamma * invStd) + beta
 *   dbeta = sum dy,  dgamma = sum dy * (x - mean) * invStd
 *   dx   = gamma * invStd * (dy - dbeta/M - (x - mean) * invStd^2 * sum(dy * (x - mean))/M)   batch statistics
 *   dx   = gamma * invStd * dy                                                              fixed (running) statistics
 * </pre>
 *
 * <p>Accuracy where the mean is large against the spread (a mean of 1e4, a spread of 0.1): the
 * statistics are sums of {@code x - s} and {@code (x - s)^2} in double, with s the channel's first
 * value (the shifted-data algorithm), so nothing cancels the way E[x^2] - E[x]^2 does in float, in
 * one pass. The mean is then kept in double, and the per-element code subtracts it as a float and
 * the float's remainder: {@code (x - hi) - lo}, where {@code x - hi} is exact when x lies within a
 * factor of two of hi (Sterbenz), so x - mean keeps the bits that {@code x * scale + shift} would
 * lose to cancellation.
 *
 * <p>Passes over the data: forward with batch statistics two (statistics, then y), with running
 * statistics one; backward with batch statistics two (the sums, then dx), with running statistics
 * one. Each double sum runs in {@link #SLOTS} slots: within a sample's row, element j of every
 * whole block of {@code SLOTS} goes to slot j % SLOTS, the row's last {@code plane % SLOTS}
 * elements to tail slots, and the slots are added in a fixed order at the end
 * ({@link #finish}). That is the order {@link VectorBatchNorm} keeps with 8 doubles a vector, so
 * both give the same bits, and neither is one long chain of dependent additions.
 */
public final class BatchNorm {
    /** Slots per double sum. */
    static final int SLOTS = 16;
    // Per thread: two sums' block slots, then their tail slots.
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[4 * SLOTS]);

    private BatchNorm() {
    }

    /**
     * Writes the mean of channel {@code c} to {@code mean[c]} and its biased variance to
     * {@code var[c]}, from one pass of shifted sums in double.
     */
    public static void statistics(int n, int channels, int plane, int c, MemorySegment x, long xOff,
                                  double[] mean, double[] var) {
        statistics(n, channels, plane, c, x, xOff, mean, var, VectorSupport.enabled());
    }

    /** {@link #statistics} on the Vector API's loops or the plain ones (the same bits; tests compare them). */
    static void statistics(int n, int channels, int plane, int c, MemorySegment x, long xOff, double[] mean, double[] var,
                           boolean useVector) {
        long stride = (long) channels * plane;
        long base = xOff + (long) c * plane;
        double shift = x.getAtIndex(FLOAT, base);
        double[] slots = scratch();
        int blocks = plane - plane % SLOTS;
        boolean vector = useVector && blocks > 0 && VectorBatchNorm.SUMS;
        boolean vectorTail = useVector && blocks < plane && VectorBatchNorm.SUMS;
        for (int i = 0; i < n; i++) {
            long at = base + i * stride;
            if (vector) {
                VectorBatchNorm.shiftedSums(x, at, blocks, shift, slots);
            } else {
                for (int j = 0; j < blocks; j++) {
                    double d = x.getAtIndex(FLOAT, at + j) - shift;
                    slots[j % SLOTS] += d;
                    slots[SLOTS + j % SLOTS] += d * d;
                }
            }
            if (vectorTail && VectorBatchNorm.tailFits(x, at + blocks)) {
                VectorBatchNorm.shiftedTail(x, at + blocks, plane - blocks, shift, slots);
                continue;
            }
            for (int j = blocks; j < plane; j++) {
                double d = x.getAtIndex(FLOAT, at + j) - shift;
                slots[2 * SLOTS + j - blocks] += d;
                slots[3 * SLOTS + j - blocks] += d * d;
            }
        }
        double count = (double) n * plane;
        double offset = finish(slots, 0) / count; // mean - shift
        mean[c] = shift + offset;
        var[c] = Math.max(0, finish(slots, SLOTS) / count - offset * offset);
    }

    /** y = (x - mean) * scale + beta over channel {@code c}; overwrites y (which may be x). */
    public static void normalize(int n, int channels, int plane, int c, double mean, float scale, float beta,
                                 MemorySegment x, long xOff, MemorySegment y, long yOff) {
        normalize(n, channels, plane, c, mean, scale, beta, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, x, xOff, y, yOff);
    }

    /**
     * y = min(max((x - mean) * scale + beta, min), max) over channel {@code c}: batch norm and the
     * activation after it in one pass, as a convolution fused with them runs it (min 0 and max
     * infinity for ReLU, 0 and 6 for ReLU6, both infinite for none, which changes no value). The
     * same bits as {@link #normalize} followed by the activation layer's loop. Overwrites y, which
     * may be x.
     */
    public static void normalize(int n, int channels, int plane, int c, double mean, float scale, float beta,
                                 float min, float max, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        normalize(n, channels, plane, c, mean, scale, beta, min, max, x, xOff, y, yOff, VectorSupport.enabled());
    }

    /** {@link #normalize} with the clamp, on the Vector API's loops or the plain ones. */
    static void normalize(int n, int channels, int plane, int c, double mean, float scale, float beta, float min, float max,
                          MemorySegment x, long xOff, MemorySegment y, long yOff, boolean vector) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        float hi = (float) mean;
        float lo = (float) (mean - hi);
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long yAt = yOff + first + i * stride;
            int j = vector ? VectorBatchNorm.normalize(x, xAt, y, yAt, plane, hi, lo, scale, beta, min, max) : 0;
            for (; j < plane; j++) {
                float centred = (x.getAtIndex(FLOAT, xAt + j) - hi) - lo;
                y.setAtIndex(FLOAT, yAt + j, Math.min(Math.max(centred * scale + beta, min), max));
            }
        }
    }

    /**
     * {@link #normalize} with the clamp over a[from, from + count) on the heap, in place: for a
     * kernel that applies a fused batch norm to a plane it holds on the heap before storing it.
     * The same bits as the segment pass.
     */
    public static void normalize(float[] a, int from, int count, double mean, float scale, float beta, float min, float max) {
        float hi = (float) mean;
        float lo = (float) (mean - hi);
        int j = VectorSupport.enabled() ? VectorBatchNorm.normalize(a, from, count, hi, lo, scale, beta, min, max) : 0;
        for (; j < count; j++) {
            float centred = (a[from + j] - hi) - lo;
            a[from + j] = Math.min(Math.max(centred * scale + beta, min), max);
        }
    }

    /**
     * Writes sum(dy) to {@code sumDy[c]} and sum(dy * (x - mean)) to {@code sumDyCentred[c]} over
     * channel {@code c}, in double. When {@code dx} is not null it also overwrites dx = scale * dy in
     * the same pass: the whole input gradient when the statistics were fixed (evaluation mode).
     */
    public static void gradientSums(int n, int channels, int plane, int c, double mean, MemorySegment x, long xOff,
                                    MemorySegment dy, long dyOff, double[] sumDy, double[] sumDyCentred,
                                    float scale, MemorySegment dx, long dxOff) {
        gradientSums(n, channels, plane, c, mean, x, xOff, dy, dyOff, null, 0, 0f, sumDy, sumDyCentred, scale, dx, dxOff,
                VectorSupport.enabled());
    }

    /**
     * {@link #gradientSums} for a batch norm with a ReLU or ReLU6 fused after it: {@code dy} is the
     * gradient of the activation's output and {@code y} that output (the batch norm's, clamped),
     * and the gradient summed is {@link #activationGradient}'s, as the activation's own backward
     * would have written it.
     */
    public static void gradientSums(int n, int channels, int plane, int c, double mean, MemorySegment x, long xOff,
                                    MemorySegment dy, long dyOff, MemorySegment y, long yOff, float ceiling,
                                    double[] sumDy, double[] sumDyCentred, float scale, MemorySegment dx, long dxOff) {
        gradientSums(n, channels, plane, c, mean, x, xOff, dy, dyOff, y, yOff, ceiling, sumDy, sumDyCentred, scale, dx, dxOff,
                VectorSupport.enabled());
    }

    /**
     * The gradient through a fused ReLU (ceiling NaN) or ReLU6 (ceiling 6) of output {@code y}: g
     * where y &gt; 0 and not y &gt;= ceiling, else +0, which is what {@code reluBackward} (y &gt; 0)
     * and {@code relu6Backward} (0 &lt; y &lt; 6) compute; {@code y} null means no activation.
     */
    static float activationGradient(float g, MemorySegment y, long at, float ceiling) {
        if (y == null) {
            return g;
        }
        float v = y.getAtIndex(FLOAT, at);
        return v > 0f && !(v >= ceiling) ? g : 0f;
    }

    /** {@link #gradientSums} on the Vector API's loops or the plain ones. */
    static void gradientSums(int n, int channels, int plane, int c, double mean, MemorySegment x, long xOff,
                             MemorySegment dy, long dyOff, MemorySegment y, long yOff, float ceiling,
                             double[] sumDy, double[] sumDyCentred, float scale, MemorySegment dx, long dxOff,
                             boolean useVector) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        double[] slots = scratch();
        int blocks = plane - plane % SLOTS;
        boolean vector = useVector && blocks > 0 && VectorBatchNorm.SUMS;
        boolean vectorTail = useVector && blocks < plane && VectorBatchNorm.SUMS;
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long dyAt = dyOff + first + i * stride;
            long yAt = yOff + first + i * stride;
            if (vector) {
                VectorBatchNorm.gradientSums(x, xAt, dy, dyAt, y, yAt, ceiling, blocks, mean, slots);
            } else {
                for (int j = 0; j < blocks; j++) {
                    double d = activationGradient(dy.getAtIndex(FLOAT, dyAt + j), y, yAt + j, ceiling);
                    slots[j % SLOTS] += d;
                    slots[SLOTS + j % SLOTS] += d * (x.getAtIndex(FLOAT, xAt + j) - mean);
                }
            }
            if (vectorTail && VectorBatchNorm.tailFits(x, xAt + blocks) && VectorBatchNorm.tailFits(dy, dyAt + blocks)
                    && (y == null || VectorBatchNorm.tailFits(y, yAt + blocks))) {
                VectorBatchNorm.gradientTail(x, xAt + blocks, dy, dyAt + blocks, y, yAt + blocks, ceiling, plane - blocks,
                        mean, slots);
            } else {
                for (int j = blocks; j < plane; j++) {
                    double d = activationGradient(dy.getAtIndex(FLOAT, dyAt + j), y, yAt + j, ceiling);
                    slots[2 * SLOTS + j - blocks] += d;
                    slots[3 * SLOTS + j - blocks] += d * (x.getAtIndex(FLOAT, xAt + j) - mean);
                }
            }
            if (dx != null) { // one test per sample, not per element
                long dxAt = dxOff + first + i * stride;
                int j = useVector ? VectorBatchNorm.scale(dy, dyAt, y, yAt, ceiling, dx, dxAt, plane, scale) : 0;
                for (; j < plane; j++) {
                    dx.setAtIndex(FLOAT, dxAt + j, scale * activationGradient(dy.getAtIndex(FLOAT, dyAt + j), y, yAt + j, ceiling));
                }
            }
        }
        sumDy[c] = finish(slots, 0);
        sumDyCentred[c] = finish(slots, SLOTS);
    }

    /**
     * dx = scale * ((dy - a) - (x - mean) * b) over channel {@code c}, the input gradient with batch
     * statistics: scale = gamma * invStd, a = sum(dy)/M, b = invStd^2 * sum(dy * (x - mean))/M.
     * Overwrites dx.
     */
    public static void inputGrad(int n, int channels, int plane, int c, double mean, float scale, float a, float b,
                                 MemorySegment x, long xOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        inputGrad(n, channels, plane, c, mean, scale, a, b, x, xOff, dy, dyOff, null, 0, 0f, dx, dxOff, VectorSupport.enabled());
    }

    /** {@link #inputGrad} through a fused ReLU or ReLU6 of output {@code y}, as {@link #gradientSums} with {@code y}. */
    public static void inputGrad(int n, int channels, int plane, int c, double mean, float scale, float a, float b,
                                 MemorySegment x, long xOff, MemorySegment dy, long dyOff, MemorySegment y, long yOff,
                                 float ceiling, MemorySegment dx, long dxOff) {
        inputGrad(n, channels, plane, c, mean, scale, a, b, x, xOff, dy, dyOff, y, yOff, ceiling, dx, dxOff,
                VectorSupport.enabled());
    }

    /** {@link #inputGrad} on the Vector API's loops or the plain ones. */
    static void inputGrad(int n, int channels, int plane, int c, double mean, float scale, float a, float b,
                          MemorySegment x, long xOff, MemorySegment dy, long dyOff, MemorySegment y, long yOff, float ceiling,
                          MemorySegment dx, long dxOff, boolean vector) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        float hi = (float) mean;
        float lo = (float) (mean - hi);
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long dyAt = dyOff + first + i * stride;
            long dxAt = dxOff + first + i * stride;
            long yAt = yOff + first + i * stride;
            int j = vector ? VectorBatchNorm.inputGrad(x, xAt, dy, dyAt, y, yAt, ceiling, dx, dxAt, plane, hi, lo, scale, a, b) : 0;
            for (; j < plane; j++) {
                float centred = (x.getAtIndex(FLOAT, xAt + j) - hi) - lo;
                float g = activationGradient(dy.getAtIndex(FLOAT, dyAt + j), y, yAt + j, ceiling);
                dx.setAtIndex(FLOAT, dxAt + j, scale * ((g - a) - centred * b));
            }
        }
    }

    /** This thread's slots, zeroed. */
    private static double[] scratch() {
        double[] slots = SCRATCH.get();
        Arrays.fill(slots, 0);
        return slots;
    }

    /** The sum whose block slots start at {@code from} (its tail slots 2 * SLOTS further), in slot order. */
    private static double finish(double[] slots, int from) {
        double sum = 0;
        for (int k = 0; k < SLOTS; k++) {
            sum += slots[from + k] + slots[2 * SLOTS + from + k];
        }
        return sum;
    }
}
