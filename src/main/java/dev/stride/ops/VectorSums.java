package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatSums#sum} on the Vector API, for when {@link VectorSupport#enabled} (only then may
 * this class load): the 32 running sums as two vectors of 16 lanes (or four of 8, eight of 4), a
 * whole 32-float block added per step and the last partial block masked (its missing lanes add
 * +0, which leaves a running sum that started at +0 unchanged), then the same pairwise halving as
 * the plain loop: across vectors first, then within one by lane shifts.
 */
final class VectorSums {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private VectorSums() {
    }

    /** True when the vector length divides {@link FloatSums#WAYS} into at most 8 vectors. */
    static boolean fits() {
        return FloatSums.WAYS % LANES == 0 && FloatSums.WAYS / LANES <= 8 && LANES >= 4;
    }

    static float sum(float[] a, int n) {
        return LANES == 16 ? sum16(a, n) : sumAnyLanes(a, n);
    }

    /** Two vectors of 16: the common AVX-512 case, written out so the sums stay in registers. */
    private static float sum16(float[] a, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, a, i));
            s1 = s1.add(FloatVector.fromArray(SPECIES, a, i + 16));
        }
        if (i < n) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, a, i, SPECIES.indexInRange(i, n)));
            s1 = s1.add(FloatVector.fromArray(SPECIES, a, i + 16, SPECIES.indexInRange(i + 16, n)));
        }
        return halve(s0.add(s1));
    }

    /** Any vector length that {@link #fits}: the running sums in a small array of vectors. */
    static float sumAnyLanes(float[] a, int n) {
        int count = FloatSums.WAYS / LANES;
        FloatVector[] s = new FloatVector[count];
        for (int v = 0; v < count; v++) {
            s[v] = FloatVector.zero(SPECIES);
        }
        for (int i = 0; i < n; i += FloatSums.WAYS) {
            for (int v = 0; v < count; v++) {
                int at = i + v * LANES;
                s[v] = s[v].add(FloatVector.fromArray(SPECIES, a, at, SPECIES.indexInRange(at, n)));
            }
        }
        for (int half = count / 2; half > 0; half /= 2) {
            for (int v = 0; v < half; v++) {
                s[v] = s[v].add(s[v + half]);
            }
        }
        return halve(s[0]);
    }

    /** Lane j += lane j + w for w = length/2, length/4, ..., 1; the result is lane 0. */
    private static float halve(FloatVector v) {
        for (int w = LANES / 2; w > 0; w /= 2) {
            v = v.add(v.slice(w));
        }
        return v.lane(0);
    }
}
