package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@link FloatSums#sum} on the Vector API, for when {@link VectorSupport#enabled} (only then may
 * this class load): the 32 running sums as two vectors of 16 lanes (AVX-512) or four of 8 (AVX2),
 * a whole 32-float block added per step and the last partial block from a zero-padded copy
 * ({@link #tail}), then the same pairwise halving as the plain loop: across vectors first, then in
 * scalars read from the lanes. Each form keeps its vectors in locals of one method, so that C2
 * holds them in registers and a call allocates nothing.
 */
final class VectorSums {
    private static final VectorSpecies<Float> LANES_16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> LANES_8 = FloatVector.SPECIES_256;
    private static final int PREFERRED = FloatVector.SPECIES_PREFERRED.length();
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[FloatSums.WAYS]);

    private VectorSums() {
    }

    /** True when the machine's vectors are 16 or 8 floats long, the two forms here. */
    static boolean fits() {
        return PREFERRED == 16 || PREFERRED == 8;
    }

    static float sum(float[] a, int n) {
        return PREFERRED == 16 ? sum16(a, n) : sum8(a, n);
    }

    /** Running sums 0-15 and 16-31 in two vectors. */
    static float sum16(float[] a, int n) {
        FloatVector s0 = FloatVector.zero(LANES_16);
        FloatVector s1 = FloatVector.zero(LANES_16);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            s0 = s0.add(FloatVector.fromArray(LANES_16, a, i));
            s1 = s1.add(FloatVector.fromArray(LANES_16, a, i + 16));
        }
        if (i < n) {
            float[] t = tail(a, i, n);
            s0 = s0.add(FloatVector.fromArray(LANES_16, t, 0));
            s1 = s1.add(FloatVector.fromArray(LANES_16, t, 16));
        }
        // The halvings in scalars from lanes at constant indexes, in this method: a helper taking
        // the vector and halving it by lane shifts (slice) in a loop allocated there in some runs
        // (768 to 3840 bytes a Winograd pass), a vector passing a call C2 does not inline being boxed.
        FloatVector v = s0.add(s1); // s[j] += s[j + 16]
        float a0 = v.lane(0) + v.lane(8);
        float a1 = v.lane(1) + v.lane(9);
        float a2 = v.lane(2) + v.lane(10);
        float a3 = v.lane(3) + v.lane(11);
        float a4 = v.lane(4) + v.lane(12);
        float a5 = v.lane(5) + v.lane(13);
        float a6 = v.lane(6) + v.lane(14);
        float a7 = v.lane(7) + v.lane(15);
        return quarter(a0 + a4, a1 + a5, a2 + a6, a3 + a7);
    }

    /** Running sums 0-7, 8-15, 16-23 and 24-31 in four vectors. */
    static float sum8(float[] a, int n) {
        FloatVector s0 = FloatVector.zero(LANES_8);
        FloatVector s1 = FloatVector.zero(LANES_8);
        FloatVector s2 = FloatVector.zero(LANES_8);
        FloatVector s3 = FloatVector.zero(LANES_8);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            s0 = s0.add(FloatVector.fromArray(LANES_8, a, i));
            s1 = s1.add(FloatVector.fromArray(LANES_8, a, i + 8));
            s2 = s2.add(FloatVector.fromArray(LANES_8, a, i + 16));
            s3 = s3.add(FloatVector.fromArray(LANES_8, a, i + 24));
        }
        if (i < n) {
            float[] t = tail(a, i, n);
            s0 = s0.add(FloatVector.fromArray(LANES_8, t, 0));
            s1 = s1.add(FloatVector.fromArray(LANES_8, t, 8));
            s2 = s2.add(FloatVector.fromArray(LANES_8, t, 16));
            s3 = s3.add(FloatVector.fromArray(LANES_8, t, 24));
        }
        // s[j] += s[j + 16], then s[j] += s[j + 8]: the first two halvings across the vectors.
        FloatVector v = s0.add(s2).add(s1.add(s3));
        return quarter(v.lane(0) + v.lane(4), v.lane(1) + v.lane(5), v.lane(2) + v.lane(6), v.lane(3) + v.lane(7));
    }

    /**
     * The last, partial block a[from, n) copied into this thread's 32 floats, zero after it: a
     * masked load of it straight from {@code a} would reach past the array's end whenever the
     * array is no longer than n, and such a load takes a slow path that allocates (seen in
     * Winograd passes; docs/design-measurements.md). The zeros add +0 to running sums that started
     * at +0, which changes none of them.
     */
    private static float[] tail(float[] a, int from, int n) {
        float[] t = TAIL.get();
        System.arraycopy(a, from, t, 0, n - from);
        Arrays.fill(t, n - from, FloatSums.WAYS, 0f);
        return t;
    }

    /** The last halvings: b0 + b2 and b1 + b3, then their sum. */
    private static float quarter(float b0, float b1, float b2, float b3) {
        return (b0 + b2) + (b1 + b3);
    }
}
