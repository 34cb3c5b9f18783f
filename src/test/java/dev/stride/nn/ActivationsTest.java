package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.stride.nn.PoolLayersTest.built;
import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** Element-wise activations: values against the formulas in double, gradients by finite differences. */
class ActivationsTest {

    static Stream<Arguments> activations() {
        return Stream.of(
                Arguments.of("Relu", (Supplier<Layer>) Relu::new, (DoubleUnaryOperator) v -> Math.max(v, 0)),
                Arguments.of("Relu6", (Supplier<Layer>) Relu6::new, (DoubleUnaryOperator) v -> Math.min(Math.max(v, 0), 6)),
                Arguments.of("LeakyRelu", (Supplier<Layer>) LeakyRelu::new, (DoubleUnaryOperator) v -> v > 0 ? v : 0.01 * v),
                Arguments.of("LeakyRelu(0.1)", (Supplier<Layer>) () -> new LeakyRelu(0.1f), (DoubleUnaryOperator) v -> v > 0 ? v : 0.1 * v),
                Arguments.of("Elu", (Supplier<Layer>) Elu::new, (DoubleUnaryOperator) v -> v > 0 ? v : Math.expm1(v)),
                Arguments.of("Elu(0.5)", (Supplier<Layer>) () -> new Elu(0.5f), (DoubleUnaryOperator) v -> v > 0 ? v : 0.5 * Math.expm1(v)),
                Arguments.of("Sigmoid", (Supplier<Layer>) Sigmoid::new, (DoubleUnaryOperator) v -> 1 / (1 + Math.exp(-v))),
                Arguments.of("Tanh", (Supplier<Layer>) Tanh::new, (DoubleUnaryOperator) Math::tanh),
                Arguments.of("Silu", (Supplier<Layer>) Silu::new, (DoubleUnaryOperator) v -> v / (1 + Math.exp(-v))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void valuesFollowTheFormula(String name, Supplier<Layer> make, DoubleUnaryOperator f) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, new float[]{-30, -2.5f, -0.5f, 0, 0.25f, 1, 3, 30}, 2, 4);
            float[] expected = new float[8];
            for (int i = 0; i < 8; i++) {
                expected[i] = (float) f.applyAsDouble(x.getFlat(i));
            }
            assertClose(expected, built(make.get(), arena, 2, 4).forward(x), 1e-6, 1e-7);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void gradientsMatchFiniteDifferencesOn2dAnd4dInputs(String name, Supplier<Layer> make, DoubleUnaryOperator f) {
        int[][] shapes = {{3, 5}, {1, 7}, {1, 3, 5, 7}, {2, 3, 3, 3}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] dims : shapes) {
                Tensor x = GradientCheck.random(arena, 7, dims);
                for (long i = 0; i < x.size(); i++) {
                    x.setFlat(i, 3 * x.getFlat(i)); // [-3, 3): reaches the saturating parts
                }
                GradientCheck.checkLayer(built(make.get(), arena, dims), x, 8);
            }
        }
    }

    @Test
    void backwardOverwritesAndCanBeSkipped() {
        try (Arena arena = Arena.ofConfined()) {
            Relu relu = built(new Relu(), arena, 1, 4);
            Tensor x = Tensor.of(arena, new float[]{-1, 2, 0, 3}, 1, 4);
            relu.forward(x);
            Tensor dy = Tensor.of(arena, new float[]{1, 1, 1, 1}, 1, 4);
            relu.backward(dy, true);
            assertClose(new float[]{0, 1, 0, 1}, relu.backward(dy, true), 0, 0); // the subgradient at 0 is 0
            assertNull(relu.backward(dy, false));
        }
    }

