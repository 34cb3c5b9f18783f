package dev.stride.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bias gradients' sums: the Vector API's (its 16-lane form and its 8-lane one, both of which
 * this machine runs) give the plain loop's bits (every NaN counting as one: which NaN an add passes on is the
 * hardware's business), special values included, at lengths around the 32-float blocks; and the
 * fixed order is a sum, within float rounding of the exact one.
 */
class FloatSumsTest {

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {0, 1, 15, 16, 17, 31, 32, 33, 100, 784, 1000, 4099})
    void theVectorApiGivesThePlainLoopsBits(int n) {
        for (long seed = 0; seed < 4; seed++) {
            float[] a = values(n, seed, seed == 3);
            int bits = Float.floatToIntBits(FloatSums.sumPlain(a, n));
            assertEquals(bits, Float.floatToIntBits(VectorSums.sum16(a, n)), "seed " + seed + ", 16 lanes");
            assertEquals(bits, Float.floatToIntBits(VectorSums.sum8(a, n)), "seed " + seed + ", 8 lanes");
            assertEquals(bits, Float.floatToIntBits(FloatSums.sum(a, n)), "seed " + seed + ", dispatch");
        }
    }

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 33, 784, 4099})
    void isTheSumWithinRounding(int n) {
        float[] a = values(n, 9, false);
        double exact = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            exact += a[i];
            magnitude += Math.abs(a[i]);
        }
        assertEquals(exact, FloatSums.sum(a, n), 1e-6 * magnitude);
    }

    /** n floats (and some past n, which must not count): values in [-2, 2), with special ones where asked. */
    private static float[] values(int n, long seed, boolean special) {
        float[] pick = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = new float[n + 40];
        for (int i = 0; i < a.length; i++) {
            a[i] = special && random.nextInt(8) == 0 ? pick[random.nextInt(pick.length)] : (float) random.nextDouble(-2, 2);
        }
        return a;
    }
}
