package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.stream.Stream;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

class LinearTest {

    /** n, in, out, bias with every backend: sizes that are not multiples of 8, a single row and a single output. */
    static Stream<Arguments> cases() {
        return Backends.all().stream().flatMap(g -> Stream.of(
                Arguments.of(g, 3, 7, 5, true),
                Arguments.of(g, 1, 13, 1, true),
                Arguments.of(g, 1, 37, 19, true),   // one row: the W x^T form
                Arguments.of(g, 1, 8, 6, false),
                Arguments.of(g, 4, 9, 11, false)));
    }

    private static Linear built(Gemm gemm, int n, int in, int out, boolean bias, Arena arena) {
        Linear fc = new Linear(in, out, bias, gemm);
        fc.build(Shape.of(n, in), arena, new Workspace(arena));
        long seed = 100;
        for (Parameter p : fc.parameters()) {
            p.value().copyFrom(GradientCheck.random(arena, seed++, p.value().shape().dims()));
        }
        return fc;
    }

    /**
     * Split over 3 threads (rows for y and dX, output features for dW and dB; uneven parts, and an
     * empty one for a batch of 2): the same results as one thread, and dW and dB still accumulate.
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {7, 2})
    void threadsSplitRowsAndFeaturesWithTheSameResults(int n) {
        try (Arena arena = Arena.ofShared()) {
            Gemm gemm = Backends.all().get(0);
            Linear one = new Linear(9, 5, true, gemm);
            Linear three = new Linear(9, 5, true, gemm);
            one.build(Shape.of(7, 9), arena, new Workspace(arena));
            three.build(Shape.of(7, 9), arena, new Workspace(arena, 3), BuildOptions.training().withSplitSmallLayers(true));
            for (int i = 0; i < 2; i++) {
                Tensor v = GradientCheck.random(arena, 100 + i, one.parameters().get(i).value().shape().dims());
                one.parameters().get(i).value().copyFrom(v);
                three.parameters().get(i).value().copyFrom(v);
            }
            Tensor x = GradientCheck.random(arena, 1, n, 9);
            Tensor dy = GradientCheck.random(arena, 2, n, 5);
            assertClose(one.forward(x).toArray(), three.forward(x), 1e-6, 1e-6);
            assertClose(one.backward(dy, true).toArray(), three.backward(dy, true), 1e-6, 1e-6);
            one.backward(dy, false);
            three.backward(dy, false);
            assertClose(one.weight().grad().toArray(), three.weight().grad(), 1e-6, 1e-6);
            assertClose(one.bias().grad().toArray(), three.bias().grad(), 1e-6, 1e-6);
        }
    }

    /**
     * A few rows of a layer with 2^14 weights or more take the W x^T form and its transpose (2 to
     * 32 rows), and more rows x W^T: every one gives the definition's output, on both backends.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.stride.testing.Backends#all")
    void aFewRowsOfALargeLayerGiveTheDefinitionsOutput(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {2, 5, 32, 33}) {
                for (boolean bias : new boolean[] {true, false}) {
                    Linear fc = built(gemm, n, 150, 110, bias, arena);
                    Tensor x = GradientCheck.random(arena, n, n, 150);
                    Tensor w = fc.weight().value();
                    float[] expected = new float[n * 110];
                    for (int r = 0; r < n; r++) {
                        for (int j = 0; j < 110; j++) {
                            double sum = bias ? fc.bias().value().get(j) : 0;
                            for (int i = 0; i < 150; i++) {
                                sum += (double) x.get(r, i) * w.get(j, i);
                            }
                            expected[r * 110 + j] = (float) sum;
                        }
                    }
                    assertClose(expected, fc.forward(x), 1e-5, 1e-5);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} n={1} {2}->{3} bias={4}")
    @MethodSource("cases")
    void matchesTheDefinitionAndFiniteDifferences(Gemm gemm, int n, int in, int out, boolean bias) {
        try (Arena arena = Arena.ofConfined()) {
            Linear fc = built(gemm, n, in, out, bias, arena);
            Tensor x = GradientCheck.random(arena, 1, n, in);
            Tensor w = fc.weight().value();
            Tensor y = fc.forward(x);
            Tensor dy = GradientCheck.random(arena, 2, n, out);
            Tensor dx = fc.backward(dy, true);

            float[] ey = new float[n * out];
            float[] edx = new float[n * in];
            float[] edw = new float[out * in];
            float[] edb = new float[out];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < out; j++) {
                    double s = bias ? fc.bias().value().get(j) : 0;
                    for (int i = 0; i < in; i++) {
                        s += (double) x.get(r, i) * w.get(j, i);
                        edx[r * in + i] += dy.get(r, j) * w.get(j, i);
                        edw[j * in + i] += dy.get(r, j) * x.get(r, i);
                    }
                    ey[r * out + j] = (float) s;
                    edb[j] += dy.get(r, j);
                }
            }
            assertClose(ey, y, 1e-5, 1e-5);
            assertClose(edx, dx, 1e-5, 1e-5);
            assertClose(edw, fc.weight().grad(), 1e-5, 1e-5);
            if (bias) {
                assertClose(edb, fc.bias().grad(), 1e-5, 1e-5);
            } else {
                assertNull(fc.bias());
            }
            GradientCheck.checkLayer(fc, x, 3);
        }
    }

    @Test
    void gradientsAccumulateAndSmallerBatchesUseTheFirstRows() {
        try (Arena arena = Arena.ofConfined()) {
            Linear fc = built(Backends.all().get(0), 4, 6, 3, true, arena);
            Tensor x = GradientCheck.random(arena, 5, 2, 6);
            Tensor dy = GradientCheck.random(arena, 6, 2, 3);
            assertEquals(Shape.of(2, 3), fc.forward(x).shape());
            assertNull(fc.backward(dy, false));
            float[] once = fc.weight().grad().toArray();
            float[] onceBias = fc.bias().grad().toArray();
            fc.forward(x);
            assertEquals(Shape.of(2, 6), fc.backward(dy, true).shape());
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], fc.weight().grad().getFlat(i), 1e-6);
            }
            assertEquals(2 * onceBias[0], fc.bias().grad().getFlat(0), 1e-6);
            fc.parameters().forEach(Parameter::zeroGrad);
            assertEquals(0f, fc.weight().grad().getFlat(0));
        }
    }

    @Test
    void parametersAndErrors() {
        try (Arena arena = Arena.ofConfined()) {
            Linear fc = new Linear(400, 120);
            assertThrows(IllegalStateException.class, fc::weight);
            fc.build(Shape.of(2, 400), arena, new Workspace(arena));
            assertEquals(Shape.of(120, 400), fc.weight().value().shape());
            assertEquals(400, fc.weight().fanIn());
            assertEquals(120, fc.weight().fanOut());
            assertEquals(Shape.of(120), fc.bias().value().shape());
            assertEquals("[1, 400] -> [1, 120]; parameters 400*120 + 120 = 48120", fc.explain(Shape.of(1, 400)));
            ShapeException e = assertThrows(ShapeException.class, () -> fc.forward(Tensor.zeros(arena, 3, 400)));
            assertTrue(e.getMessage().contains("Linear:") && e.getMessage().contains("[N<=2, 400]")
                    && e.getMessage().contains("[3, 400]"), e.getMessage());
            e = assertThrows(ShapeException.class, () -> fc.outputShape(Shape.of(2, 16, 5, 5)));
            assertTrue(e.getMessage().contains("Flatten"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3));
        }
    }
}
