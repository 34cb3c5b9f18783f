package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Allocations;
import dev.stride.testing.Backends;
import dev.stride.testing.DirectConv;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Grouped and depthwise convolutions beyond the oracle check in {@link Conv2dTest}: threads,
 * finite differences, the parameters' shapes and counts, errors, the policy's choice, inference
 * builds and allocation.
 */
class GroupedConvTest {
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-4;
    private static final Gemm GEMM = Backends.all().get(0);

    private static ConvPolicy policy(ConvPolicy.Lowering lowering) {
        return ConvPolicy.defaults().withDirectDepthwise(lowering == ConvPolicy.Lowering.DEPTHWISE);
    }

    /** Each grouped geometry with the GEMM per group on every backend, and the direct loops where it is depthwise. */
    static Stream<Arguments> geometriesAndLowerings() {
        return Arrays.stream(ConvCase.grouped()).flatMap(c -> Stream.concat(
                Backends.all().stream().map(g -> Arguments.of(c, g, ConvPolicy.Lowering.GROUPED)),
                c.spec().depthwise() ? Stream.of(Arguments.of(c, GEMM, ConvPolicy.Lowering.DEPTHWISE)) : Stream.empty()));
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("geometriesAndLowerings")
    void gradientsMatchFiniteDifferences(ConvCase cc, Gemm gemm, ConvPolicy.Lowering lowering) {
        try (Arena arena = Arena.ofConfined()) {
            Conv2d conv = Conv2dTest.built(cc, gemm, policy(lowering), arena, new Workspace(arena), 11);
            GradientCheck.checkLayer(conv, GradientCheck.random(arena, 12, cc.n(), cc.c(), cc.h(), cc.w()), 13);
        }
    }

    static Stream<Arguments> threadCases() {
        return Stream.of(5, 2).flatMap(batch -> Stream.of(
                        ConvCase.of("depthwise s1, batch " + batch, batch, 4, 9, 8, 4, 3, 3, 1, 1).grouped(4),
                        ConvCase.of("depthwise s2 K = 2C, batch " + batch, batch, 3, 9, 9, 6, 3, 3, 2, 1).grouped(3),
                        ConvCase.of("groups 2, batch " + batch, batch, 4, 7, 6, 6, 3, 3, 1, 1).grouped(2)))
                .flatMap(c -> c.spec().depthwise()
                        ? Stream.of(Arguments.of(c, ConvPolicy.Lowering.DEPTHWISE), Arguments.of(c, ConvPolicy.Lowering.GROUPED))
                        : Stream.of(Arguments.of(c, ConvPolicy.Lowering.GROUPED)));
    }

    /**
     * Split over 3 threads (uneven parts, and an empty one for batch 2): the oracle's outputs and
     * gradients, parameter gradients summed over two backward passes, within float rounding of one
     * thread, and bit for bit the same when run again (the part sums are added in part order).
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("threadCases")
    void threadsSplitTheBatchWithTheSameResults(ConvCase cc, ConvPolicy.Lowering lowering) {
        try (Arena arena = Arena.ofShared()) {
            Tensor x = GradientCheck.random(arena, 2, cc.n(), cc.c(), cc.h(), cc.w());
            Tensor dy = GradientCheck.random(arena, 3, cc.n(), cc.k(), cc.outH(), cc.outW());
            DirectConv oracle = cc.oracle(cc.n());
            float[][] first = null;
            for (int threads : new int[] {3, 3, 1}) {
                Conv2d conv = Conv2dTest.built(cc, GEMM, policy(lowering), arena, new Workspace(arena, threads), 5);
                assertEquals(lowering, conv.lowering());
                float[] w = conv.weight().value().toArray();
                Tensor y = conv.forward(x);
                assertClose(oracle.forward(x.toArray(), w, conv.bias().value().toArray()), y, RTOL, ATOL);
                float[] out = y.toArray();
                Tensor dx = conv.backward(dy, true);
                assertClose(oracle.inputGrad(dy.toArray(), w), dx, RTOL, ATOL);
                float[] inGrad = dx.toArray();
                conv.backward(dy, false);
                assertClose(scaled(oracle.weightGrad(dy.toArray(), x.toArray()), 2), conv.weight().grad(), RTOL, ATOL);
                assertClose(scaled(oracle.biasGrad(dy.toArray()), 2), conv.bias().grad(), RTOL, ATOL);
                float[][] results = {out, inGrad, conv.weight().grad().toArray(), conv.bias().grad().toArray()};
                if (first == null) {
                    first = results;
                } else if (threads == 3) {
                    for (int i = 0; i < results.length; i++) {
                        assertArrayEquals(first[i], results[i], "a second run on 3 threads differs in result " + i);
                    }
                }
            }
        }
    }

    @Test
    void parametersHaveTheGroupedShapesCountsAndFans() {
        try (Arena arena = Arena.ofConfined()) {
            Conv2dSpec dw = Conv2dSpec.of(96, 96, 3, 1, 1).withGroups(96);
            assertTrue(dw.depthwise());
            assertEquals(960, dw.parameterCount());
            assertEquals("(3*3*96/96)*96 + 96 = 960", dw.explainParameters());
            Conv2dSpec g2 = new Conv2dSpec(6, 4, 3, 2, 1, 1, false, false).withGroups(2);
            assertFalse(g2.depthwise());
            assertEquals((3 * 3 * 2) * 4, g2.parameterCount());
            assertEquals("(3*2*6/2)*4 = 72", g2.explainParameters());
            assertEquals(1, Conv2dSpec.of(3, 10, 5, 1, 2).groups());
            assertEquals("(5*5*3)*10 + 10 = 760", Conv2dSpec.of(3, 10, 5, 1, 2).explainParameters());

            Conv2d conv = new Conv2d(Conv2dSpec.of(8, 16, 3, 2, 1).withGroups(8).withFloor(true), GEMM);
            conv.build(Shape.of(2, 8, 10, 10), arena, new Workspace(arena));
            assertEquals(Shape.of(16, 1, 3, 3), conv.weight().value().shape());
            assertEquals(9, conv.weight().fanIn());
            assertEquals(16 * 9, conv.weight().fanOut(), "PyTorch's fan-out: weight dim 0 times the kernel");
            assertEquals(16 * 9 + 16, conv.parameterCount());
            assertEquals("Conv2d(8->16, 3x3, stride 2, pad 1, groups 8, floor)", conv.describe());
            assertTrue(conv.explain(Shape.of(2, 8, 10, 10)).endsWith("-> 5x5x16; parameters (3*3*8/8)*16 + 16 = 160"),
                    conv.explain(Shape.of(2, 8, 10, 10)));
        }
    }

    @Test
    void groupsThatDoNotDivideBothChannelCountsNameTheLayerAndTheCounts() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential inputs = new Sequential(new Conv2d(Conv2dSpec.of(3, 6, 3, 1, 1)),
                    new Conv2d(Conv2dSpec.of(6, 8, 3, 1, 1).withGroups(4)));
            ShapeException e = assertThrows(ShapeException.class, () -> inputs.build(Shape.of(1, 3, 8, 8), arena));
            assertTrue(e.getMessage().contains("layer 1 (Conv2d)") && e.getMessage().contains("groups 4")
                    && e.getMessage().contains("6 input channels") && e.getMessage().contains("8 output channels"), e.getMessage());
            Sequential outputs = new Sequential(new Conv2d(Conv2dSpec.of(6, 9, 3, 1, 1).withGroups(2)));
            e = assertThrows(ShapeException.class, () -> outputs.build(Shape.of(1, 6, 8, 8), arena));
            assertTrue(e.getMessage().contains("layer 0 (Conv2d)") && e.getMessage().contains("9 output channels"), e.getMessage());
            IllegalStateException count = assertThrows(IllegalStateException.class,
                    () -> Conv2dSpec.of(6, 9, 3, 1, 1).withGroups(2).parameterCount());
            assertTrue(count.getMessage().contains("groups 2"), count.getMessage());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(6, 6, 3, 1, 1).withGroups(0));
            assertTrue(zero.getMessage().contains("groups"), zero.getMessage());
        }
    }

    /** Grouped layers never take Winograd or the row-shift path, even where those would apply with one group. */
    @Test
    void thePolicyPicksTheGroupedLowerings() {
        Gemm gemm = GEMM;
        ConvPolicy defaults = ConvPolicy.defaults();
        assertEquals(ConvPolicy.Lowering.WINOGRAD, defaults.choose(Conv2dSpec.of(64, 64, 3, 1, 1), gemm));
        assertEquals(ConvPolicy.Lowering.GROUPED, defaults.choose(Conv2dSpec.of(64, 64, 3, 1, 1).withGroups(2), gemm));
        assertEquals(ConvPolicy.Lowering.DEPTHWISE, defaults.choose(Conv2dSpec.of(64, 64, 3, 1, 1).withGroups(64), gemm));
        assertEquals(ConvPolicy.Lowering.DEPTHWISE, defaults.choose(Conv2dSpec.of(32, 64, 3, 2, 1).withGroups(32), gemm));
        assertEquals(ConvPolicy.Lowering.GROUPED, defaults.withDirectDepthwise(false)
                .choose(Conv2dSpec.of(64, 64, 3, 1, 1).withGroups(64), gemm));
        ConvPolicy shift = defaults.withShift(ConvPolicy.Shift.ALWAYS);
        assertEquals(ConvPolicy.Lowering.SHIFT, shift.choose(Conv2dSpec.of(6, 16, 5, 1, 0), gemm));
        assertEquals(ConvPolicy.Lowering.GROUPED, shift.choose(Conv2dSpec.of(6, 16, 5, 1, 0).withGroups(2), gemm));
        assertEquals(ConvPolicy.Lowering.IM2COL, ConvPolicy.im2colOnly().choose(Conv2dSpec.of(6, 16, 5, 1, 0), gemm));
    }

    /**
     * An inference build of a depthwise layer holds none of backward's memory: in the arena no
     * gradients, part copies or input gradient, on the heap none of the direct loops' gradient arrays
     * (two planes per part). Its forward is the training build's.
     */
    @Test
    void anInferenceBuildOfADepthwiseLayerKeepsNothingForBackward() {
        Shape in = Shape.of(4, 16, 32, 32);
        Conv2dSpec spec = Conv2dSpec.of(16, 16, 3, 1, 1).withGroups(16);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] arenaBytes = new long[2];
        long[] heapBytes = new long[2];
        float[][] outputs = new float[2][];
        List<BuildOptions> builds = List.of(BuildOptions.training().withThreads(2), BuildOptions.inference().withThreads(2));
        for (int b = 0; b < 2; b++) {
            try (CountingArena arena = new CountingArena()) {
                Conv2d conv = new Conv2d(spec, GEMM);
                long before = mx.getCurrentThreadAllocatedBytes();
                conv.build(in, arena, builds.get(b));
                heapBytes[b] = mx.getCurrentThreadAllocatedBytes() - before;
                arenaBytes[b] = arena.bytes();
                assertEquals(ConvPolicy.Lowering.DEPTHWISE, conv.lowering());
                for (Parameter p : conv.parameters()) {
                    p.value().copyFrom(GradientCheck.random(arena, 9, p.value().shape().dims()));
                }
                outputs[b] = conv.forward(GradientCheck.random(arena, 10, in.dims())).toArray();
            }
        }
        assertArrayEquals(outputs[0], outputs[1]);
        // Training adds the input gradient and the parameter gradients with each part's copy of them.
        long parameterBytes = (16 * 9 + 16) * Float.BYTES;
        assertEquals(in.size() * Float.BYTES + 3 * parameterBytes, arenaBytes[0] - arenaBytes[1]);
        // Per part the padded gradient plane (34*34 floats after 2*34 + 2 zeros) and the phased input gradient (34*34).
        long backwardArrays = 2L * (70 + 34 * 34 + 34 * 34) * Float.BYTES;
        assertTrue(heapBytes[1] + backwardArrays < heapBytes[0], "heap: inference build " + heapBytes[1] + ", training " + heapBytes[0]);
    }