    /** As PyTorch's hardtanh backward: the gradient is 0 at exactly 0 and 6 and beyond them, dy strictly between. */
    @Test
    void relu6GradientIsZeroAtAndBeyondBothKinks() {
        try (Arena arena = Arena.ofConfined()) {
            Relu6 relu6 = built(new Relu6(), arena, 1, 8);
            Tensor x = Tensor.of(arena, new float[]{-1, 0, Float.MIN_VALUE, 3, Math.nextDown(6f), 6, 7, -0f}, 1, 8);
            assertClose(new float[]{0, 0, Float.MIN_VALUE, 3, Math.nextDown(6f), 6, 6, 0}, relu6.forward(x), 0, 0);
            float[] dx = relu6.backward(Tensor.of(arena, new float[]{2, 2, 2, 2, 2, 2, 2, 2}, 1, 8), true).toArray();
            assertArrayEquals(new float[]{0, 0, 2, 2, 2, 0, 0, 0}, dx);
        }
    }

    /** Relu6 against finite differences where it saturates at 6 too (the shared check stays below 3). */
    @Test
    void relu6GradientsMatchFiniteDifferencesAcrossBothKinks() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 17, 2, 3, 4, 5);
            for (long i = 0; i < x.size(); i++) {
                x.setFlat(i, 3 + 5 * x.getFlat(i)); // [-2, 8)
            }
            GradientCheck.checkLayer(built(new Relu6(), arena, 2, 3, 4, 5), x, 18);
        }
    }

    /** ELU's slope is chosen arithmetically: exact at the edges (0, -0, the smallest positive float), and NaN stays NaN. */
    @Test
    void eluSlopeAtTheEdges() {
        try (Arena arena = Arena.ofConfined()) {
            Elu elu = built(new Elu(0.5f), arena, 1, 6);
            Tensor x = Tensor.of(arena, new float[]{0f, -0f, Float.MIN_VALUE, 2f, -1f, Float.NaN}, 1, 6);
            elu.forward(x);
            float[] dx = elu.backward(Tensor.of(arena, new float[]{1, 1, 1, 1, 1, 1}, 1, 6), true).toArray();
            assertEquals(0.5f, dx[0]);
            assertEquals(0.5f, dx[1]);
            assertEquals(1f, dx[2]);
            assertEquals(1f, dx[3]);
            assertEquals(0.5 * Math.exp(-1), dx[4], 1e-6);
            assertTrue(Float.isNaN(dx[5]));
        }
    }

    @Test
    void smallerBatchAndWrongShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Tanh tanh = built(new Tanh(), arena, 4, 3);
            Tensor y = tanh.forward(Tensor.of(arena, new float[]{0, 1, -1}, 1, 3));
            assertEquals(Shape.of(1, 3), y.shape());
            assertClose(new float[]{0, (float) Math.tanh(1), (float) Math.tanh(-1)}, y, 1e-6, 0);
            ShapeException e = assertThrows(ShapeException.class, () -> tanh.forward(Tensor.zeros(arena, 2, 4)));
            assertTrue(e.getMessage().contains("Tanh:"), e.getMessage());
            ShapeException g = assertThrows(ShapeException.class, () -> tanh.backward(Tensor.zeros(arena, 2, 3), true));
            assertTrue(g.getMessage().contains("Tanh:"), g.getMessage());
            assertThrows(IllegalStateException.class, () -> new Relu().forward(Tensor.zeros(arena, 1, 3)));
        }
    }

    @Test
    void sigmoidSaturatesWithoutNaN() {
        try (Arena arena = Arena.ofConfined()) {
            Sigmoid s = built(new Sigmoid(), arena, 1, 2);
            assertClose(new float[]{0, 1}, s.forward(Tensor.of(arena, new float[]{-200, 200}, 1, 2)), 0, 0);
            Silu silu = built(new Silu(), arena, 1, 2);
            assertClose(new float[]{0, 200}, silu.forward(Tensor.of(arena, new float[]{-200, 200}, 1, 2)), 0, 0);
        }
    }

    @Test
    void describeNamesTheHyperparameters() {
        assertEquals("LeakyRelu(0.1)", new LeakyRelu(0.1f).describe());
        assertEquals("LeakyRelu(0.01)", new LeakyRelu().describe());
        assertEquals("Elu(1.0)", new Elu().describe());
        assertEquals("Silu", new Silu().describe());
        assertEquals("Relu6", new Relu6().describe());
    }
}
