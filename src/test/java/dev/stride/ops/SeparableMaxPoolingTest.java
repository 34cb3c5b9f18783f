package dev.stride.ops;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Max pooling's separable forward on the Vector API (every geometry but 2x2 at stride 2) against
 * the single loop over each clipped window ({@link MaxPooling#forwardWindows}, the path without
 * the Vector API), byte for byte: maxima and argmax, over random windows, strides, paddings,
 * floored and rounded-up sizes, short rows (scalar folds only) and long ones (whole vectors of
 * starts), with ties, both zeros, infinities and NaNs of different payloads among the inputs, and
 * operands off the vector alignment. Without the argmax the maxima are the same bytes and the
 * argmax buffer is left alone.
 */
class SeparableMaxPoolingTest {
    @BeforeAll
    static void theVectorApiIsThere() {
        assertTrue(VectorSupport.enabled(), "the tests run with --add-modules " + VectorSupport.MODULE);
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Where every operand starts: off the vector alignment. */
    private static final int OFF = 3;
    /** What no kernel writes: an odd NaN. */
    private static final int UNWRITTEN = 0x7f_c0_12_34;

    @Test
    void randomGeometriesMatchTheReferenceBitwise() {
        SplittableRandom random = new SplittableRandom(17);
        int checked = 0;
        for (int t = 0; t < 600; t++) {
            int kH = random.nextInt(1, 6);
            int kW = random.nextInt(1, 6);
            int stride = random.nextInt(1, 4);
            int pad = random.nextInt(0, Math.min(kH, kW) / 2 + 1);
            // Mostly small planes (every edge case), some wide enough for whole vectors of starts.
            int height = random.nextInt(Math.max(1, kH - 2 * pad), kH + 12);
            int width = random.nextInt(Math.max(1, kW - 2 * pad), t % 3 == 0 ? kW + 70 : kW + 12);
            boolean ceil = random.nextBoolean();
            PoolGeometry g = geometry(height, width, kH, kW, stride, pad, ceil);
            int planes = random.nextInt(1, 4);
            try (Arena arena = Arena.ofConfined()) {
                assertMatchesReference(arena, g, planes, values(arena, planes * g.inPlane(), t), "case " + t + ": " + g);
            }
            checked++;
        }
        assertEquals(600, checked);
    }

    @ParameterizedTest(name = "{0} planes of {1}x{2}, {3}x{3} window, stride {4}, pad {5}, ceil {6}")
    @CsvSource({
            "2, 112, 112, 3, 2, 1, false", // ResNet's stem
            "1, 56, 56, 3, 2, 0, true",    // GoogLeNet's pools, rounded up
            "1, 28, 28, 3, 1, 1, true",    // GoogLeNet's pool branch
            "2, 13, 13, 3, 2, 0, false",   // AlexNet's overlapping pools
            "2, 17, 40, 2, 3, 0, false",   // stride past the window: columns no window reads
            "1, 9, 33, 1, 2, 0, false",    // a 1x1 window: the passes only pick
            "2, 1, 19, 3, 1, 1, false",    // one row, all clipped vertically
            "1, 20, 1, 3, 1, 1, true",     // one column
    })
    void namedGeometriesMatchTheReferenceBitwise(int planes, int height, int width, int k, int stride, int pad, boolean ceil) {
        PoolGeometry g = geometry(height, width, k, k, stride, pad, ceil);
        try (Arena arena = Arena.ofConfined()) {
            assertMatchesReference(arena, g, planes, values(arena, planes * g.inPlane(), 5), g.toString());
        }
    }

    @Test
    void theFirstOfEqualZerosAndTheFirstOfSeveralNaNsWin() {
        // One 3x3 window: -0 before +0 in row-major order, +0 first in column-major order.
        PoolGeometry g = geometry(3, 3, 3, 3, 1, 0, false);
        float[] x = {-1, -0f, -1, +0f, -1, -1, -1, -1, -1};
        float[] nans = {-1, Float.intBitsToFloat(0x7fc0_0002), -1, Float.intBitsToFloat(0x7fc0_0001), 5, 7, 1, 2, 3};
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(separable(arena, g, x)[0]));
            assertEquals(0x7fc0_0002, Float.floatToRawIntBits(separable(arena, g, nans)[0]));
        }
    }

    @Test
    void thePublicForwardWithoutArgmaxGivesTheSameMaxima() {
        // 2x2 with whole and partial vectors of windows, and the separable path.
        PoolGeometry[] geometries = {geometry(12, 12, 2, 2, 2, 0, false), geometry(9, 41, 2, 2, 2, 0, false),
                geometry(12, 12, 3, 2, 1, false), geometry(11, 41, 3, 3, 2, 0, true)};
        for (PoolGeometry g : geometries) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = values(arena, 3 * g.inPlane(), 11);
                int out = 3 * g.outPlane();
                MemorySegment withArgmax = garbage(arena, out);
                MemorySegment without = garbage(arena, out);
                MaxPooling.forward(g, 3, x, OFF, withArgmax, OFF, garbage(arena, out), OFF);
                MaxPooling.forward(g, 3, x, OFF, without, OFF);
                assertSame(withArgmax, without, g + " maxima");
            }
        }
    }

    private static PoolGeometry geometry(int height, int width, int kH, int kW, int stride, int pad, boolean ceil) {
        int outH = ceil ? OutputSize.ceil("pool", "height", height, kH, stride, pad)
                : OutputSize.of("pool", "height", height, kH, stride, pad, true);
        int outW = ceil ? OutputSize.ceil("pool", "width", width, kW, stride, pad)
                : OutputSize.of("pool", "width", width, kW, stride, pad, true);
        return new PoolGeometry(height, width, kH, kW, stride, pad, outH, outW);
    }

    private static PoolGeometry geometry(int height, int width, int k, int stride, int pad, boolean ceil) {
        return geometry(height, width, k, k, stride, pad, ceil);
    }

    /** The separable forward of one plane x (its geometry g), maxima only. */
    private static float[] separable(Arena arena, PoolGeometry g, float[] x) {
        MemorySegment in = arena.allocate((long) x.length * Float.BYTES);
        MemorySegment.copy(x, 0, in, FLOAT, 0, x.length);
        MemorySegment y = arena.allocate((long) g.outPlane() * Float.BYTES);
        MaxPooling.forwardSeparable(g, 1, in, 0, y, 0, null, 0);
        return y.toArray(FLOAT);
    }

    /** The passes, with and without the argmax, against the reference over x (its planes from {@link #OFF} on). */
    private static void assertMatchesReference(Arena arena, PoolGeometry g, int planes, MemorySegment x, String what) {
        int out = planes * g.outPlane();
        MemorySegment yReference = garbage(arena, out);
        MemorySegment argReference = garbage(arena, out);
        MaxPooling.forwardWindows(g, planes, x, OFF, yReference, OFF, argReference, OFF);
        MemorySegment y = garbage(arena, out);
        MemorySegment arg = garbage(arena, out);
        MaxPooling.forwardSeparable(g, planes, x, OFF, y, OFF, arg, OFF);
        assertSame(yReference, y, what + ": maxima");
        assertSame(argReference, arg, what + ": argmax");
        MemorySegment yAlone = garbage(arena, out);
        MemorySegment untouched = garbage(arena, out);
        MaxPooling.forwardSeparable(g, planes, x, OFF, yAlone, OFF, null, OFF);
        assertSame(yReference, yAlone, what + ": maxima without the argmax");
        assertSame(garbage(arena, out), untouched, what + ": the unused argmax");
    }

    /** Byte for byte, with the first differing float named; the guard floats past either end included. */
    private static void assertSame(MemorySegment expected, MemorySegment actual, String what) {
        assertEquals(expected.byteSize(), actual.byteSize());
        long at = expected.mismatch(actual);
        assertTrue(at < 0, () -> what + " differ at float " + (at / Float.BYTES - OFF) + ": expected bits "
                + Integer.toHexString(expected.get(INT, at & ~3)) + ", got " + Integer.toHexString(actual.get(INT, at & ~3)));
    }

    /**
     * {@code count} floats after {@link #OFF} others, and a vector's worth past the end: few distinct
     * values so that windows tie, and among them both zeros, infinities and NaNs of three payloads.
     */
    private static MemorySegment values(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc0_0001), Float.intBitsToFloat(0xffc0_0002),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 0f, -0f};
        SplittableRandom random = new SplittableRandom(seed);
        // Some inputs almost without NaNs, so that most windows' maxima are numbers; some mostly
        // -infinity, so that whole windows are, and padding taken for -infinity would show.
        int nanOdds = random.nextInt(3) == 0 ? 0 : 8;
        boolean dark = random.nextInt(6) == 0;
        MemorySegment s = arena.allocate((long) (OFF + count + 16) * Float.BYTES);
        for (int i = 0; i < OFF + count + 16; i++) {
            float v;
            if (dark && random.nextInt(6) != 0) {
                v = Float.NEGATIVE_INFINITY;
            } else if (random.nextInt(5) == 0) {
                int pick = random.nextInt(special.length);
                v = pick < 3 && (nanOdds == 0 || random.nextInt(nanOdds) != 0) ? -0f : special[pick];
            } else {
                v = random.nextInt(-3, 4) * 0.5f;
            }
            s.setAtIndex(FLOAT, i, v);
        }
        return s;
    }

    /** Room for {@code count} floats or ints after {@link #OFF}, and past the end, filled with a value no kernel writes. */
    private static MemorySegment garbage(Arena arena, int count) {
        MemorySegment s = arena.allocate((long) (OFF + count + 16) * Float.BYTES);
        for (int i = 0; i < OFF + count + 16; i++) {
            s.setAtIndex(INT, i, UNWRITTEN);
        }
        return s;
    }
}
