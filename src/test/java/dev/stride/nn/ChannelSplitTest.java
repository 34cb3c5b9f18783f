package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Allocations;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forward with fewer samples than parts cuts the output channels (a convolution) or runs of
 * elements (an element-wise layer, a residual sum) instead of samples. Every lowering, forced
 * through the policy, at batch 1 and 3 on 2, 3 and 4 parts gives the bits of one part on the Java
 * GEMM, which computes each row of C the same way whatever the rows around it: only fewer rows of
 * the filter matrix go into one GEMM call. OpenBLAS chooses kernels by the sizes, so there the
 * check is within float rounding. The element-wise runs start at whole vectors: bitwise. Whole
 * models too, and a second pass always gives the first's bits.
 */
class ChannelSplitTest {
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-4;
    private static final ConvPolicy NO_WINOGRAD = ConvPolicy.im2colOnly();
    private static final ConvPolicy WINOGRAD = ConvPolicy.defaults().withWinogradMinChannels(1).withWinogradMinTiles(1)
            .withShift(ConvPolicy.Shift.NEVER);

    /** A geometry of each lowering: name, the case at batch n, the policy that forces it, the lowering. */
    private record LoweringCase(String name, ConvCase geometry, ConvPolicy policy, ConvPolicy.Lowering lowering) {
        ConvCase at(int n) {
            ConvCase g = geometry;
            return new ConvCase(g.name(), n, g.c(), g.h(), g.w(), g.k(), g.kH(), g.kW(), g.stride(), g.pad(), g.bias(),
                    g.floor(), g.groups());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<LoweringCase> loweringCases() {
        return List.of(
                new LoweringCase("im2col 3x3 pad 1, K 13", ConvCase.of("", 1, 5, 9, 9, 13, 3, 3, 1, 1), NO_WINOGRAD,
                        ConvPolicy.Lowering.IM2COL),
                new LoweringCase("im2col 3x3 stride 2, no bias", ConvCase.of("", 1, 3, 11, 9, 7, 3, 3, 2, 1).noBias(),
                        NO_WINOGRAD, ConvPolicy.Lowering.IM2COL),
                new LoweringCase("im2col 1x1 identity", ConvCase.of("", 1, 6, 5, 5, 11, 1, 1, 1, 0), NO_WINOGRAD,
                        ConvPolicy.Lowering.IM2COL),
                new LoweringCase("winograd 12x12, K 10", ConvCase.of("", 1, 6, 12, 12, 10, 3, 3, 1, 1), WINOGRAD,
                        ConvPolicy.Lowering.WINOGRAD),
                new LoweringCase("winograd 22x22 (vector rows)", ConvCase.of("", 1, 4, 22, 22, 9, 3, 3, 1, 1), WINOGRAD,
                        ConvPolicy.Lowering.WINOGRAD),
                // 16 K C tiles above WinogradConv.SHARED_PRODUCTS_MIN_MACS: at batch 1 the parts also share M.
                new LoweringCase("winograd 64 channels 56x56 (shared products)", ConvCase.of("", 1, 64, 56, 56, 64, 3, 3, 1, 1),
                        WINOGRAD, ConvPolicy.Lowering.WINOGRAD),
                new LoweringCase("shift 5x5 valid", ConvCase.of("", 1, 6, 10, 10, 16, 5, 5, 1, 0),
                        NO_WINOGRAD.withShift(ConvPolicy.Shift.ALWAYS), ConvPolicy.Lowering.SHIFT),
                new LoweringCase("grouped 4 groups", ConvCase.of("", 1, 8, 7, 7, 12, 3, 3, 1, 1).grouped(4),
                        ConvPolicy.defaults().withDirectDepthwise(false), ConvPolicy.Lowering.GROUPED),
                new LoweringCase("grouped 2 groups (by samples above 2 parts)", ConvCase.of("", 1, 4, 6, 6, 6, 3, 3, 1, 1).grouped(2),
                        ConvPolicy.defaults(), ConvPolicy.Lowering.GROUPED),
                new LoweringCase("depthwise K = 2C stride 2", ConvCase.of("", 1, 6, 9, 9, 12, 3, 3, 2, 1).grouped(6),
                        ConvPolicy.defaults(), ConvPolicy.Lowering.DEPTHWISE));
    }

    static Stream<Arguments> loweringsBatchesAndParts() {
        return loweringCases().stream().flatMap(c -> Backends.all().stream().flatMap(g -> Stream.of(1, 3).flatMap(
                n -> Stream.of(2, 3, 4).map(parts -> Arguments.of(c, g, n, parts)))));
    }

    /** Conv layers built for inference on 1 and on {@code parts} threads, the second sharing the first's random parameters. */
    private static Conv2d[] pair(ConvCase cc, Gemm gemm, ConvPolicy policy, int parts, Arena arena) {
        Shape in = Shape.of(cc.n(), cc.c(), cc.h(), cc.w());
        Conv2d one = new Conv2d(cc.spec(), gemm);
        one.build(in, arena, BuildOptions.inference().withThreads(1).withConv(policy));
        long seed = 11;
        for (Parameter p : one.parameters()) {
            p.value().copyFrom(GradientCheck.random(arena, seed++, p.value().shape().dims()));
        }
        Conv2d many = new Conv2d(cc.spec(), gemm);
        many.build(in, arena, BuildOptions.inference().withThreads(parts).withConv(policy).sharingWith(one));
        return new Conv2d[] {one, many};
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}, {3} parts")
    @MethodSource("loweringsBatchesAndParts")
    void everyLoweringGivesTheBitsOfOnePart(LoweringCase lc, Gemm gemm, int n, int parts) {
        ConvCase cc = lc.at(n);
        try (Arena arena = Arena.ofShared()) {
            Conv2d[] convs = pair(cc, gemm, lc.policy(), parts, arena);
            assertEquals(lc.lowering(), convs[0].lowering());
            assertEquals(lc.lowering(), convs[1].lowering());
            boolean byGroups = lc.lowering() == ConvPolicy.Lowering.GROUPED;
            if (!byGroups || cc.groups() >= parts) {
                assertTrue(convs[1].forwardChannels() > 0, lc + ": should split its channels");
            } else {
                assertEquals(0, convs[1].forwardChannels(), lc + ": fewer groups than parts stay by samples");
            }
            Tensor x = GradientCheck.random(arena, 5, n, cc.c(), cc.h(), cc.w());
            float[] expected = convs[0].forward(x).toArray();
            float[] first = convs[1].forward(x).toArray();
            String what = lc + " at batch " + n + " on " + parts + " parts";
            if (gemm == GemmBackend.java()) {
                assertArrayEquals(expected, first, what);
            } else {
                // OpenBLAS picks its kernels by the matrix sizes, and a GEMM of fewer filter rows
                // has been seen an ulp off (im2col, K = 13 against 7 or 4 rows a call).
                assertClose(expected, first, Shape.of(n, cc.k(), cc.outH(), cc.outW()), 1e-6, 1e-6, what);
            }
            // The second pass reuses every view and scratch, and whichever thread runs a part, the same bits.
            assertArrayEquals(first, convs[1].forward(x).toArray(), what + ", second pass");
            float[] b = cc.bias() ? convs[0].bias().value().toArray() : null;
            assertClose(cc.oracle(n).forward(x.toArray(), convs[0].weight().value().toArray(), b), convs[1].forward(x),
                    RTOL, ATOL);
        }
    }

    /** A training build whose lowering keeps its forward's columns for backward stays by samples (it would not fill them). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("loweringCases")
    void trainingBuildsSplitOnlyWhatBackwardDoesNotRead(LoweringCase lc) {
        ConvCase cc = lc.at(1);
        try (Arena arena = Arena.ofShared()) {
            Conv2d conv = Conv2dTest.built(cc, GemmBackend.java(), lc.policy(), arena,
                    new dev.stride.tensor.Workspace(arena, 2), 3);
            Tensor x = GradientCheck.random(arena, 5, 1, cc.c(), cc.h(), cc.w());
            Tensor y = conv.forward(x);
            assertClose(cc.oracle(1).forward(x.toArray(), conv.weight().value().toArray(),
                    cc.bias() ? conv.bias().value().toArray() : null), y, RTOL, ATOL);
            Tensor dy = GradientCheck.random(arena, 6, y.shape().dims());
            Tensor dx = conv.backward(dy, true);
            float[] w = conv.weight().value().toArray();
            assertClose(cc.oracle(1).inputGrad(dy.toArray(), w), dx, RTOL, ATOL);
            assertClose(cc.oracle(1).weightGrad(dy.toArray(), x.toArray()), conv.weight().grad(), RTOL, ATOL);
        }
    }

    /** With the Java GEMM, so that no allowance for OpenBLAS's segment slices hides a leak. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("loweringCases")
    void aChannelSplitForwardAllocatesNothingOnceCompiled(LoweringCase lc) {
        ConvCase cc = lc.at(1);
        try (Arena arena = Arena.ofShared()) {
            Conv2d conv = pair(cc, GemmBackend.java(), lc.policy(), 2, arena)[1];
            Tensor x = GradientCheck.random(arena, 5, 1, cc.c(), cc.h(), cc.w());
            long perPass = Allocations.perCallOnceCompiled(50, 64, i -> conv.forward(x));
            assertTrue(perPass < 64, lc + ": a forward still allocated " + perPass + " bytes on the heap");
        }
    }

    static Stream<Arguments> activations() {
        List<Supplier<Layer>> layers = List.of(Relu::new, Relu6::new, () -> new LeakyRelu(0.1f), () -> new Elu(1f),
                Sigmoid::new, Silu::new, Tanh::new);
        return layers.stream().flatMap(l -> Stream.of(2, 3, 4).map(parts -> Arguments.of(l.get().describe(), l, parts)));
    }

    /** Odd sizes, so that runs and the vector loops' tails meet where they would not on one part. */
    @ParameterizedTest(name = "{0}, {2} parts")
    @MethodSource("activations")
    void elementwiseLayersGiveTheBitsOfOnePart(String name, Supplier<Layer> layer, int parts) {
        try (Arena arena = Arena.ofShared()) {
            for (Shape in : List.of(Shape.of(1, 7, 33, 37), Shape.of(1, 101), Shape.of(3, 5, 9, 11))) {
                Layer one = layer.get();
                one.build(in, arena, BuildOptions.inference().withThreads(1));
                Layer many = layer.get();
                many.build(in, arena, BuildOptions.inference().withThreads(parts).withSplitSmallLayers(true));
                Tensor x = GradientCheck.random(arena, 9, in.dims());
                float[] v = x.toArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] *= 8f; // past every activation's bends (ReLU6's at 6)
                }
                x.copyFrom(v);
                assertArrayEquals(one.forward(x).toArray(), many.forward(x).toArray(), name + " " + in);
            }
        }
    }

