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

    /** Every operand of one comparison, starting {@link #OFF} floats into its segment. */
    private record Operands(Tensor x, Tensor dy, Tensor plain, Tensor vector, Tensor dxPlain, Tensor dxVector) {
        static Operands of(Arena arena, int count, long seed) {
            int n = count + OFF;
            return new Operands(values(arena, n, seed), values(arena, n, seed + 1), Tensor.zeros(arena, n),
                    Tensor.zeros(arena, n), Tensor.zeros(arena, n), Tensor.zeros(arena, n));
        }
    }

    /** Where every operand starts: off the vector alignment. */
    private static final int OFF = 3;

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4099})
    void reluMatchesThePlainLoopsBitwise(int count) {
        try (Arena arena = Arena.ofConfined()) {
            Operands o = Operands.of(arena, count, 1);
            Activations.reluForwardPlain(o.x().segment(), OFF, o.plain().segment(), OFF, count);
            VectorActivations.reluForward(o.x().segment(), OFF, o.vector().segment(), OFF, count);
            assertArrayEquals(o.plain().toArray(), o.vector().toArray(), "forward");

            Activations.reluBackwardPlain(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxPlain().segment(), OFF, count);
            VectorActivations.reluBackward(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxVector().segment(), OFF, count);
            assertArrayEquals(o.dxPlain().toArray(), o.dxVector().toArray(), "backward");
        }
    }

    /** ReLU6 with values around both kinks (0 and 6) and beyond, besides the special values. */
    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4099})
    void relu6MatchesThePlainLoopsBitwise(int count) {
        try (Arena arena = Arena.ofConfined()) {
            Operands o = Operands.of(arena, count, 2);
            for (int i = OFF; i < count + OFF; i += 3) {
                o.x().setFlat(i, o.x().getFlat(i) * 4 + 6); // around 6: below, at and above
            }
            o.x().setFlat(OFF, 6f);
            Activations.relu6ForwardPlain(o.x().segment(), OFF, o.plain().segment(), OFF, count);
            VectorActivations.relu6Forward(o.x().segment(), OFF, o.vector().segment(), OFF, count);
            assertArrayEquals(o.plain().toArray(), o.vector().toArray(), "forward");

            Activations.relu6BackwardPlain(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxPlain().segment(), OFF, count);
            VectorActivations.relu6Backward(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxVector().segment(), OFF, count);
            assertArrayEquals(o.dxPlain().toArray(), o.dxVector().toArray(), "backward");
        }
    }

    /**
     * Sigmoid and ELU take the Vector API's exp: sigmoid within a few ulps of the plain loops; ELU
     * within a few ulps of double precision, and the plain loops' ELU within what cancellation costs.
     */
    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 17, 4099})
    void sigmoidAndEluMatchThePlainLoops(int count) {
        try (Arena arena = Arena.ofConfined()) {
            Operands o = Operands.of(arena, count, 3);
            Activations.sigmoidForwardPlain(o.x().segment(), OFF, o.plain().segment(), OFF, count);
            VectorActivations.sigmoidForward(o.x().segment(), OFF, o.vector().segment(), OFF, count);
            assertClose(o.plain().toArray(), o.vector().toArray(), 4e-7f, "sigmoid forward");

            Activations.sigmoidBackwardPlain(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxPlain().segment(), OFF, count);
            VectorActivations.sigmoidBackward(o.plain().segment(), OFF, o.dy().segment(), OFF, o.dxVector().segment(), OFF, count);
            assertArrayEquals(o.dxPlain().toArray(), o.dxVector().toArray(), "sigmoid backward, the same operations in order");

            // Against double precision: the plain loops' exp(x) - 1 loses digits to cancellation
            // just below -1e-3, where its series stops (measured: up to 3.0e-5 relative at -0.001),
            // expm1 does not (6e-8 over 1e-6 to 3).
            float[] in = o.x().toArray();
            float[] exact = new float[count + OFF];
            for (int i = OFF; i < count + OFF; i++) {
                exact[i] = in[i] > 0 ? in[i] : (float) (0.7 * Math.expm1(in[i]));
            }
            VectorActivations.eluForward(0.7f, o.x().segment(), OFF, o.vector().segment(), OFF, count);
            assertClose(exact, o.vector().toArray(), 4e-7f, "elu forward, Vector API");
            Activations.eluForwardPlain(0.7f, o.x().segment(), OFF, o.plain().segment(), OFF, count);
            assertClose(exact, o.plain().toArray(), 4e-5f, "elu forward, plain loops");

            Activations.eluBackwardPlain(0.7f, o.x().segment(), OFF, o.vector().segment(), OFF, o.dy().segment(), OFF,
                    o.dxPlain().segment(), OFF, count);
            VectorActivations.eluBackward(0.7f, o.x().segment(), OFF, o.vector().segment(), OFF, o.dy().segment(), OFF,
                    o.dxVector().segment(), OFF, count);
            assertArrayEquals(o.dxPlain().toArray(), o.dxVector().toArray(), "elu backward, the same operations in order");
        }
    }

    /** Equal where the expected value is not finite (NaN with NaN, infinities with themselves), else within {@code relative}. */
    private static void assertClose(float[] expected, float[] actual, float relative, String what) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            boolean ok = Float.isFinite(e) ? Math.abs(a - e) <= relative * Math.abs(e) + 4 * Float.MIN_VALUE
                    : Float.compare(a, e) == 0 || (Float.isNaN(a) && Float.isNaN(e));
            assertTrue(ok, what + " at " + i + ": expected " + e + ", got " + a);
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
