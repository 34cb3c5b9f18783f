package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Max pooling's 2x2, stride-2 windows on the Vector API, for {@link MaxPooling} when
 * {@link VectorSupport#enabled} (only then may this class load). Each vector holds one output row's
 * input columns for half a vector of windows, read straight from the segment: the plain loop copies
 * every plane to the heap and back, and picks the argmax in a second pass. Same results to the bit
 * (lanewise max is Math.max; the argmax is the same first-match rule). Whole vectors of windows
 * skip the masks (loads without, stores of the compressed half as a half-size vector): masked
 * loads slowed the large planes. The backward stays on the plain fill and scatter, which was
 * faster than writing every input position from vectors of dy and argmax spread over window
 * pairs (docs/design-measurements.md). Without an argmax (inference) only the maxima are computed.
 */
final class VectorPooling {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    private static final VectorShape HALF_SHAPE = VectorShape.forBitSize(FLOATS.vectorBitSize() / 2);
    private static final VectorSpecies<Float> HALF_FLOATS = VectorSpecies.of(float.class, HALF_SHAPE);
    private static final VectorSpecies<Integer> HALF_INTS = VectorSpecies.of(int.class, HALF_SHAPE);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Windows per vector: each takes two lanes (its left and right column). */
    private static final int HALF = FLOATS.length() / 2;
    /** The lanes of window starts (the even lanes), which compress to the first {@link #HALF}. */
    private static final VectorMask<Float> STARTS = VectorMask.fromLong(FLOATS, 0x5555_5555_5555_5555L);
    private static final VectorMask<Integer> INT_STARTS = STARTS.cast(INTS);
    /** 0, 1, 2, ...: lane numbers, offset to plane indexes by {@link #firstMaximum}. */
    private static final IntVector LANES = IntVector.zero(INTS).addIndex(1);

    private VectorPooling() {
    }

    /**
     * {@link MaxPooling#forward} for 2x2 windows at stride 2 without padding. Per chunk of windows:
     * a, b (top row) and c, d (bottom row) loaded at the window starts and one column on, so even
     * lane 2k holds window k's four candidates; the maximum is Math.max over them, the argmax the
     * first of a, b, c, d equal to it or NaN, and the even lanes are compressed into the outputs.
     */
    static void maxForward2x2(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff,
                              MemorySegment argmax, long argOff) {
        int w = g.width();
        int outH = g.outH();
        int outW = g.outW();
        long limit = x.byteSize();
        for (int p = 0; p < planes; p++) {
            long xBase = xOff + (long) p * g.inPlane();
            long oBase = (long) p * g.outPlane();
            for (int oh = 0; oh < outH; oh++) {
                int top = 2 * oh * w;
                for (int ow = 0; ow < outW; ow += HALF) {
                    long at = (xBase + top + 2L * ow) * Float.BYTES;
                    long o = oBase + (long) oh * outW + ow;
                    if (whole(outW - ow, at, w, limit)) {
                        wholeChunk(x, at, w, top + 2 * ow, y, (yOff + o) * Float.BYTES, argmax, (argOff + o) * Integer.BYTES);
                    } else {
                        partialChunk(x, at, w, top + 2 * ow, outW - ow, y, (yOff + o) * Float.BYTES, argmax,
                                (argOff + o) * Integer.BYTES);
                    }
                }
            }
        }
    }

    /**
     * {@link #maxForward2x2} without the argmax (inference). A method of its own, not a branch in
     * one loop: code that C2 compiled while only one kind of build ran allocated a vector a call
     * once the other kind ran too (MaxPoolBuildsTest).
     */
    static void maxima2x2(PoolGeometry g, int planes, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        int w = g.width();
        int outH = g.outH();
        int outW = g.outW();
        long limit = x.byteSize();
        for (int p = 0; p < planes; p++) {
            long xBase = xOff + (long) p * g.inPlane();
            long oBase = (long) p * g.outPlane();
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow += HALF) {
                    long at = (xBase + 2L * oh * w + 2L * ow) * Float.BYTES;
                    long yAt = (yOff + oBase + (long) oh * outW + ow) * Float.BYTES;
                    if (whole(outW - ow, at, w, limit)) {
                        wholeMaxima(x, at, w, y, yAt);
                    } else {
                        partialMaxima(x, at, w, outW - ow, y, yAt);
                    }
                }
            }
        }
    }

    /**
     * Whether a whole vector of windows starts at byte {@code at}: it reads its four vectors without
     * masks; b's and d's last lane, one column past the windows, belongs to an odd lane that the
     * compress drops, so it only has to lie inside the segment.
     */
    private static boolean whole(int windowsLeft, long at, int w, long limit) {
        return windowsLeft >= HALF && at + (long) w * Float.BYTES + (2L * HALF + 1) * Float.BYTES <= limit;
    }

    // The two kinds of chunk are methods of their own, each loading, reducing and storing (no vector
    // crosses a call): as one method the loop body was too large for C1's register allocator, and a
    // method that C1 cannot compile at its profiling tier may never reach C2, leaving the Vector API
    // on its unintrinsified fallback, many times slower (seen at batch 1).

    /**
     * The maxima alone (inference: no argmax) of HALF windows from byte {@code at}, as
     * {@link #wholeChunk}: methods of their own, not a branch in the chunks, so that code compiled
     * for one kind of build never meets the other's case (a vector kept across such a branch was
     * allocated once the other kind had run).
     */
    private static void wholeMaxima(MemorySegment x, long at, int w, MemorySegment y, long yAt) {
        long below = (long) w * Float.BYTES;
        FloatVector a = FloatVector.fromMemorySegment(FLOATS, x, at, ORDER);
        FloatVector b = FloatVector.fromMemorySegment(FLOATS, x, at + Float.BYTES, ORDER);
        FloatVector c = FloatVector.fromMemorySegment(FLOATS, x, at + below, ORDER);
        FloatVector d = FloatVector.fromMemorySegment(FLOATS, x, at + below + Float.BYTES, ORDER);
        a.max(b).max(c.max(d)).compress(STARTS).reinterpretShape(HALF_FLOATS, 0).intoMemorySegment(y, yAt, ORDER);
    }

    /** The maxima alone of {@code windows} windows, as {@link #partialChunk}. */
    private static void partialMaxima(MemorySegment x, long at, int w, int windows, MemorySegment y, long yAt) {
        long below = (long) w * Float.BYTES;
        int kept = Math.min(HALF, windows);
        VectorMask<Float> left = FLOATS.indexInRange(0, 2 * kept);
        VectorMask<Float> right = FLOATS.indexInRange(1, 2 * kept);
        FloatVector a = FloatVector.fromMemorySegment(FLOATS, x, at, ORDER, left);
        FloatVector b = FloatVector.fromMemorySegment(FLOATS, x, at + Float.BYTES, ORDER, right);
        FloatVector c = FloatVector.fromMemorySegment(FLOATS, x, at + below, ORDER, left);
        FloatVector d = FloatVector.fromMemorySegment(FLOATS, x, at + below + Float.BYTES, ORDER, right);
        a.max(b).max(c.max(d)).compress(STARTS).intoMemorySegment(y, yAt, ORDER, FLOATS.indexInRange(0, kept));
    }

    /** HALF windows whose first input column is at byte {@code at} and index {@code first} of the plane. */
    private static void wholeChunk(MemorySegment x, long at, int w, int first, MemorySegment y, long yAt,
                                   MemorySegment argmax, long argAt) {
        long below = (long) w * Float.BYTES;
        FloatVector a = FloatVector.fromMemorySegment(FLOATS, x, at, ORDER);
        FloatVector b = FloatVector.fromMemorySegment(FLOATS, x, at + Float.BYTES, ORDER);
        FloatVector c = FloatVector.fromMemorySegment(FLOATS, x, at + below, ORDER);
        FloatVector d = FloatVector.fromMemorySegment(FLOATS, x, at + below + Float.BYTES, ORDER);
        FloatVector max = a.max(b).max(c.max(d));
        IntVector best = firstMaximum(a, b, c, d, max, first, w);
        // The compressed half as a vector of half the size: no mask.
        max.compress(STARTS).reinterpretShape(HALF_FLOATS, 0).intoMemorySegment(y, yAt, ORDER);
        best.compress(INT_STARTS).reinterpretShape(HALF_INTS, 0).intoMemorySegment(argmax, argAt, ORDER);
    }

    /** The last {@code windows} (< HALF, or too near the segment's end) windows of an output row, under masks. */
    private static void partialChunk(MemorySegment x, long at, int w, int first, int windows, MemorySegment y, long yAt,
                                     MemorySegment argmax, long argAt) {
        long below = (long) w * Float.BYTES;
        int kept = Math.min(HALF, windows);
        int columns = 2 * kept; // input columns in these windows
        VectorMask<Float> left = FLOATS.indexInRange(0, columns);
        VectorMask<Float> right = FLOATS.indexInRange(1, columns); // one column on: never past the windows
        FloatVector a = FloatVector.fromMemorySegment(FLOATS, x, at, ORDER, left);
        FloatVector b = FloatVector.fromMemorySegment(FLOATS, x, at + Float.BYTES, ORDER, right);
        FloatVector c = FloatVector.fromMemorySegment(FLOATS, x, at + below, ORDER, left);
        FloatVector d = FloatVector.fromMemorySegment(FLOATS, x, at + below + Float.BYTES, ORDER, right);
        FloatVector max = a.max(b).max(c.max(d));
        IntVector best = firstMaximum(a, b, c, d, max, first, w);
        max.compress(STARTS).intoMemorySegment(y, yAt, ORDER, FLOATS.indexInRange(0, kept));
        best.compress(INT_STARTS).intoMemorySegment(argmax, argAt, ORDER, INTS.indexInRange(0, kept));
    }

    /**
     * The plane index of the first of a, b, c, d (top left, top right, bottom left, bottom right)
     * equal to the maximum or NaN (a NaN maximum is the first NaN), picked last to first; window k
     * in lane 2k starts at plane index first + 2k.
     */
    private static IntVector firstMaximum(FloatVector a, FloatVector b, FloatVector c, FloatVector d, FloatVector max,
                                          int first, int w) {
        IntVector index = LANES.add(first);
        IntVector best = index.add(w + 1);
        best = best.blend(index.add(w), c.compare(VectorOperators.EQ, max).or(c.test(VectorOperators.IS_NAN)).cast(INTS));
        best = best.blend(index.add(1), b.compare(VectorOperators.EQ, max).or(b.test(VectorOperators.IS_NAN)).cast(INTS));
        return best.blend(index, a.compare(VectorOperators.EQ, max).or(a.test(VectorOperators.IS_NAN)).cast(INTS));
    }
}
