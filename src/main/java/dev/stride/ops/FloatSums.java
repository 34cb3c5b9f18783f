package dev.stride.ops;

/** Sums of float arrays for the bias gradients, in a fixed order so results repeat bitwise. */
public final class FloatSums {
    private FloatSums() {
    }

    /**
     * The sum of a[0, n) with four running sums (a single float sum waits on each add's latency),
     * added in the order ((s0 + s1) + (s2 + s3)).
     */
    public static float sum(float[] a, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
