package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Depthwise}'s loops on the Vector API, for when {@link VectorSupport#enabled} (only then
 * may this class load). C2 leaves the plain loops scalar: each reads one array at offsets from the
 * index at which it stores into another, and it cannot rule out that the two are the same array.
 * The same float operations in the same order as the plain loops (products, then the sums left to
 * right, no fused multiply-add), lane by lane, so the same bits at any vector length. A plane's
 * last partial vector runs as a whole vector with a masked store (or masked sums): the arrays hold
 * {@link VectorSupport#SLACK_FLOATS} floats past their data for those reads ({@link Depthwise.Planes});
 * the small planes of MobileNet's last stages are mostly such tails. Each loop writes its stores out
 * in its own body: passed to a helper method, a vector is boxed (allocated) whenever C2 declines to
 * inline the helper, which a test caught once backward's stacks made the masked tail common.
 */
final class VectorDepthwise {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> LANES_16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> LANES_8 = FloatVector.SPECIES_256;
    private static final int PREFERRED = SPECIES.length();

    private VectorDepthwise() {
    }

    /** dst[at + q] += sum over taps t of w[t] * src[offsets[t] + at + q]: nine taps in one pass, others three or one at a time. */
    static void accumulateTaps(float[] src, int[] offsets, float[] w, float[] dst, int at, int len) {
        int taps = offsets.length;
        if (taps == 9) {
            taps9(src, offsets, w, dst, at, len);
            return;
        }
        int t = 0;
        for (; t + 3 <= taps; t += 3) {
            taps3(src, offsets[t] + at, offsets[t + 1] + at, offsets[t + 2] + at, w[t], w[t + 1], w[t + 2], dst, at, len);
        }
        for (; t < taps; t++) {
            accumulateScaled(src, offsets[t] + at, w[t], dst, at, len);
        }
    }

    private static void taps9(float[] src, int[] offsets, float[] w, float[] dst, int at, int len) {
        int o0 = offsets[0] + at, o1 = offsets[1] + at, o2 = offsets[2] + at, o3 = offsets[3] + at;
        int o4 = offsets[4] + at, o5 = offsets[5] + at, o6 = offsets[6] + at, o7 = offsets[7] + at, o8 = offsets[8] + at;
        float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
        for (int q = 0; q < len; q += SPECIES.length()) {
            FloatVector s = FloatVector.fromArray(SPECIES, src, o0 + q).mul(w0)
                    .add(FloatVector.fromArray(SPECIES, src, o1 + q).mul(w1))
                    .add(FloatVector.fromArray(SPECIES, src, o2 + q).mul(w2))
                    .add(FloatVector.fromArray(SPECIES, src, o3 + q).mul(w3))
                    .add(FloatVector.fromArray(SPECIES, src, o4 + q).mul(w4))
                    .add(FloatVector.fromArray(SPECIES, src, o5 + q).mul(w5))
                    .add(FloatVector.fromArray(SPECIES, src, o6 + q).mul(w6))
                    .add(FloatVector.fromArray(SPECIES, src, o7 + q).mul(w7))
                    .add(FloatVector.fromArray(SPECIES, src, o8 + q).mul(w8));
            FloatVector r = FloatVector.fromArray(SPECIES, dst, at + q).add(s);
            if (q + PREFERRED <= len) { // the store written out in each loop: see the class comment
                r.intoArray(dst, at + q);
            } else {
                r.intoArray(dst, at + q, SPECIES.indexInRange(q, len));
            }
        }
    }

    private static void taps3(float[] src, int o0, int o1, int o2, float w0, float w1, float w2, float[] dst, int at, int len) {
        for (int q = 0; q < len; q += SPECIES.length()) {
            FloatVector s = FloatVector.fromArray(SPECIES, src, o0 + q).mul(w0)
                    .add(FloatVector.fromArray(SPECIES, src, o1 + q).mul(w1))
                    .add(FloatVector.fromArray(SPECIES, src, o2 + q).mul(w2));
            FloatVector r = FloatVector.fromArray(SPECIES, dst, at + q).add(s);
            if (q + PREFERRED <= len) { // the store written out in each loop: see the class comment
                r.intoArray(dst, at + q);
            } else {
                r.intoArray(dst, at + q, SPECIES.indexInRange(q, len));
            }
        }
    }

    /** dst[at + q] += v * src[from + q]. */
    static void accumulateScaled(float[] src, int from, float v, float[] dst, int at, int len) {
        for (int q = 0; q < len; q += SPECIES.length()) {
            FloatVector r = FloatVector.fromArray(SPECIES, dst, at + q).add(FloatVector.fromArray(SPECIES, src, from + q).mul(v));
            if (q + PREFERRED <= len) {
                r.intoArray(dst, at + q);
            } else {
                r.intoArray(dst, at + q, SPECIES.indexInRange(q, len));
            }
        }
    }

    /**
     * sums[q % FOLD] += a[aFrom + q] * b[bFrom + q], in q order per slot, as the plain loop: the 32
     * slots held in two vectors of 16 lanes or four of 8 for the whole call (loaded from sums and
     * stored back); with 16 lanes the last partial block by masked adds, with 8 scalar. Other vector
     * lengths take the plain loop.
     */
    static void foldProducts(float[] a, int aFrom, float[] b, int bFrom, float[] sums, int len) {
        if (PREFERRED == 16) {
            foldProducts16(a, aFrom, b, bFrom, sums, len);
        } else if (PREFERRED == 8) {
            foldProducts8(a, aFrom, b, bFrom, sums, len);
        } else {
            Depthwise.foldProductsPlain(a, aFrom, b, bFrom, sums, len);
        }
    }

    private static void foldProducts16(float[] a, int aFrom, float[] b, int bFrom, float[] sums, int len) {
        FloatVector s0 = FloatVector.fromArray(LANES_16, sums, 0);
        FloatVector s1 = FloatVector.fromArray(LANES_16, sums, 16);
        int q = 0;
        for (; q + 32 <= len; q += 32) {
            s0 = s0.add(FloatVector.fromArray(LANES_16, a, aFrom + q).mul(FloatVector.fromArray(LANES_16, b, bFrom + q)));
            s1 = s1.add(FloatVector.fromArray(LANES_16, a, aFrom + q + 16).mul(FloatVector.fromArray(LANES_16, b, bFrom + q + 16)));
        }
        if (q < len) { // the last partial block: slot k gets position q + k, as in the plain loop
            s0 = s0.add(FloatVector.fromArray(LANES_16, a, aFrom + q).mul(FloatVector.fromArray(LANES_16, b, bFrom + q)),
                    LANES_16.indexInRange(q, len));
            s1 = s1.add(FloatVector.fromArray(LANES_16, a, aFrom + q + 16).mul(FloatVector.fromArray(LANES_16, b, bFrom + q + 16)),
                    LANES_16.indexInRange(q + 16, len));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 16);
    }

    private static void foldProducts8(float[] a, int aFrom, float[] b, int bFrom, float[] sums, int len) {
        FloatVector s0 = FloatVector.fromArray(LANES_8, sums, 0);
        FloatVector s1 = FloatVector.fromArray(LANES_8, sums, 8);
        FloatVector s2 = FloatVector.fromArray(LANES_8, sums, 16);
        FloatVector s3 = FloatVector.fromArray(LANES_8, sums, 24);
        int q = 0;
        for (; q + 32 <= len; q += 32) {
            s0 = s0.add(FloatVector.fromArray(LANES_8, a, aFrom + q).mul(FloatVector.fromArray(LANES_8, b, bFrom + q)));
            s1 = s1.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 8).mul(FloatVector.fromArray(LANES_8, b, bFrom + q + 8)));
            s2 = s2.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 16).mul(FloatVector.fromArray(LANES_8, b, bFrom + q + 16)));
            s3 = s3.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 24).mul(FloatVector.fromArray(LANES_8, b, bFrom + q + 24)));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, 8);
        s2.intoArray(sums, 16);
        s3.intoArray(sums, 24);
        for (int k = 0; q < len; q++, k++) {
            sums[k] += a[aFrom + q] * b[bFrom + q];
        }
    }

    /** sums[q % FOLD] += a[aFrom + q], as {@link #foldProducts}. */
    static void foldSum(float[] a, int aFrom, float[] sums, int len) {
        if (PREFERRED == 16) {
            FloatVector s0 = FloatVector.fromArray(LANES_16, sums, 0);
            FloatVector s1 = FloatVector.fromArray(LANES_16, sums, 16);
            int q = 0;
            for (; q + 32 <= len; q += 32) {
                s0 = s0.add(FloatVector.fromArray(LANES_16, a, aFrom + q));
                s1 = s1.add(FloatVector.fromArray(LANES_16, a, aFrom + q + 16));
            }
            if (q < len) {
                s0 = s0.add(FloatVector.fromArray(LANES_16, a, aFrom + q), LANES_16.indexInRange(q, len));
                s1 = s1.add(FloatVector.fromArray(LANES_16, a, aFrom + q + 16), LANES_16.indexInRange(q + 16, len));
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, 16);
        } else if (PREFERRED == 8) {
            FloatVector s0 = FloatVector.fromArray(LANES_8, sums, 0);
            FloatVector s1 = FloatVector.fromArray(LANES_8, sums, 8);
            FloatVector s2 = FloatVector.fromArray(LANES_8, sums, 16);
            FloatVector s3 = FloatVector.fromArray(LANES_8, sums, 24);
            int q = 0;
            for (; q + 32 <= len; q += 32) {
                s0 = s0.add(FloatVector.fromArray(LANES_8, a, aFrom + q));
                s1 = s1.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 8));
                s2 = s2.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 16));
                s3 = s3.add(FloatVector.fromArray(LANES_8, a, aFrom + q + 24));
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, 8);
            s2.intoArray(sums, 16);
            s3.intoArray(sums, 24);
            for (int k = 0; q < len; q++, k++) {
                sums[k] += a[aFrom + q];
            }
        } else {
            Depthwise.foldSumPlain(a, aFrom, sums, len);
        }
    }
}
