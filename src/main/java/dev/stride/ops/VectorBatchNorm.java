package dev.stride.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@link BatchNorm}'s loops on the Vector API, for when {@link VectorSupport#enabled} (only then may
 * this class load), giving the plain loops' bits: the element-wise passes do the same operations in
 * the same order, and the double sums keep BatchNorm's slots, 16 a sum as two vectors of 8 doubles.
 * The plain loops read segments one float at a time (C2 leaves a loop that stores into a segment
 * scalar) and ran the sums as scalar chains; BN was a sixth to a quarter of ResNet-20's and
 * MobileNetV2's training steps (docs/design-measurements.md).
 */
final class VectorBatchNorm {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HALF = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_512;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Whether the sums run here: 8 doubles a vector in hardware (AVX-512), so two vectors hold a sum's 16 slots. */
    static final boolean SUMS = DoubleVector.SPECIES_PREFERRED.length() == 8 && BatchNorm.SLOTS == 16;

    private VectorBatchNorm() {
    }

    /** slots[j % 16] += x_j - shift, slots[16 + j % 16] += (x_j - shift)^2 for j in [0, blocks), a multiple of 16. */
    static void shiftedSums(MemorySegment x, long at, int blocks, double shift, double[] slots) {
        DoubleVector s0 = DoubleVector.fromArray(DOUBLES, slots, 0);
        DoubleVector s1 = DoubleVector.fromArray(DOUBLES, slots, 8);
        DoubleVector q0 = DoubleVector.fromArray(DOUBLES, slots, 16);
        DoubleVector q1 = DoubleVector.fromArray(DOUBLES, slots, 24);
        for (int j = 0; j < blocks; j += 16) {
            DoubleVector d0 = doubles(x, at + j).sub(shift);
            DoubleVector d1 = doubles(x, at + j + 8).sub(shift);
            s0 = s0.add(d0);
            s1 = s1.add(d1);
            q0 = q0.add(d0.mul(d0));
            q1 = q1.add(d1.mul(d1));
        }
        s0.intoArray(slots, 0);
        s1.intoArray(slots, 8);
        q0.intoArray(slots, 16);
        q1.intoArray(slots, 24);
    }

    /** slots[j % 16] += dy_j, slots[16 + j % 16] += dy_j * (x_j - mean) for j in [0, blocks), a multiple of 16. */
    static void gradientSums(MemorySegment x, long xAt, MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling,
                             int blocks, double mean, double[] slots) {
        DoubleVector g0 = DoubleVector.fromArray(DOUBLES, slots, 0);
        DoubleVector g1 = DoubleVector.fromArray(DOUBLES, slots, 8);
        DoubleVector p0 = DoubleVector.fromArray(DOUBLES, slots, 16);
        DoubleVector p1 = DoubleVector.fromArray(DOUBLES, slots, 24);
        for (int j = 0; j < blocks; j += 16) {
            DoubleVector d0 = gradientDoubles(dy, dyAt + j, y, yAt + j, ceiling);
            DoubleVector d1 = gradientDoubles(dy, dyAt + j + 8, y, yAt + j + 8, ceiling);
            g0 = g0.add(d0);
            g1 = g1.add(d1);
            p0 = p0.add(d0.mul(doubles(x, xAt + j).sub(mean)));
            p1 = p1.add(d1.mul(doubles(x, xAt + j + 8).sub(mean)));
        }
        g0.intoArray(slots, 0);
        g1.intoArray(slots, 8);
        p0.intoArray(slots, 16);
        p1.intoArray(slots, 24);
    }

    /** Whether the tails' whole-vector reads from {@code index} ({@link BatchNorm#SLOTS} floats) lie in the segment. */
    static boolean tailFits(MemorySegment s, long index) {
        return VectorSupport.holds(s, index, BatchNorm.SLOTS);
    }

