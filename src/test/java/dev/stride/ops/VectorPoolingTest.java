package dev.stride.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Max pooling's 2x2, stride-2 forward kernel on the Vector API against the plain loops, to the bit: ties,
 * NaN, infinities and both zeros among the inputs, rows with a partial last vector of windows, odd
 * sizes whose last row and column no window reads, and operands off the vector alignment. The layer
 * tests (PoolingTest, gradient checks, reference cases) run whichever path the JVM takes, the Vector
 * API's in this build.
 */
class VectorPoolingTest {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    /** Where every operand starts: off the vector alignment. */
    private static final int OFF = 3;

    @ParameterizedTest(name = "{0} planes of {1}x{2}")
    @CsvSource({
            "3, 2, 2",     // one window
            "2, 28, 28",   // LeNet's conv1: 14 windows a row, a full vector and a partial one
            "2, 10, 10",   // LeNet's conv2: 5 windows, one partial vector
            "2, 32, 32",   // VGG's: 16 windows, whole vectors
            "2, 6, 34",    // 17 windows: whole vectors and one window over
            "3, 7, 9",     // odd: the last row and column belong to no window
            "1, 5, 4",     // odd height only
    })
    void matchesThePlainLoopsBitwise(int planes, int height, int width) {
        PoolGeometry g = new PoolGeometry(height, width, 2, 2, 2, 0, height / 2, width / 2);
        int in = planes * g.inPlane();
        try (Arena arena = Arena.ofConfined()) {
            assertVectorMatchesPlain(arena, g, planes, values(arena, in, 7));
        }
    }

    /**
     * Whole vectors of windows read one float past their windows without a mask; where the input
     * ends with its segment, the last row's must take the masked loads instead (an unmasked one
     * would throw), and the results stay the plain loops'.
     */
    @ParameterizedTest(name = "{0} planes of {1}x{1}, the segment ending with the input")
    @CsvSource({"2, 32", "2, 28", "1, 34"})
    void aSegmentThatEndsWithTheInputIsNeverReadPast(int planes, int side) {
        PoolGeometry g = new PoolGeometry(side, side, 2, 2, 2, 0, side / 2, side / 2);
        int in = planes * g.inPlane();
        try (Arena arena = Arena.ofConfined()) {
            assertVectorMatchesPlain(arena, g, planes, values(arena, in, 9).asSlice(0, (long) (OFF + in) * Float.BYTES));
        }
    }

    /** Both kernels over {@code x} (its planes from {@link #OFF} on), outputs compared byte for byte. */
    private static void assertVectorMatchesPlain(Arena arena, PoolGeometry g, int planes, MemorySegment x) {
        int out = planes * g.outPlane();
        MemorySegment yPlain = garbage(arena, out);
        MemorySegment yVector = garbage(arena, out);
        MemorySegment argPlain = garbage(arena, out);
        MemorySegment argVector = garbage(arena, out);
        MaxPooling.forward2x2Plain(g, planes, x, OFF, yPlain, OFF, argPlain, OFF);
        VectorPooling.maxForward2x2(g, planes, x, OFF, yVector, OFF, argVector, OFF);
        assertSame(yPlain, yVector, "maxima");
        assertSame(argPlain, argVector, "argmax");
    }

    /** Byte for byte, with the first differing float named; the guard floats past either end included. */
    private static void assertSame(MemorySegment expected, MemorySegment actual, String what) {
        long at = expected.mismatch(actual);
        assertEquals(-1, at, () -> what + " differ at float " + (at / Float.BYTES - OFF) + ": expected "
                + expected.get(FLOAT, at & ~3) + " (bits " + expected.get(INT, at & ~3) + "), got "
                + actual.get(FLOAT, at & ~3) + " (bits " + actual.get(INT, at & ~3) + ")");
    }

    /**
     * {@code count} floats after {@link #OFF} others, and a vector's worth past the end: few distinct
     * values so that windows tie, and every special value among them.
     */
    private static MemorySegment values(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment s = arena.allocate((long) (OFF + count + 16) * Float.BYTES);
        for (int i = 0; i < OFF + count + 16; i++) {
            float v = random.nextInt(6) == 0 ? special[random.nextInt(special.length)] : random.nextInt(-3, 4) * 0.5f;
            s.setAtIndex(FLOAT, i, v);
        }
        return s;
    }

    /** Room for {@code count} floats or ints after {@link #OFF}, and past the end, filled with a value no kernel writes. */
    private static MemorySegment garbage(Arena arena, int count) {
        MemorySegment s = arena.allocate((long) (OFF + count + 16) * Float.BYTES);
        for (int i = 0; i < OFF + count + 16; i++) {
            s.setAtIndex(INT, i, 0x7f_c0_12_34);
        }
        return s;
    }
}
