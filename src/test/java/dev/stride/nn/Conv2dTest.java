package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Backends;
import dev.stride.testing.DirectConv;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

class Conv2dTest {
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-4;

    /**
     * Every geometry with every backend: im2col with one GEMM per sample, the whole batch in one
     * GEMM, the whole batch again with backward recomputing im2col instead of keeping the forward's
     * columns; Winograd wherever it applies (3x3 at stride 1), whatever the channel count, keeping
     * the forward's transform of the input or transforming it again; and one GEMM per kernel column
     * ({@link ShiftConv}) wherever that applies (stride 1, no padding), keeping the forward's rows
     * or copying them again.
     */
    static Stream<Arguments> geometries() {
        int never = Integer.MAX_VALUE;
        long keep = Im2colConv.KEEP_COLUMNS_FLOATS;
        return Arrays.stream(ConvCase.all()).flatMap(c -> Backends.all().stream().flatMap(g -> Stream.concat(
                Stream.of(Arguments.of(c, g, 1, keep, never, false),
                        Arguments.of(c, g, 1 << 20, keep, never, false),
                        Arguments.of(c, g, 1 << 20, 0L, never, false),
                        Arguments.of(c, g, 1 << 20, keep, 1, false),
                        Arguments.of(c, g, 1 << 20, 0L, 1, false)),
                ShiftConv.suits(c.spec())
                        ? Stream.of(Arguments.of(c, g, 1, keep, never, true), Arguments.of(c, g, 1, 0L, never, true))
                        : Stream.empty())));
    }

    static Stream<Arguments> winogradGeometriesAndBackends() {
        return geometriesAndBackends().filter(a -> WinogradConv.suits(((ConvCase) a.get()[0]).spec(), 1));
    }

    static Stream<Arguments> geometriesAndBackends() {
        return Arrays.stream(ConvCase.all()).flatMap(c -> Backends.all().stream().map(g -> Arguments.of(c, g)));
    }

    /** A conv built on its own for the case's batch, with random weights and biases. */
    static Conv2d built(ConvCase cc, Gemm gemm, int minColumns, Arena arena, long seed) {
        return built(cc, gemm, minColumns, Im2colConv.KEEP_COLUMNS_FLOATS, arena, seed);
    }

    static Conv2d built(ConvCase cc, Gemm gemm, int minColumns, long keepColumnsFloats, Arena arena, long seed) {
        return built(cc, gemm, minColumns, keepColumnsFloats, Integer.MAX_VALUE, arena, seed);
    }

    static Conv2d built(ConvCase cc, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels,
                        Arena arena, long seed) {
        return built(cc, gemm, minColumns, keepColumnsFloats, winogradMinChannels, arena, new Workspace(arena), seed);
    }

    static Conv2d built(ConvCase cc, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels,
                        Arena arena, Workspace workspace, long seed) {
        return built(cc, gemm, minColumns, keepColumnsFloats, winogradMinChannels, true, arena, workspace, seed);
    }

    static Conv2d built(ConvCase cc, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels,
                        boolean shiftColumns, Arena arena, Workspace workspace, long seed) {
        ConvPolicy policy = new ConvPolicy(winogradMinChannels, shiftColumns ? ConvPolicy.Shift.ALWAYS : ConvPolicy.Shift.NEVER,
                minColumns, keepColumnsFloats);
        return built(cc, gemm, policy, arena, workspace, seed);
    }

    static Conv2d built(ConvCase cc, Gemm gemm, ConvPolicy policy, Arena arena, Workspace workspace, long seed) {
        Conv2d conv = new Conv2d(cc.spec(), gemm);
        conv.build(Shape.of(cc.n(), cc.c(), cc.h(), cc.w()), arena, workspace, BuildOptions.training().withConv(policy));
        for (Parameter p : conv.parameters()) {
            p.value().copyFrom(GradientCheck.random(arena, seed++, p.value().shape().dims()));
        }
        return conv;
    }

