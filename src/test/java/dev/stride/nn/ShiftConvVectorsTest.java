package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link ShiftConv}'s output and input-gradient passes on the Vector API against its plain loops,
 * to the bit (the same GEMMs run in both, so every difference is the passes'), with and without a
 * bias, at widths that leave partial vectors. Conv2dTest checks the layer against the direct
 * convolution on whichever path the JVM takes.
 */
class ShiftConvVectorsTest {

    @ParameterizedTest(name = "[{0},{1},{2},{3}] -> {4} filters {5}x{6}, bias {7}")
    @CsvSource({
            "3, 6, 14, 14, 16, 5, 5, true",   // LeNet's conv2
            "2, 2, 7, 19, 3, 3, 4, false",    // a rectangular kernel, 16 output columns and 3 past them
            "1, 3, 5, 40, 2, 2, 3, true",     // rows longer than two vectors
    })
    void matchesThePlainLoopsBitwise(int n, int c, int h, int w, int k, int kH, int kW, boolean bias) {
        Conv2dSpec spec = new Conv2dSpec(c, k, kH, kW, 1, 0, bias, false);
        Shape in = Shape.of(n, c, h, w);
        Shape out = Shape.of(n, k, h - kH + 1, w - kW + 1);
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 1, n, c, h, w);
            Tensor weights = GradientCheck.random(arena, 2, k, c, kH, kW);
            Tensor b = bias ? GradientCheck.random(arena, 3, k) : null;
            Tensor dy = GradientCheck.random(arena, 4, n, k, out.dim(2), out.dim(3));
            float[][] plain = run(new ShiftConv(spec, in, out, gemm, arena, 1, 0, true, false), arena, x, weights, b, dy, out);
            float[][] vector = run(new ShiftConv(spec, in, out, gemm, arena, 1, 0, true, true), arena, x, weights, b, dy, out);
            assertArrayEquals(plain[0], vector[0], "output");
            assertArrayEquals(plain[1], vector[1], "input gradient");
        }
    }

    /** The output and the input gradient of one forward and backward pass over the whole batch, as one part. */
    private static float[][] run(ShiftConv conv, Arena arena, Tensor x, Tensor w, Tensor b, Tensor dy, Shape out) {
        MemorySegment ws = arena.allocate(conv.partFloats() * Float.BYTES);
        Tensor y = Tensor.zeros(arena, out);
        Tensor dx = Tensor.zeros(arena, x.shape());
        MemorySegment dw = arena.allocate(w.size() * Float.BYTES);
        MemorySegment db = b == null ? null : arena.allocate(b.size() * Float.BYTES);
        int n = x.dim(0);
        conv.forward(x, 0, n, 0, ws, 0, w, b, y);
        conv.backward(x, dy, 0, n, 0, ws, 0, w, dw, 0, true, db, 0, dx);
        return new float[][]{y.toArray(), dx.toArray()};
    }
}
