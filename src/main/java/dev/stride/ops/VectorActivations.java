package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Activations on the Vector API, for {@link Activations} when {@link VectorSupport#enabled} (only
 * then may this class load): straight from segment to segment in one pass, where the plain loops
 * copy through heap chunks or stay scalar, so both run faster (docs/design-measurements.md). ReLU
 * and ReLU6 give the same bits (lanewise max is Math.max, the backward select the same comparison); sigmoid
 * uses the Vector API's exp instead of {@link FastExp} (not the same bits, as accurate).
 */
final class VectorActivations {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorActivations() {
    }

    static void reluForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).max(0f)
                    .intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            y.setAtIndex(FLOAT, yOff + i, Math.max(x.getAtIndex(FLOAT, xOff + i), 0f));
        }
    }

    /** y = min(max(x, 0), 6): lanewise max and min are Math.max and Math.min, so the plain loop's bits. */
    static void relu6Forward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).max(0f).min(6f)
                    .intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            y.setAtIndex(FLOAT, yOff + i, Math.min(Math.max(x.getAtIndex(FLOAT, xOff + i), 0f), 6f));
        }
    }

    /** dx = dy where 0 < y < 6, else 0: the plain loop's comparisons (false for NaN), so its bits. */
    static void relu6Backward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff,
                              long count) {
        FloatVector zero = FloatVector.zero(SPECIES);
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector out = FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, (dyOff + i) * Float.BYTES, ORDER);
            zero.blend(g, out.compare(VectorOperators.GT, 0f).and(out.compare(VectorOperators.LT, 6f)))
                    .intoMemorySegment(dx, (dxOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float v = y.getAtIndex(FLOAT, yOff + i);
            float g = dy.getAtIndex(FLOAT, dyOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, v > 0f && v < 6f ? g : 0f);
        }
    }

    /**
     * y = 1 / (1 + e^-x) in the plain loop's stable form: with e = exp(-|x|), y = (x > 0 ? 1 : e) / (1 + e),
     * the exp being the Vector API's (Intel's SVML on x86): within 1.5e-7 of the exact value, as
     * FastExp's 1.8e-7, but not the same bits.
     */
    static void sigmoidForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER);
            FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
            e.blend(one, v.compare(VectorOperators.GT, 0f)).div(e.add(1f))
                    .intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float v = x.getAtIndex(FLOAT, xOff + i);
            float e = (float) Math.exp(-Math.abs(v));
            y.setAtIndex(FLOAT, yOff + i, (v > 0f ? 1f : e) / (1f + e));
        }
    }

    /** dx = dy * y * (1 - y), in the plain loop's order (so the same bits). */
    static void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff,
                                long count) {
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector s = FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, (dyOff + i) * Float.BYTES, ORDER);
            g.mul(s).mul(s.neg().add(1f)).intoMemorySegment(dx, (dxOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float s = y.getAtIndex(FLOAT, yOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, dy.getAtIndex(FLOAT, dyOff + i) * s * (1f - s));
        }
    }

    /** y = max(x, 0) + alpha * expm1(min(x, 0)), expm1 being the Vector API's (no cancellation near 0). */
    static void eluForward(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER);
            v.max(0f).add(v.min(0f).lanewise(VectorOperators.EXPM1).mul(alpha))
                    .intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float v = x.getAtIndex(FLOAT, xOff + i);
            y.setAtIndex(FLOAT, yOff + i, Math.max(v, 0f) + (float) Math.expm1(Math.min(v, 0f)) * alpha);
        }
    }

    /**
     * dx = dy * (m + (1 - m) * (y + alpha)) with m = 1 where x > 0, else 0: the plain loop's
     * operations in order (so the same bits, NaN where it gives NaN).
     */
    static void eluBackward(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment dy,
                            long dyOff, MemorySegment dx, long dxOff, long count) {
        FloatVector zero = FloatVector.zero(SPECIES);
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER);
            FloatVector out = FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, (dyOff + i) * Float.BYTES, ORDER);
            FloatVector m = zero.blend(1f, v.compare(VectorOperators.GT, 0f));
            g.mul(m.add(m.neg().add(1f).mul(out.add(alpha)))).intoMemorySegment(dx, (dxOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float m = Math.max(Math.signum(x.getAtIndex(FLOAT, xOff + i)), 0f);
            dx.setAtIndex(FLOAT, dxOff + i,
                    dy.getAtIndex(FLOAT, dyOff + i) * (m + (1f - m) * (y.getAtIndex(FLOAT, yOff + i) + alpha)));
        }
    }

    static void reluBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff,
                             long count) {
        FloatVector zero = FloatVector.zero(SPECIES);
        long i = 0;
        for (long bound = SPECIES.loopBound(count); i < bound; i += SPECIES.length()) {
            FloatVector out = FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, (dyOff + i) * Float.BYTES, ORDER);
            zero.blend(g, out.compare(VectorOperators.GT, 0f)).intoMemorySegment(dx, (dxOff + i) * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            float g = dy.getAtIndex(FLOAT, dyOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, y.getAtIndex(FLOAT, yOff + i) > 0f ? g : 0f);
        }
    }
}