    /** The row's last {@code tail} (below 16) values into the tail slots 32 and 48 on: as the plain loop, by masked adds. */
    static void shiftedTail(MemorySegment x, long at, int tail, double shift, double[] slots) {
        VectorMask<Double> m0 = DOUBLES.indexInRange(0, tail);
        VectorMask<Double> m1 = DOUBLES.indexInRange(8, tail);
        DoubleVector d0 = doubles(x, at).sub(shift);
        DoubleVector d1 = doubles(x, at + 8).sub(shift);
        DoubleVector.fromArray(DOUBLES, slots, 32).add(d0, m0).intoArray(slots, 32);
        DoubleVector.fromArray(DOUBLES, slots, 40).add(d1, m1).intoArray(slots, 40);
        DoubleVector.fromArray(DOUBLES, slots, 48).add(d0.mul(d0), m0).intoArray(slots, 48);
        DoubleVector.fromArray(DOUBLES, slots, 56).add(d1.mul(d1), m1).intoArray(slots, 56);
    }

    /** {@link #gradientSums} for the row's last {@code tail} (below 16) values, into the tail slots. */
    static void gradientTail(MemorySegment x, long xAt, MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling,
                             int tail, double mean, double[] slots) {
        VectorMask<Double> m0 = DOUBLES.indexInRange(0, tail);
        VectorMask<Double> m1 = DOUBLES.indexInRange(8, tail);
        DoubleVector d0 = gradientDoubles(dy, dyAt, y, yAt, ceiling);
        DoubleVector d1 = gradientDoubles(dy, dyAt + 8, y, yAt + 8, ceiling);
        DoubleVector.fromArray(DOUBLES, slots, 32).add(d0, m0).intoArray(slots, 32);
        DoubleVector.fromArray(DOUBLES, slots, 40).add(d1, m1).intoArray(slots, 40);
        DoubleVector.fromArray(DOUBLES, slots, 48).add(d0.mul(doubles(x, xAt).sub(mean)), m0).intoArray(slots, 48);
        DoubleVector.fromArray(DOUBLES, slots, 56).add(d1.mul(doubles(x, xAt + 8).sub(mean)), m1).intoArray(slots, 56);
    }

