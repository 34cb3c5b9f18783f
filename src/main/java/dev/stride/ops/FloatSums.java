package dev.stride.ops;

import java.util.Arrays;

/**
 * Sums of float arrays for the bias gradients, in a fixed order so results repeat bitwise, and the
 * same order with or without the Vector API: element i goes to running sum i mod 32 (32 = {@link
 * #WAYS}), and the 32 sums are then halved pairwise, s[j] += s[j + 16] for j below 16, then
 * s[j] += s[j + 8], and so on down to s[0]. On the Vector API ({@link VectorSums}) the running sums
 * are two vectors of 16 lanes (or four of 8); the plain loop keeps them in an array.
 *
 * <p>32 running sums, so that the Vector API can keep whole vectors of them and outrun four scalar
 * sums many times over; the plain loop over the array is slower than four sums were, since C2 does
 * not vectorise it, but gives the same bits (docs/design-measurements.md).
 */
public final class FloatSums {
    /** Running sums: two vectors of 16 floats, or four of 8 ({@link VectorSums}). */
    static final int WAYS = 32;

    private static final ThreadLocal<float[]> RUNNING = ThreadLocal.withInitial(() -> new float[WAYS]);

    private FloatSums() {
    }

    /** The sum of a[0, n) in the fixed order above. */
    public static float sum(float[] a, int n) {
        if (VectorSupport.enabled() && VectorSums.fits()) {
            return VectorSums.sum(a, n);
        }
        return sumPlain(a, n);
    }

    /** {@link #sum} without the Vector API. */
    static float sumPlain(float[] a, int n) {
        float[] s = RUNNING.get();
        Arrays.fill(s, 0f);
        for (int i = 0; i < n; i++) {
            s[i % WAYS] += a[i];
        }
        for (int half = WAYS / 2; half > 0; half /= 2) {
            for (int j = 0; j < half; j++) {
                s[j] += s[j + half];
            }
        }
        return s[0];
    }
}
