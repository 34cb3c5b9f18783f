package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Max pooling with PyTorch's ceil_mode, which GoogLeNet uses: output sizes and windows that reach past the input. */
class CeilModePoolingTest {

    @Test
    void outputSizesAreRoundedUpAsPytorchRoundsThem() {
        // nn.MaxPool2d(k, s, p, ceil_mode=True) on these sizes gives, in PyTorch 1.13:
        assertEquals(56, size(112, 3, 2, 0));   // GoogLeNet's maxpool1 (floor: 55)
        assertEquals(28, size(56, 3, 2, 0));
        assertEquals(14, size(28, 3, 2, 0));
        assertEquals(7, size(14, 2, 2, 0));
        assertEquals(4, size(7, 2, 2, 0));      // the last window holds one column
        assertEquals(3, size(5, 2, 2, 1));      // would start in the padding: dropped
        assertEquals(10, size(10, 3, 1, 1));    // tiles exactly: as floor
    }

    private static int size(int in, int k, int s, int p) {
        return new MaxPool2d(PoolSpec.of(k, s).withPadding(p).withCeil(true)).outputShape(Shape.of(1, 1, in, in)).dim(2);
    }

    @Test
    void windowsPastTheInputCoverWhatIsThere() {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = new MaxPool2d(PoolSpec.of(2, 2).withCeil(true));
            pool.build(Shape.of(1, 1, 3, 3), arena);
            Tensor x = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
            assertClose(new float[] {5, 6, 8, 9}, pool.forward(x), 0, 0);
            assertClose(new float[] {0, 0, 0, 0, 1, 2, 0, 3, 4}, pool.backward(Tensor.of(arena, new float[] {1, 2, 3, 4}, 1, 1, 2, 2), true), 0, 0);

            MaxPool2d odd = new MaxPool2d(PoolSpec.of(3, 2).withCeil(true));
            Tensor z = GradientCheck.random(arena, 3, 2, 3, 8, 8);
            odd.build(z.shape(), arena);
            assertEquals(Shape.of(2, 3, 4, 4), odd.outputShape());
            GradientCheck.checkLayer(odd, z, 4);
        }
    }

    @Test
    void averagePoolingRefusesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AvgPool2d(PoolSpec.of(2, 2).withCeil(true)));
        assertTrue(e.getMessage().contains("max pooling only"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PoolSpec(2, 2, 2, 0, true, true));
    }
}
