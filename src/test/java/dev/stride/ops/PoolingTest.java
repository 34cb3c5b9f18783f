package dev.stride.ops;

import dev.stride.nn.AvgPool2d;
import dev.stride.nn.Layer;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.PoolSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The pooling kernels, through their layers, against the naive oracle on awkward geometries. */
class PoolingTest {

    @ParameterizedTest(name = "[{0},{1},{2},{3}] kernel {4}x{5} stride {6} pad {7} floor {8}")
    @CsvSource({
            "2, 3, 6, 6, 2, 2, 2, 0, false",   // the classic 2x2/2
            "1, 2, 7, 7, 3, 3, 2, 0, false",   // overlapping windows, odd size, batch 1
            "2, 3, 5, 5, 3, 3, 2, 1, false",   // padding
            "2, 2, 6, 6, 2, 2, 2, 1, false",   // padding with an even kernel
            "1, 1, 5, 5, 1, 1, 1, 0, false",   // 1x1 kernel
            "1, 2, 7, 7, 1, 1, 3, 0, false",   // stride larger than the kernel
            "2, 3, 7, 7, 2, 2, 3, 0, true",    // floored: the last row and column are never read
            "2, 2, 7, 5, 2, 2, 2, 0, true",    // the 2x2/2 paths floored: dx stays zero in the last row and column
            "3, 5, 5, 6, 2, 3, 1, 0, false",   // non-square kernel, channels not a multiple of 8
    })
    void maxAndAvgAgreeWithTheOracle(int n, int c, int h, int w, int kH, int kW, int stride, int pad, boolean floor) {
        PoolSpec spec = new PoolSpec(kH, kW, stride, pad, floor);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 11, n, c, h, w);
            float[] xs = x.toArray();

            MaxPool2d max = new MaxPool2d(spec);
            Tensor y = forward(max, x, arena);
            int[] argmax = new int[(int) y.size()];
            assertClose(NaivePooling.max(xs, n, c, h, w, kH, kW, stride, pad, argmax), y, 0, 0);
            Tensor dy = GradientCheck.random(arena, 12, y.shape().dims());
            assertClose(NaivePooling.maxBackward(dy.toArray(), argmax, xs.length), max.backward(dy, true), 1e-6, 1e-6);

            AvgPool2d avg = new AvgPool2d(spec);
            assertClose(NaivePooling.avg(xs, null, n, c, h, w, kH, kW, stride, pad), forward(avg, x, arena), 1e-5, 1e-6);
            assertClose(NaivePooling.avg(xs, dy.toArray(), n, c, h, w, kH, kW, stride, pad), avg.backward(dy, true), 1e-5, 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}x{0} stride {1} pad {2} on [2,3,{3},{3}]")
    @CsvSource({"3, 2, 0, 7", "3, 2, 1, 5", "2, 2, 1, 6", "2, 1, 0, 4"})
    void gradientsMatchFiniteDifferences(int k, int stride, int pad, int size) {
        PoolSpec spec = PoolSpec.of(k, stride).withPadding(pad);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 21, 2, 3, size, size);
            for (Layer layer : new Layer[]{new MaxPool2d(spec), new AvgPool2d(spec)}) {
                layer.build(x.shape(), arena, new Workspace(arena));
                GradientCheck.checkLayer(layer, x, 22);
            }
        }
    }

    @ParameterizedTest(name = "batch {0} of 4")
    @CsvSource({"1", "3"})
    void smallerBatchesUseTheFirstRows(int batch) {
        PoolSpec spec = PoolSpec.of(3, 2);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 31, batch, 2, 7, 7);
            MaxPool2d max = new MaxPool2d(spec);
            max.build(Shape.of(4, 2, 7, 7), arena, new Workspace(arena));
            int[] argmax = new int[batch * 2 * 9];
            assertClose(NaivePooling.max(x.toArray(), batch, 2, 7, 7, 3, 3, 2, 0, argmax), max.forward(x), 0, 0);
            GradientCheck.checkLayer(max, x, 32);
        }
    }

    /** The 2x2/2 fast path's tie and NaN rules: the first maximum in row-major order wins, and the first NaN. */
    @Test
    void twoByTwoTiesGoToTheFirstAndNaNWins() {
        float nan = Float.NaN;
        float[] in = {
                1, 1, /**/ 0, nan,
                1, 1, /**/ 5, nan,
                2, 3, /**/ -1, -2,
                3, 0, /**/ -2, -1,
        };
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, in, 1, 1, 4, 4);
            MaxPool2d max = new MaxPool2d(PoolSpec.of(2, 2));
            Tensor y = forward(max, x, arena);
            // assertArrayEquals compares floats by their bits' canonical form, so NaN equals NaN.
            assertArrayEquals(new float[] {1, nan, 3, -1}, y.toArray());
            Tensor dy = Tensor.of(arena, new float[] {10, 20, 30, 40}, 1, 1, 2, 2);
            float[] dx = max.backward(dy, true).toArray();
            float[] expected = new float[16];
            expected[0] = 10;   // four equal values: the first
            expected[3] = 20;   // two NaNs: the first, although 5 is larger than 0
            expected[9] = 30;   // 3 appears twice: the first in row-major order
            expected[10] = 40;  // -1 appears twice: the first
            assertArrayEquals(expected, dx);
        }
    }

    private static Tensor forward(Layer layer, Tensor x, Arena arena) {
        layer.build(x.shape(), arena, new Workspace(arena));
        return layer.forward(x);
    }
}