    static Stream<Arguments> allocationCases() {
        return Stream.of(
                Arguments.of(ConvCase.of("depthwise 3x3 s1", 2, 8, 24, 24, 8, 3, 3, 1, 1).grouped(8), ConvPolicy.Lowering.DEPTHWISE),
                Arguments.of(ConvCase.of("depthwise 3x3 s2", 2, 8, 24, 24, 16, 3, 3, 2, 1).floored().grouped(8),
                        ConvPolicy.Lowering.DEPTHWISE),
                Arguments.of(ConvCase.of("groups 2", 2, 8, 12, 12, 8, 3, 3, 1, 1).grouped(2), ConvPolicy.Lowering.GROUPED));
    }

    /** Forward and backward allocate nothing once compiled, on one thread, with the pure-Java GEMM (no slices of OpenBLAS's). */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("allocationCases")
    void forwardAndBackwardAllocateNothingOnceCompiled(ConvCase cc, ConvPolicy.Lowering lowering) {
        try (Arena arena = Arena.ofShared()) {
            Conv2d conv = Conv2dTest.built(cc, GemmBackend.java(), policy(lowering), arena, new Workspace(arena, 1), 7);
            Tensor x = GradientCheck.random(arena, 1, cc.n(), cc.c(), cc.h(), cc.w());
            Tensor dy = GradientCheck.random(arena, 2, cc.n(), cc.k(), cc.outH(), cc.outW());
            long perPass = Allocations.perCallOnceCompiled(50, 64, i -> {
                conv.forward(x);
                conv.backward(dy, true);
            });
            assertTrue(perPass < 64, cc + ": a forward and backward pass still allocated " + perPass + " bytes");
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