    @ParameterizedTest(name = "{0}, {1}, minColumns {2}, keepColumnsFloats {3}, winogradMinChannels {4}, shift {5}")
    @MethodSource("geometries")
    void matchesTheDirectConvolutionForwardAndBackward(ConvCase cc, Gemm gemm, int minColumns, long keepColumnsFloats,
                                                       int winogradMinChannels, boolean shiftColumns) {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = built(cc, gemm, minColumns, keepColumnsFloats, winogradMinChannels, shiftColumns, arena,
                    new Workspace(arena), 1);
            Tensor x = GradientCheck.random(arena, 2, cc.n(), cc.c(), cc.h(), cc.w());
            DirectConv oracle = cc.oracle(cc.n());
            float[] w = conv.weight().value().toArray();
            float[] b = cc.bias() ? conv.bias().value().toArray() : null;

            Tensor y = conv.forward(x);
            assertEquals(Shape.of(cc.n(), cc.k(), cc.outH(), cc.outW()), y.shape());
            assertClose(oracle.forward(x.toArray(), w, b), y, RTOL, ATOL);

            Tensor dy = GradientCheck.random(arena, 3, y.shape().dims());
            Tensor dx = conv.backward(dy, true);
            assertClose(oracle.inputGrad(dy.toArray(), w), dx, RTOL, ATOL);
            assertClose(oracle.weightGrad(dy.toArray(), x.toArray()), conv.weight().grad(), RTOL, ATOL);
            if (cc.bias()) {
                assertClose(oracle.biasGrad(dy.toArray()), conv.bias().grad(), RTOL, ATOL);
            }
        }
    }

    /**
     * Grouped and depthwise layers on every backend, each lowering that takes them: the direct
     * depthwise loops and one GEMM per group (here, so that the JVM without the Vector API runs
     * them too; threads, gradient checks and the rest are in {@link GroupedConvTest}).
     */
    static Stream<Arguments> groupedGeometriesAndLowerings() {
        return Arrays.stream(ConvCase.grouped()).flatMap(c -> Backends.all().stream().flatMap(g -> c.spec().depthwise()
                ? Stream.of(Arguments.of(c, g, ConvPolicy.Lowering.DEPTHWISE), Arguments.of(c, g, ConvPolicy.Lowering.GROUPED))
                : Stream.of(Arguments.of(c, g, ConvPolicy.Lowering.GROUPED))));
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("groupedGeometriesAndLowerings")
    void groupedLayersMatchTheDirectConvolution(ConvCase cc, Gemm gemm, ConvPolicy.Lowering lowering) {
        try (Arena arena = Arena.ofConfined()) {
            ConvPolicy policy = ConvPolicy.defaults().withDirectDepthwise(lowering == ConvPolicy.Lowering.DEPTHWISE);
            Conv2d conv = built(cc, gemm, policy, arena, new Workspace(arena), 1);
            assertEquals(lowering, conv.lowering());
            Tensor x = GradientCheck.random(arena, 2, cc.n(), cc.c(), cc.h(), cc.w());
            DirectConv oracle = cc.oracle(cc.n());
            float[] w = conv.weight().value().toArray();
            Tensor y = conv.forward(x);
            assertClose(oracle.forward(x.toArray(), w, cc.bias() ? conv.bias().value().toArray() : null), y, RTOL, ATOL);
            Tensor dy = GradientCheck.random(arena, 3, y.shape().dims());
            assertClose(oracle.inputGrad(dy.toArray(), w), conv.backward(dy, true), RTOL, ATOL);
            assertClose(oracle.weightGrad(dy.toArray(), x.toArray()), conv.weight().grad(), RTOL, ATOL);
            if (cc.bias()) {
                assertClose(oracle.biasGrad(dy.toArray()), conv.bias().grad(), RTOL, ATOL);
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("geometriesAndBackends")
    void gradientsMatchFiniteDifferences(ConvCase cc, Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = built(cc, gemm, Im2colConv.MIN_COLUMNS, arena, 11);
            GradientCheck.checkLayer(conv, GradientCheck.random(arena, 12, cc.n(), cc.c(), cc.h(), cc.w()), 13);
        }
    }

    /**
     * Split over 3 threads (uneven parts, and an empty one for batch 2) with each path: the same
     * outputs and gradients as the oracle, and parameter gradients summed over two backward passes.
     */
    @ParameterizedTest(name = "{0}, winogradMinChannels {1}, shift {2}")
    @MethodSource("threadCases")
    void threadsSplitTheBatchWithTheSameResults(ConvCase cc, int winogradMinChannels, boolean shiftColumns) {
        try (Arena arena = Arena.ofShared()) {
            Conv2d conv = built(cc, Backends.all().get(0), Im2colConv.MIN_COLUMNS, Im2colConv.KEEP_COLUMNS_FLOATS,
                    winogradMinChannels, shiftColumns, arena, new Workspace(arena, 3), 5);
            Tensor x = GradientCheck.random(arena, 2, cc.n(), cc.c(), cc.h(), cc.w());
            DirectConv oracle = cc.oracle(cc.n());
            float[] w = conv.weight().value().toArray();
            assertClose(oracle.forward(x.toArray(), w, conv.bias().value().toArray()), conv.forward(x), RTOL, ATOL);
            Tensor dy = GradientCheck.random(arena, 3, cc.n(), cc.k(), cc.outH(), cc.outW());
            assertClose(oracle.inputGrad(dy.toArray(), w), conv.backward(dy, true), RTOL, ATOL);
            conv.backward(dy, false);
            assertClose(scaled(oracle.weightGrad(dy.toArray(), x.toArray()), 2), conv.weight().grad(), RTOL, ATOL);
            assertClose(scaled(oracle.biasGrad(dy.toArray()), 2), conv.bias().grad(), RTOL, ATOL);
        }
    }

    /**
     * Winograd, im2col, and for the valid geometry the kernel-column path ({@link ShiftConv}), each
     * forced on or off whatever OpenBLAS kernels this machine picks ({@link ShiftConv#pays}).
     */
    static Stream<Arguments> threadCases() {
        return Stream.of(5, 2).flatMap(batch -> Stream.of(
                ConvCase.of("padding, batch " + batch, batch, 3, 6, 6, 4, 3, 3, 1, 1),
                ConvCase.of("odd sizes, batch " + batch, batch, 5, 9, 7, 7, 3, 3, 1, 0)))
                .flatMap(c -> Stream.concat(
                        Stream.of(Arguments.of(c, 1, false), Arguments.of(c, Integer.MAX_VALUE, false)),
                        ShiftConv.suits(c.spec()) ? Stream.of(Arguments.of(c, Integer.MAX_VALUE, true)) : Stream.empty()));
    }

    /** The Winograd path's forward and input gradient against finite differences, where it applies. */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("winogradGeometriesAndBackends")
    void winogradGradientsMatchFiniteDifferences(ConvCase cc, Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = built(cc, gemm, Im2colConv.MIN_COLUMNS, Im2colConv.KEEP_COLUMNS_FLOATS, 1, arena, 11);
            GradientCheck.checkLayer(conv, GradientCheck.random(arena, 12, cc.n(), cc.c(), cc.h(), cc.w()), 13);
        }
    }

    @Test
    void theLecturesSevenBySevenAtStrideThreeIsRejectedWithTheArithmetic() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Conv2d(new Conv2dSpec(1, 1, 3, 3, 3, 0, true, false)));
            ShapeException e = assertThrows(ShapeException.class, () -> model.build(Shape.of(1, 1, 7, 7), arena));
            assertTrue(e.getMessage().contains("layer 0 (Conv2d)"), e.getMessage());
            assertTrue(e.getMessage().contains("(7 - 3 + 2*0)/3 + 1 = 2.33"), e.getMessage());
        }
    }

    @Test
    void flooringKeepsTwoByTwoAndGivesUnreachedPixelsZeroGradient() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Conv2d(new Conv2dSpec(1, 1, 3, 3, 3, 0, true, true)));
            model.build(Shape.of(1, 1, 7, 7), arena);
            assertEquals(Shape.of(1, 1, 2, 2), model.outputShape());
            model.parameters().get(0).value().fill(1f);
            Tensor x = GradientCheck.random(arena, 5, 1, 1, 7, 7);
            model.forward(x);
            Tensor dx = model.backward(Tensor.of(arena, new float[] {1, 1, 1, 1}, 1, 1, 2, 2), true);
            for (int i = 0; i < 7; i++) {
                assertEquals(0f, dx.get(0, 0, 6, i), "row 6 is never reached");
                assertEquals(0f, dx.get(0, 0, i, 6), "column 6 is never reached");
            }
            assertEquals(1f, dx.get(0, 0, 5, 5));
        }
    }

    @Test
    void wrongInputsNameTheLayerAndBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential convs = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1)), new Conv2d(Conv2dSpec.of(4, 2, 3, 1, 1)));
            convs.build(Shape.of(2, 3, 8, 8), arena);
            for (int[] dims : new int[][] {{2, 4, 8, 8}, {3, 3, 8, 8}, {2, 3, 8, 9}, {2, 3, 64}}) {
                Tensor bad = Tensor.zeros(arena, dims);
                ShapeException e = assertThrows(ShapeException.class, () -> convs.forward(bad));
                assertTrue(e.getMessage().contains("layer 0 (Conv2d)"), e.getMessage());
                assertTrue(e.getMessage().contains("[N<=2, 3, 8, 8]"), e.getMessage());
                assertTrue(e.getMessage().contains(Arrays.toString(dims)), e.getMessage());
            }
            Sequential mismatch = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1)), new Conv2d(Conv2dSpec.of(5, 2, 3, 1, 1)));
            ShapeException e = assertThrows(ShapeException.class, () -> mismatch.build(Shape.of(2, 3, 8, 8), arena));
            assertTrue(e.getMessage().contains("layer 1 (Conv2d)"), e.getMessage());
            assertTrue(e.getMessage().contains("[2, 4, 8, 8]"), e.getMessage());
        }
    }

    @Test
    void parameterGradientsAccumulateUntilZeroGrad() {
        try (Arena arena = Arena.ofConfined()) {
            ConvCase cc = ConvCase.of("accumulate", 2, 3, 6, 6, 4, 3, 3, 1, 1);
            Conv2d conv = built(cc, Backends.all().get(0), Im2colConv.MIN_COLUMNS, arena, 21);
            Tensor x = GradientCheck.random(arena, 22, 2, 3, 6, 6);
            Tensor dy = GradientCheck.random(arena, 23, 2, 4, 6, 6);
            conv.forward(x);
            conv.backward(dy, false);
            float[] once = conv.weight().grad().toArray();
            float[] onceBias = conv.bias().grad().toArray();
            conv.forward(x);
            conv.backward(dy, false);
            assertClose(scaled(once, 2), conv.weight().grad(), 1e-6, 1e-6);
            assertClose(scaled(onceBias, 2), conv.bias().grad(), 1e-6, 1e-6);
            conv.parameters().forEach(Parameter::zeroGrad);
            assertClose(new float[once.length], conv.weight().grad(), 0, 0);
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("geometriesAndBackends")
    void aSmallerBatchThanBuiltUsesTheFirstRows(ConvCase cc, Gemm gemm) {
        if (cc.n() < 2) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = built(cc, gemm, Im2colConv.MIN_COLUMNS, arena, 31);
            Tensor x = GradientCheck.random(arena, 32, 1, cc.c(), cc.h(), cc.w());
            DirectConv oracle = cc.oracle(1);
            float[] w = conv.weight().value().toArray();
            Tensor y = conv.forward(x);
            assertEquals(1, y.dim(0));
            assertClose(oracle.forward(x.toArray(), w, cc.bias() ? conv.bias().value().toArray() : null), y, RTOL, ATOL);
            Tensor dy = GradientCheck.random(arena, 33, y.shape().dims());
            Tensor dx = conv.backward(dy, true);
            assertEquals(x.shape(), dx.shape());
            assertClose(oracle.inputGrad(dy.toArray(), w), dx, RTOL, ATOL);
            assertClose(oracle.weightGrad(dy.toArray(), x.toArray()), conv.weight().grad(), RTOL, ATOL);
        }
    }

    @Test
    void parametersHaveTheDocumentedShapesAndFans() {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = new Conv2d(new Conv2dSpec(3, 10, 5, 4, 1, 2, true, false));
            assertThrows(IllegalStateException.class, conv::weight);
            conv.build(Shape.of(1, 3, 32, 32), arena, new Workspace(arena));
            Parameter w = conv.weight();
            assertEquals(Shape.of(10, 3, 5, 4), w.value().shape());
            assertEquals(3 * 5 * 4, w.fanIn());
            assertEquals(10 * 5 * 4, w.fanOut());
            assertEquals(InitRule.WEIGHT, w.init());
            assertTrue(w.decays());
            assertEquals("weight", w.name());
            assertEquals(Shape.of(10), conv.bias().value().shape());
            assertEquals(InitRule.BIAS, conv.bias().init());
            assertFalse(conv.bias().decays());
            assertEquals(java.util.List.of(w, conv.bias()), conv.parameters());
            Conv2d noBias = new Conv2d(Conv2dSpec.of(3, 10, 5, 1, 2).withBias(false));
            noBias.build(Shape.of(1, 3, 32, 32), arena, new Workspace(arena));
            assertNull(noBias.bias());
            assertEquals(1, noBias.parameters().size());
        }
    }

    @Test
    void backwardChecksItsGradientAndCanSkipTheInputGradient() {
        try (Arena arena = Arena.ofConfined()) {
            ConvCase cc = ConvCase.of("skip", 2, 3, 6, 6, 4, 3, 3, 1, 1);
            Conv2d conv = built(cc, Backends.all().get(0), Im2colConv.MIN_COLUMNS, arena, 41);
            Tensor dy = GradientCheck.random(arena, 43, 2, 4, 6, 6);
            assertThrows(IllegalStateException.class, () -> conv.backward(dy, true));
            conv.forward(GradientCheck.random(arena, 42, 2, 3, 6, 6));
            assertNull(conv.backward(dy, false));
            ShapeException e = assertThrows(ShapeException.class,
                    () -> conv.backward(Tensor.zeros(arena, 2, 4, 6, 5), true));
            assertTrue(e.getMessage().contains("[2, 4, 6, 5]") && e.getMessage().contains("[2, 4, 6, 6]"), e.getMessage());
        }
    }

    private static float[] scaled(float[] v, float s) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] *= s;
        }
        return r;
    }
}
