package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

class FlattenTest {

    @Test
    void viewsInChannelRowColumnOrderWithoutCopying() {
        try (Arena arena = Arena.ofConfined()) {
            Flatten f = new Flatten();
            f.build(Shape.of(3, 2, 3, 4), arena, new Workspace(arena));
            Tensor x = GradientCheck.random(arena, 1, 2, 2, 3, 4);
            Tensor y = f.forward(x);
            assertEquals(Shape.of(2, 24), y.shape());
            assertEquals(x.get(1, 1, 2, 3), y.get(1, 23));
            assertEquals(x.get(1, 1, 0, 2), y.get(1, 12 + 2));
            assertSame(x.segment(), y.segment());
            assertSame(y, f.forward(x), "the view is kept while the input stays the same");

            Tensor dy = GradientCheck.random(arena, 2, 2, 24);
            Tensor dx = f.backward(dy, true);
            assertEquals(Shape.of(2, 2, 3, 4), dx.shape());
            assertSame(dy.segment(), dx.segment());
            assertEquals(dy.get(1, 23), dx.get(1, 1, 2, 3));
            assertNull(f.backward(dy, false));
            assertEquals("[1, 16, 5, 5] -> [1, 400] (16*5*5 = 400)", f.explain(Shape.of(1, 16, 5, 5)));
        }
    }

    @Test
    void wrongShapesAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            Flatten f = new Flatten();
            f.build(Shape.of(2, 16, 5, 5), arena, new Workspace(arena));
            ShapeException e = assertThrows(ShapeException.class, () -> f.forward(Tensor.zeros(arena, 2, 16, 4, 4)));
            assertTrue(e.getMessage().contains("Flatten:") && e.getMessage().contains("[2, 16, 4, 4]"), e.getMessage());
            assertThrows(ShapeException.class, () -> f.outputShape(Shape.of(5)));
        }
    }
}
