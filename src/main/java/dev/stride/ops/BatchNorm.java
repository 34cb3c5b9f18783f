package dev.stride.ops;

import java.lang.foreign.MemorySegment;

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
 * one. The sums run in double with two running sums each, so the loop is not one long chain of
 * dependent additions.
 */
public final class BatchNorm {
    private BatchNorm() {
    }

    /**
     * Writes the mean of channel {@code c} to {@code mean[c]} and its biased variance to
     * {@code var[c]}, from one pass of shifted sums in double.
     */
    public static void statistics(int n, int channels, int plane, int c, MemorySegment x, long xOff,
                                  double[] mean, double[] var) {
        long stride = (long) channels * plane;
        long base = xOff + (long) c * plane;
        double shift = x.getAtIndex(FLOAT, base);
        double s0 = 0;
        double s1 = 0;
        double q0 = 0;
        double q1 = 0;
        for (int i = 0; i < n; i++) {
            long at = base + i * stride;
            int j = 0;
            for (; j + 1 < plane; j += 2) {
                double d0 = x.getAtIndex(FLOAT, at + j) - shift;
                double d1 = x.getAtIndex(FLOAT, at + j + 1) - shift;
                s0 += d0;
                s1 += d1;
                q0 += d0 * d0;
                q1 += d1 * d1;
            }
            if (j < plane) {
                double d = x.getAtIndex(FLOAT, at + j) - shift;
                s0 += d;
                q0 += d * d;
            }
        }
        double count = (double) n * plane;
        double offset = (s0 + s1) / count; // mean - shift
        mean[c] = shift + offset;
        var[c] = Math.max(0, (q0 + q1) / count - offset * offset);
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
     * may be x. On the Vector API where {@link VectorSupport#enabled} ({@link VectorBatchNorm}).
     */
    public static void normalize(int n, int channels, int plane, int c, double mean, float scale, float beta,
                                 float min, float max, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        float hi = (float) mean;
        float lo = (float) (mean - hi);
        if (VectorSupport.enabled()) {
            VectorBatchNorm.normalize(n, channels, plane, c, hi, lo, scale, beta, min, max, x, xOff, y, yOff);
        } else {
            normalizePlain(n, channels, plane, c, hi, lo, scale, beta, min, max, x, xOff, y, yOff);
        }
    }

    /** {@link #normalize} in a plain loop on segments, with the mean split as hi + lo. */
    static void normalizePlain(int n, int channels, int plane, int c, float hi, float lo, float scale, float beta,
                               float min, float max, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long yAt = yOff + first + i * stride;
            for (int j = 0; j < plane; j++) {
                float centred = (x.getAtIndex(FLOAT, xAt + j) - hi) - lo;
                y.setAtIndex(FLOAT, yAt + j, Math.min(Math.max(centred * scale + beta, min), max));
            }
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
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        double g0 = 0;
        double g1 = 0;
        double p0 = 0;
        double p1 = 0;
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long dyAt = dyOff + first + i * stride;
            int j = 0;
            for (; j + 1 < plane; j += 2) {
                double d0 = dy.getAtIndex(FLOAT, dyAt + j);
                double d1 = dy.getAtIndex(FLOAT, dyAt + j + 1);
                g0 += d0;
                g1 += d1;
                p0 += d0 * (x.getAtIndex(FLOAT, xAt + j) - mean);
                p1 += d1 * (x.getAtIndex(FLOAT, xAt + j + 1) - mean);
            }
            if (j < plane) {
                double d = dy.getAtIndex(FLOAT, dyAt + j);
                g0 += d;
                p0 += d * (x.getAtIndex(FLOAT, xAt + j) - mean);
            }
            if (dx != null) { // one test per sample, not per element
                long dxAt = dxOff + first + i * stride;
                for (j = 0; j < plane; j++) {
                    dx.setAtIndex(FLOAT, dxAt + j, scale * dy.getAtIndex(FLOAT, dyAt + j));
                }
            }
        }
        sumDy[c] = g0 + g1;
        sumDyCentred[c] = p0 + p1;
    }

    /**
     * dx = scale * ((dy - a) - (x - mean) * b) over channel {@code c}, the input gradient with batch
     * statistics: scale = gamma * invStd, a = sum(dy)/M, b = invStd^2 * sum(dy * (x - mean))/M.
     * Overwrites dx.
     */
    public static void inputGrad(int n, int channels, int plane, int c, double mean, float scale, float a, float b,
                                 MemorySegment x, long xOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        float hi = (float) mean;
        float lo = (float) (mean - hi);
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long dyAt = dyOff + first + i * stride;
            long dxAt = dxOff + first + i * stride;
            for (int j = 0; j < plane; j++) {
                float centred = (x.getAtIndex(FLOAT, xAt + j) - hi) - lo;
                dx.setAtIndex(FLOAT, dxAt + j, scale * ((dy.getAtIndex(FLOAT, dyAt + j) - a) - centred * b));
            }
        }
    }
}
