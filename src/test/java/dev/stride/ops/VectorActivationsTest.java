package dev.stride.ops;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API's activations against the plain loops, special values included (NaN, infinities,
 * both zeros), at offsets and lengths that leave a scalar tail: ReLU and the sigmoid and ELU
 * backward passes to the bit, the sigmoid and ELU forward passes (another exp) within a few ulps.
 * The layer tests (ActivationsTest, gradient checks, reference cases) run whichever path the JVM
 * takes, the Vector API's in this build.
 */
class VectorActivationsTest {

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4099})
    void reluMatchesThePlainLoopsBitwise(int count) {
        try (Arena arena = Arena.ofConfined()) {
            int off = 3; // every operand starts off the vector alignment
            Tensor x = values(arena, count + off, 1);
            Tensor dy = values(arena, count + off, 2);
            Tensor plain = Tensor.zeros(arena, count + off);
            Tensor vector = Tensor.zeros(arena, count + off);

            Activations.reluForwardPlain(x.segment(), off, plain.segment(), off, count);
            VectorActivations.reluForward(x.segment(), off, vector.segment(), off, count);
            assertArrayEquals(plain.toArray(), vector.toArray(), "forward");

            Tensor dxPlain = Tensor.zeros(arena, count + off);
            Tensor dxVector = Tensor.zeros(arena, count + off);
            Activations.reluBackwardPlain(plain.segment(), off, dy.segment(), off, dxPlain.segment(), off, count);
            VectorActivations.reluBackward(plain.segment(), off, dy.segment(), off, dxVector.segment(), off, count);
            assertArrayEquals(dxPlain.toArray(), dxVector.toArray(), "backward");
        }
    }

    /** Sigmoid and ELU take the Vector API's exp: sigmoid within a few ulps of the plain loops, ELU of double precision. */
    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 17, 4099})
    void sigmoidAndEluMatchThePlainLoops(int count) {
        try (Arena arena = Arena.ofConfined()) {
            int off = 3;
            Tensor x = values(arena, count + off, 3);
            Tensor dy = values(arena, count + off, 4);
            Tensor plain = Tensor.zeros(arena, count + off);
            Tensor vector = Tensor.zeros(arena, count + off);

            Activations.sigmoidForwardPlain(x.segment(), off, plain.segment(), off, count);
            VectorActivations.sigmoidForward(x.segment(), off, vector.segment(), off, count);
            assertClose(plain.toArray(), vector.toArray(), "sigmoid forward");

            Tensor dxPlain = Tensor.zeros(arena, count + off);
            Tensor dxVector = Tensor.zeros(arena, count + off);
            Activations.sigmoidBackwardPlain(plain.segment(), off, dy.segment(), off, dxPlain.segment(), off, count);
            VectorActivations.sigmoidBackward(plain.segment(), off, dy.segment(), off, dxVector.segment(), off, count);
            assertArrayEquals(dxPlain.toArray(), dxVector.toArray(), "sigmoid backward, the same operations in order");

            // Against double precision: the plain loops' exp(x) - 1 loses digits to cancellation
            // for x between -1e-3 and about -0.1 (up to 2e-6 relative), expm1 does not.
            VectorActivations.eluForward(0.7f, x.segment(), off, vector.segment(), off, count);
            float[] in = x.toArray();
            float[] exact = new float[count + off];
            for (int i = off; i < count + off; i++) {
                exact[i] = in[i] > 0 ? in[i] : (float) (0.7 * Math.expm1(in[i]));
            }
            assertClose(exact, vector.toArray(), "elu forward");

            Activations.eluBackwardPlain(0.7f, x.segment(), off, vector.segment(), off, dy.segment(), off,
                    dxPlain.segment(), off, count);
            VectorActivations.eluBackward(0.7f, x.segment(), off, vector.segment(), off, dy.segment(), off,
                    dxVector.segment(), off, count);
            assertArrayEquals(dxPlain.toArray(), dxVector.toArray(), "elu backward, the same operations in order");
        }
    }

    /** Equal where the expected value is not finite (NaN with NaN, infinities with themselves), else within 4e-7 relative. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            boolean ok = Float.isFinite(e) ? Math.abs(a - e) <= 4e-7f * Math.abs(e) + 4 * Float.MIN_VALUE
                    : Float.compare(a, e) == 0 || (Float.isNaN(a) && Float.isNaN(e));
            assertTrue(ok, what + " at " + i + ": plain " + e + ", vector " + a);
        }
    }

    /** Random values with every special value among them. */
    private static Tensor values(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE};
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(arena, count);
        for (int i = 0; i < count; i++) {
            float v = random.nextInt(4) == 0 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-2, 2);
            t.setFlat(i, v);
        }
        return t;
    }
}
