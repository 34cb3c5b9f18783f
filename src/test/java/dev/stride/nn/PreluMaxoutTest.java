package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.nn.PoolLayersTest.built;
import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** The two activations with per-channel structure: PReLU's learned slope and maxout's groups. */
class PreluMaxoutTest {

    @Test
    void preluSlopeStartsAtAQuarterAndItsGradientSumsDyTimesNegativeX() {
        try (Arena arena = Arena.ofConfined()) {
            Prelu prelu = built(new Prelu(2), arena, 2, 2);
            Parameter slope = prelu.parameters().getFirst();
            assertEquals("slope", slope.name());
            assertEquals(InitRule.constant(0.25f), slope.init());
            assertFalse(slope.decays());
            assertClose(new float[]{0.25f, 0.25f}, slope.value(), 0, 0);

            Tensor x = Tensor.of(arena, new float[]{-1, 2, -3, -0.5f}, 2, 2);
            assertClose(new float[]{-0.25f, 2, -0.75f, -0.125f}, prelu.forward(x), 0, 0);
            Tensor dy = Tensor.of(arena, new float[]{1, 1, 2, 4}, 2, 2);
            assertClose(new float[]{0.25f, 1, 0.5f, 1}, prelu.backward(dy, true), 0, 0);
            assertClose(new float[]{-1 - 6, -2}, slope.grad(), 0, 0);
            assertNull(prelu.backward(dy, false)); // still accumulates the slope gradient
            assertClose(new float[]{-14, -4}, slope.grad(), 0, 0);
        }
    }

    @Test
    void preluGradientsOn2dAnd4dInputs() {
        try (Arena arena = Arena.ofConfined()) {
            Prelu dense = built(new Prelu(5), arena, 3, 5);
            GradientCheck.checkLayer(dense, GradientCheck.random(arena, 1, 3, 5), 2);
            Prelu conv = built(new Prelu(3), arena, 2, 3, 3, 5);
            conv.parameters().getFirst().value().copyFrom(new float[]{0.25f, -0.5f, 1.5f});
            GradientCheck.checkLayer(conv, GradientCheck.random(arena, 3, 2, 3, 3, 5), 4);
        }
    }

    @Test
    void preluRejectsTheWrongChannelCount() {
        Prelu prelu = new Prelu(6);
        ShapeException e = assertThrows(ShapeException.class, () -> prelu.outputShape(Shape.of(2, 16, 5, 5)));
        assertTrue(e.getMessage().contains("Prelu") && e.getMessage().contains("[2, 16, 5, 5]"), e.getMessage());
        assertTrue(prelu.parameters().isEmpty());
    }

    @Test
    void maxoutRoutesTheGradientToTheFirstMaximumOfEachGroup() {
        try (Arena arena = Arena.ofConfined()) {
            Maxout maxout = built(new Maxout(2), arena, 1, 4, 1, 2);
            Tensor x = Tensor.of(arena, new float[]{
                    1, 5,     // channel 0
                    3, 5,     // channel 1: wins position 0; ties position 1, which channel 0 keeps
                    -1, 7,    // channel 2
                    -2, 8},   // channel 3
                    1, 4, 1, 2);
            Tensor y = maxout.forward(x);
            assertEquals(Shape.of(1, 2, 1, 2), y.shape());
            assertClose(new float[]{3, 5, -1, 8}, y, 0, 0);
            Tensor dx = maxout.backward(Tensor.of(arena, new float[]{10, 20, 30, 40}, 1, 2, 1, 2), true);
            assertClose(new float[]{0, 20, 10, 0, 30, 0, 0, 40}, dx, 0, 0);
        }
    }

    @Test
    void maxoutGradientsAndShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Maxout conv = built(new Maxout(3), arena, 2, 6, 3, 3);
            GradientCheck.checkLayer(conv, GradientCheck.random(arena, 1, 2, 6, 3, 3), 2);
            Maxout dense = built(new Maxout(2), arena, 1, 6);
            assertEquals(Shape.of(1, 3), dense.outputShape(Shape.of(1, 6)));
            GradientCheck.checkLayer(dense, GradientCheck.random(arena, 3, 1, 6), 4);
        }
        Maxout maxout = new Maxout(2);
        ShapeException e = assertThrows(ShapeException.class, () -> maxout.outputShape(Shape.of(4, 5, 8, 8)));
        assertTrue(e.getMessage().contains("Maxout:") && e.getMessage().contains("multiple of k=2"), e.getMessage());
    }
}
