package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** Pooling behaviour the oracle comparison does not pin down: ties, padding, errors, explain. */
class PoolLayersTest {

    @Test
    void aWindowOfEqualValuesSendsTheGradientToTheFirstOnly() {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = built(new MaxPool2d(PoolSpec.of(2, 2)), arena, 1, 1, 2, 2);
            Tensor x = Tensor.of(arena, new float[]{3, 3, 3, 3}, 1, 1, 2, 2);
            assertClose(new float[]{3}, pool.forward(x), 0, 0);
            Tensor dx = pool.backward(Tensor.of(arena, new float[]{5}, 1, 1, 1, 1), true);
            assertClose(new float[]{5, 0, 0, 0}, dx, 0, 0);
        }
    }

    @Test
    void overlappingWindowsOfEqualValuesEachPickTheirTopLeft() {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = built(new MaxPool2d(PoolSpec.of(3, 2)), arena, 1, 1, 5, 5);
            Tensor x = Tensor.zeros(arena, 1, 1, 5, 5);
            x.fill(1f);
            pool.forward(x);
            Tensor dx = pool.backward(Tensor.of(arena, new float[]{1, 2, 3, 4}, 1, 1, 2, 2), true);
            float[] expected = new float[25];
            expected[0] = 1;   // window (0, 0) starts at (0, 0)
            expected[2] = 2;   // window (0, 1) starts at (0, 2), shared with window (0, 0) but not its first
            expected[10] = 3;  // window (1, 0) starts at (2, 0)
            expected[12] = 4;  // window (1, 1) starts at (2, 2)
            assertClose(expected, dx, 0, 0);
        }
    }

    @Test
    void aMaximumSharedByOverlappingWindowsCollectsAllTheirGradients() {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = built(new MaxPool2d(PoolSpec.of(3, 2)), arena, 1, 1, 5, 5);
            Tensor x = GradientCheck.random(arena, 1, 1, 1, 5, 5);
            x.set(9f, 0, 0, 2, 2); // the centre lies in all four windows
            pool.forward(x);
            Tensor dx = pool.backward(Tensor.of(arena, new float[]{1, 2, 3, 4}, 1, 1, 2, 2), true);
            assertEquals(10f, dx.get(0, 0, 2, 2));
            assertEquals(10f, sum(dx));
        }
    }

    @Test
    void paddingNeverWinsAMaxAndCountsAsZeroInAnAverage() {
        try (Arena arena = Arena.ofConfined()) {
            PoolSpec spec = PoolSpec.of(3, 1).withPadding(1);
            Tensor x = Tensor.zeros(arena, 1, 1, 3, 3);
            x.fill(-2f);
            MaxPool2d max = built(new MaxPool2d(spec), arena, 1, 1, 3, 3);
            assertClose(new float[]{-2, -2, -2, -2, -2, -2, -2, -2, -2}, max.forward(x), 0, 0);

            x.fill(1f);
            AvgPool2d avg = built(new AvgPool2d(spec), arena, 1, 1, 3, 3);
            float c = 4f / 9, e = 6f / 9;
            assertClose(new float[]{c, e, c, e, 1, e, c, e, c}, avg.forward(x), 1e-6, 0);
        }
    }

    @Test
    void aPoolThatDoesNotFitShowsTheArithmetic() {
        MaxPool2d pool = new MaxPool2d(PoolSpec.of(2, 2));
        ShapeException e = assertThrows(ShapeException.class, () -> pool.outputShape(Shape.of(1, 3, 7, 7)));
        assertTrue(e.getMessage().contains("MaxPool2d:"), e.getMessage());
        assertTrue(e.getMessage().contains("(7 - 2 + 2*0)/2 + 1"), e.getMessage());

        MaxPool2d floored = new MaxPool2d(PoolSpec.of(2, 2).withFloor(true));
        assertEquals(Shape.of(1, 3, 3, 3), floored.outputShape(Shape.of(1, 3, 7, 7)));
        assertTrue(floored.explain(Shape.of(1, 3, 7, 7)).contains("(7 - 2 + 2*0)/2 + 1 = 3 (floored)"));
    }

    @Test
    void wrongInputShapesNameTheLayer() {
        try (Arena arena = Arena.ofConfined()) {
            AvgPool2d pool = built(new AvgPool2d(PoolSpec.of(2, 2)), arena, 2, 3, 8, 8);
            ShapeException e = assertThrows(ShapeException.class, () -> pool.forward(Tensor.zeros(arena, 2, 4, 8, 8)));
            assertTrue(e.getMessage().contains("AvgPool2d:") && e.getMessage().contains("[2, 4, 8, 8]"), e.getMessage());
            ShapeException rank = assertThrows(ShapeException.class, () -> pool.outputShape(Shape.of(2, 64)));
            assertTrue(rank.getMessage().contains("AvgPool2d:"), rank.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PoolSpec.of(2, 2).withPadding(2));
    }

    @Test
    void explainAndDescribe() {
        MaxPool2d pool = new MaxPool2d(PoolSpec.of(2, 2));
        assertEquals("MaxPool2d(2x2, stride 2)", pool.describe());
        assertEquals("MaxPool2d(2x2, stride 2): [4, 6, 28, 28] -> [4, 6, 14, 14]; height (28 - 2 + 2*0)/2 + 1 = 14, "
                + "width (28 - 2 + 2*0)/2 + 1 = 14; 0 parameters", pool.explain(Shape.of(4, 6, 28, 28)));
        assertEquals("AvgPool2d(3x3, stride 2, pad 1, floor)", new AvgPool2d(PoolSpec.of(3, 2).withPadding(1).withFloor(true)).describe());
    }

    @Test
    void globalAveragePoolingMeansEachChannel() {
        try (Arena arena = Arena.ofConfined()) {
            GlobalAvgPool pool = built(new GlobalAvgPool(), arena, 2, 2, 2, 3);
            Tensor x = Tensor.of(arena, new float[]{1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 6, -1, -1, -1, -1, -1, -1, 2, 2, 2, 2, 2, 2},
                    2, 2, 2, 3);
            Tensor y = pool.forward(x);
            assertEquals(Shape.of(2, 2, 1, 1), y.shape());
            assertClose(new float[]{3.5f, 1, -1, 2}, y, 1e-6, 0);
            Tensor dx = pool.backward(Tensor.of(arena, new float[]{6, 12, 0, -6}, 2, 2, 1, 1), true);
            assertClose(new float[]{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1}, dx, 1e-6, 0);

            GlobalAvgPool odd = built(new GlobalAvgPool(), arena, 1, 3, 5, 3);
            GradientCheck.checkLayer(odd, GradientCheck.random(arena, 5, 1, 3, 5, 3), 6);
        }
    }

    static <L extends Layer> L built(L layer, Arena arena, int... dims) {
        layer.build(Shape.of(dims), arena, new Workspace(arena));
        return layer;
    }

    private static float sum(Tensor t) {
        float s = 0;
        for (float v : t.toArray()) {
            s += v;
        }
        return s;
    }
}
