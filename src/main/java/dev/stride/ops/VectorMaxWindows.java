package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The long stretches of {@link MaxPooling#forwardSeparable}'s two passes on the Vector API, for
 * when {@link VectorSupport#enabled} (only then may this class load): whole vectors of window
 * starts, the last one shifted back to end with the stretch (its overlap is computed twice, to the
 * same values) so that no load or store needs a mask. The fold keeps what
 * {@link MaxPooling#keeps} keeps, lanewise, so the results are the plain loops' to the bit; in
 * training the indexes ride along under the same masks.
 */
final class VectorMaxWindows {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    /** 0, 1, 2, ...: lane numbers, offset to plane indexes. */
    private static final IntVector IOTA = IntVector.zero(INTS).addIndex(1);
    /** The shortest stretch these loops take: one vector. */
    static final int LANES = FLOATS.length();

    private VectorMaxWindows() {
    }

    // Each pass is two methods, with and without the indexes, called from call sites of their own:
    // with the choice a branch inside one method, code compiled while only inference builds ran
    // allocated its vectors once a training build had run too (the allocation tests saw it).

    /** out[at + c] = the maximum of in[from + c] to in[from + c + kW - 1], for c below count (at least {@link #LANES}). */
    static void rowStretch(float[] in, int from, int kW, float[] out, int at, int count) {
        for (int c = 0; c < count; c += LANES) {
            int k = Math.min(c, count - LANES);
            FloatVector m = FloatVector.fromArray(FLOATS, in, from + k);
            for (int j = 1; j < kW; j++) {
                FloatVector v = FloatVector.fromArray(FLOATS, in, from + k + j);
                m = v.blend(m, keep(m, v));
            }
            m.intoArray(out, at + k);
        }
    }

    /** {@link #rowStretch} and best[at + c] the index in {@code in} of each maximum. */
    static void rowStretchWithIndex(float[] in, int from, int kW, float[] out, int[] best, int at, int count) {
        for (int c = 0; c < count; c += LANES) {
            int k = Math.min(c, count - LANES);
            FloatVector m = FloatVector.fromArray(FLOATS, in, from + k);
            IntVector b = IOTA.add(from + k);
            for (int j = 1; j < kW; j++) {
                FloatVector v = FloatVector.fromArray(FLOATS, in, from + k + j);
                VectorMask<Float> keep = keep(m, v);
                m = v.blend(m, keep);
                b = IOTA.add(from + k + j).blend(b, keep.cast(INTS));
            }
            m.intoArray(out, at + k);
            b.intoArray(best, at + k);
        }
    }

    /** out[at + c] = the maximum of rows[from + i * starts + c] over i below count, for c below starts (at least {@link #LANES}). */
    static void columnStretch(float[] rows, int from, int count, int starts, float[] out, int at) {
        for (int c = 0; c < starts; c += LANES) {
            int k = Math.min(c, starts - LANES);
            FloatVector m = FloatVector.fromArray(FLOATS, rows, from + k);
            for (int i = 1; i < count; i++) {
                FloatVector v = FloatVector.fromArray(FLOATS, rows, from + i * starts + k);
                m = v.blend(m, keep(m, v));
            }
            m.intoArray(out, at + k);
        }
    }

    /** {@link #columnStretch} and best[at + c] rowBest's index where each maximum lies. */
    static void columnStretchWithIndex(float[] rows, int[] rowBest, int from, int count, int starts, float[] out,
                                               int[] best, int at) {
        for (int c = 0; c < starts; c += LANES) {
            int k = Math.min(c, starts - LANES);
            FloatVector m = FloatVector.fromArray(FLOATS, rows, from + k);
            IntVector b = IntVector.fromArray(INTS, rowBest, from + k);
            for (int i = 1; i < count; i++) {
                int r = from + i * starts + k;
                FloatVector v = FloatVector.fromArray(FLOATS, rows, r);
                VectorMask<Float> keep = keep(m, v);
                m = v.blend(m, keep);
                b = IntVector.fromArray(INTS, rowBest, r).blend(b, keep.cast(INTS));
            }
            m.intoArray(out, at + k);
            b.intoArray(best, at + k);
        }
    }

    /** {@link MaxPooling#keeps} lanewise: the lanes where the fold keeps a, a >= b or a NaN. */
    private static VectorMask<Float> keep(FloatVector a, FloatVector b) {
        return a.compare(VectorOperators.GE, b).or(a.test(VectorOperators.IS_NAN));
    }
}