    /**
     * y = min(max(((x - hi) - lo) * scale + beta, min), max) over whole vectors of [0, count) (lanewise
     * max and min are Math.max and Math.min); returns where it stopped. y may be x.
     */
    static int normalize(MemorySegment x, long xAt, MemorySegment y, long yAt, int count, float hi, float lo,
                         float scale, float beta, float min, float max) {
        int bound = FLOATS.loopBound(count);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            floats(x, xAt + j).sub(hi).sub(lo).mul(scale).add(beta).max(min).min(max)
                    .intoMemorySegment(y, (yAt + j) * Float.BYTES, ORDER);
        }
        if (bound < count && fits(x, xAt + bound) && fits(y, yAt + bound)) {
            floats(x, xAt + bound).sub(hi).sub(lo).mul(scale).add(beta).max(min).min(max)
                    .intoMemorySegment(y, (yAt + bound) * Float.BYTES, ORDER, FLOATS.indexInRange(bound, count));
            return count;
        }
        return bound;
    }

    /**
     * {@link #normalize} in place over a[from, from + count) on the heap; the last partial vector
     * masked where the array holds a whole vector there. Returns where it stopped.
     */
    static int normalize(float[] a, int from, int count, float hi, float lo, float scale, float beta, float min, float max) {
        int bound = FLOATS.loopBound(count);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            FloatVector.fromArray(FLOATS, a, from + j).sub(hi).sub(lo).mul(scale).add(beta).max(min).min(max)
                    .intoArray(a, from + j);
        }
        if (bound < count && from + bound + FLOATS.length() <= a.length) {
            FloatVector.fromArray(FLOATS, a, from + bound).sub(hi).sub(lo).mul(scale).add(beta).max(min).min(max)
                    .intoArray(a, from + bound, FLOATS.indexInRange(bound, count));
            return count;
        }
        return bound;
    }

    /** dx = scale * ((dy - a) - ((x - hi) - lo) * b) over [0, count) as {@link #normalize}; returns where it stopped. */
    static int inputGrad(MemorySegment x, long xAt, MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling,
                         MemorySegment dx, long dxAt, int count, float hi, float lo, float scale, float a, float b) {
        int bound = FLOATS.loopBound(count);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            FloatVector centred = floats(x, xAt + j).sub(hi).sub(lo);
            gradientFloats(dy, dyAt + j, y, yAt + j, ceiling).sub(a).sub(centred.mul(b)).mul(scale)
                    .intoMemorySegment(dx, (dxAt + j) * Float.BYTES, ORDER);
        }
        if (bound < count && fits(x, xAt + bound) && fits(dy, dyAt + bound) && fits(dx, dxAt + bound)
                && (y == null || fits(y, yAt + bound))) {
            FloatVector centred = floats(x, xAt + bound).sub(hi).sub(lo);
            gradientFloats(dy, dyAt + bound, y, yAt + bound, ceiling).sub(a).sub(centred.mul(b)).mul(scale)
                    .intoMemorySegment(dx, (dxAt + bound) * Float.BYTES, ORDER, FLOATS.indexInRange(bound, count));
            return count;
        }
        return bound;
    }

    /** dx = scale * dy over [0, count) as {@link #normalize}; returns where it stopped. */
    static int scale(MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling, MemorySegment dx, long dxAt,
                     int count, float scale) {
        int bound = FLOATS.loopBound(count);
        for (int j = 0; j < bound; j += FLOATS.length()) {
            gradientFloats(dy, dyAt + j, y, yAt + j, ceiling).mul(scale).intoMemorySegment(dx, (dxAt + j) * Float.BYTES, ORDER);
        }
        if (bound < count && fits(dy, dyAt + bound) && fits(dx, dxAt + bound) && (y == null || fits(y, yAt + bound))) {
            gradientFloats(dy, dyAt + bound, y, yAt + bound, ceiling).mul(scale)
                    .intoMemorySegment(dx, (dxAt + bound) * Float.BYTES, ORDER, FLOATS.indexInRange(bound, count));
            return count;
        }
        return bound;
    }

    /** Whether a whole vector of floats from {@code index} lies in the segment (for the masked tails). */
    private static boolean fits(MemorySegment s, long index) {
        return VectorSupport.holds(s, index, FLOATS.length());
    }

    /**
     * The output gradient at {@code index}: dy itself, or with a fused activation (y its output,
     * not null) dy where y &gt; 0 and not y &gt;= ceiling, +0 elsewhere ({@link BatchNorm#activationGradient}).
     */
    private static FloatVector gradientFloats(MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling) {
        FloatVector g = floats(dy, dyAt);
        if (y == null) {
            return g;
        }
        FloatVector out = floats(y, yAt);
        return FloatVector.zero(FLOATS).blend(g, out.compare(VectorOperators.GT, 0f).andNot(out.compare(VectorOperators.GE, ceiling)));
    }

    /** {@link #gradientFloats} for 8 values, widened to doubles. */
    private static DoubleVector gradientDoubles(MemorySegment dy, long dyAt, MemorySegment y, long yAt, float ceiling) {
        FloatVector g = FloatVector.fromMemorySegment(HALF, dy, dyAt * Float.BYTES, ORDER);
        if (y != null) {
            FloatVector out = FloatVector.fromMemorySegment(HALF, y, yAt * Float.BYTES, ORDER);
            g = FloatVector.zero(HALF).blend(g, out.compare(VectorOperators.GT, 0f).andNot(out.compare(VectorOperators.GE, ceiling)));
        }
        return (DoubleVector) g.convertShape(VectorOperators.F2D, DOUBLES, 0);
    }

    private static FloatVector floats(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(FLOATS, s, index * Float.BYTES, ORDER);
    }

    /** The 8 floats at {@code index}, widened to doubles. */
    private static DoubleVector doubles(MemorySegment s, long index) {
        return (DoubleVector) FloatVector.fromMemorySegment(HALF, s, index * Float.BYTES, ORDER)
                .convertShape(VectorOperators.F2D, DOUBLES, 0);
    }
}
