package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatSums#sum} on the Vector API, for when {@link VectorSupport#enabled} (only then may
 * this class load): the 32 running sums as two vectors of 16 lanes (AVX-512) or four of 8 (AVX2),
 * a whole 32-float block added per step and the last partial block masked (its missing lanes add
 * +0, which leaves a running sum that started at +0 unchanged), then the same pairwise halving as
 * the plain loop: across vectors first, then within one by lane shifts. Each form keeps its
 * vectors in locals, so that C2 holds them in registers and a call allocates nothing.
 */
final class VectorSums {
    private static final VectorSpecies<Float> LANES_16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> LANES_8 = FloatVector.SPECIES_256;
    private static final int PREFERRED = FloatVector.SPECIES_PREFERRED.length();

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
            s0 = s0.add(FloatVector.fromArray(LANES_16, a, i, LANES_16.indexInRange(i, n)));
            s1 = s1.add(FloatVector.fromArray(LANES_16, a, i + 16, LANES_16.indexInRange(i + 16, n)));
        }
        return halve(s0.add(s1));
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
            s0 = s0.add(FloatVector.fromArray(LANES_8, a, i, LANES_8.indexInRange(i, n)));
            s1 = s1.add(FloatVector.fromArray(LANES_8, a, i + 8, LANES_8.indexInRange(i + 8, n)));
            s2 = s2.add(FloatVector.fromArray(LANES_8, a, i + 16, LANES_8.indexInRange(i + 16, n)));
            s3 = s3.add(FloatVector.fromArray(LANES_8, a, i + 24, LANES_8.indexInRange(i + 24, n)));
        }
        // s[j] += s[j + 16], then s[j] += s[j + 8]: the first two halvings across the vectors.
        return halve(s0.add(s2).add(s1.add(s3)));
    }

    /** Lane j += lane j + w for w = length/2, length/4, ..., 1; the result is lane 0. */
    private static float halve(FloatVector v) {
        for (int w = v.length() / 2; w > 0; w /= 2) {
            v = v.add(v.slice(w));
        }
        return v.lane(0);
    }
}