    static Stream<Arguments> pools() {
        List<PoolSpec> specs = List.of(PoolSpec.of(3, 2).withPadding(1).withFloor(true), PoolSpec.of(2, 2).withFloor(true),
                PoolSpec.of(3, 2).withCeil(true));
        return specs.stream().flatMap(spec -> Stream.of(2, 3, 4).map(parts -> Arguments.of(spec, parts)));
    }

    /**
     * Pooling cuts its planes by channel below one sample a part: max (with the argmax that a
     * training build's backward reads) and average pooling, at batch 1 and 3, give one part's bits,
     * forward and backward.
     */
    @ParameterizedTest(name = "{0}, {1} parts")
    @MethodSource("pools")
    void poolingGivesTheBitsOfOnePart(PoolSpec spec, int parts) {
        try (Arena arena = Arena.ofShared()) {
            for (int n : new int[] {1, 3}) {
                Shape in = Shape.of(n, 7, 13, 12);
                List<Supplier<Layer>> layers = spec.ceil() ? List.of(() -> new MaxPool2d(spec))
                        : List.of(() -> new MaxPool2d(spec), () -> new AvgPool2d(spec));
                for (Supplier<Layer> layer : layers) {
                    Layer one = layer.get();
                    one.build(in, arena, BuildOptions.training().withThreads(1));
                    Layer many = layer.get();
                    many.build(in, arena, BuildOptions.training().withThreads(parts).withSplitSmallLayers(true));
                    assertTrue(many.forwardChannels() > 0, many.describe());
                    Tensor x = GradientCheck.random(arena, 9, in.dims());
                    String what = many.describe() + " at batch " + n;
                    float[] y = one.forward(x).toArray();
                    assertArrayEquals(y, many.forward(x).toArray(), what);
                    Tensor dy = GradientCheck.random(arena, 10, one.outputShape(in).dims());
                    assertArrayEquals(one.backward(dy, true).toArray(), many.backward(dy, true).toArray(), what + ", backward");
                    Layer inference = layer.get();
                    inference.build(in, arena, BuildOptions.inference().withThreads(parts).withSplitSmallLayers(true));
                    assertArrayEquals(y, inference.forward(x).toArray(), what + ", inference build");
                    long perPass = Allocations.perCallOnceCompiled(50, 64, i -> inference.forward(x));
                    assertTrue(perPass < 64, what + ": a forward by channels still allocated " + perPass + " bytes on the heap");
                }
            }
        }
    }

    /**
     * Whole models at batch 1 on 2 threads against 1: every layer in turn (convolutions of each
     * lowering they use, with the batch norms and activations fused into them, residual sums,
     * activations, pooling, the classifier).
     */
    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"resnet18, 64", "mobilenet_v2, 96", "vgg_small, 32", "lenet5, 28", "googlenet, 96"})
    void modelsAtBatchOneOnTwoThreadsGiveTheBitsOfOne(Models.Name name, int size) {
        try (Arena arena = Arena.ofShared()) {
            Gemm gemm = GemmBackend.defaultGemm();
            int channels = name.inputShape()[0];
            Shape in = Shape.of(1, channels, size, size);
            Layer one = Models.byName(name, 10, channels, gemm);
            one.build(in, arena, BuildOptions.inference().withThreads(1));
            ConvFusionTest.randomise(one, 12); // batch norms that change their input, so a skipped fused one shows
            Layer two = Models.byName(name, 10, channels, gemm);
            two.build(in, arena, BuildOptions.inference().withThreads(2).sharingWith(one));
            Tensor x = GradientCheck.random(arena, 4, in.dims());
            float[] expected = one.forward(x).toArray();
            float[] first = two.forward(x).toArray();
            // Bitwise here with OpenBLAS's AVX-512 kernels; other kernels may round a GEMM of fewer rows differently.
            assertClose(expected, first, two.outputShape(), 1e-5, 1e-6, name + " at " + size);
            assertArrayEquals(first, two.forward(x).toArray(), name + " at " + size + ", second pass");
        }
    }
}
