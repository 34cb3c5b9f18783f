package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blocks that join branches: concatenation, squeeze-and-excitation, residual sums; and their helpers. */
class BlocksTest {
    private static final Gemm GEMM = Backends.all().get(0);

    /** conv3x3 - tanh - conv3x3 on the main path, like a basic block without batch norm. */
    static final class TestResidual extends ResidualBlock {
        TestResidual(int in, int out, int stride, boolean relu) {
            Conv2d conv1 = addChild("conv1", new Conv2d(Conv2dSpec.of(in, out, 3, stride, 1).withFloor(true), GEMM));
            Tanh act = addChild("act", new Tanh());
            Conv2d conv2 = addChild("conv2", new Conv2d(Conv2dSpec.of(out, out, 3, 1, 1), GEMM));
            Layer shortcut = in == out && stride == 1 ? null
                    : addChild("downsample", new Conv2d(Conv2dSpec.of(in, out, 1, stride, 0).withFloor(true), GEMM));
            paths(List.of(conv1, act, conv2), shortcut, relu);
        }

        @Override
        public String describe() {
            return "TestResidual";
        }
    }

    private static Tensor built(Layer layer, Arena arena, long seed, int... dims) {
        layer.build(Shape.of(dims), arena);
        Init.xavier(seed).apply(layer.parameters());
        for (Parameter p : layer.parameters()) {
            if (p.name().endsWith("bias")) {
                p.value().copyFrom(GradientCheck.random(arena, seed + 7, p.value().shape().dims()));
            }
        }
        return GradientCheck.random(arena, seed + 1, dims);
    }

    @Test
    void concatPutsTheBranchesSideBySideAndSumsTheirGradients() {
        try (Arena arena = Arena.ofConfined()) {
            SequencedMap<String, Layer> branches = new LinkedHashMap<>();
            branches.put("branch1", new Conv2d(Conv2dSpec.of(3, 2, 1, 1, 0), GEMM));
            branches.put("branch2", new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1), GEMM), new Tanh()));
            Concat concat = Concat.of(branches);
            Tensor x = built(concat, arena, 1, 2, 3, 5, 5);
            assertEquals(Shape.of(2, 6, 5, 5), concat.outputShape());
            assertEquals(List.of("branch1.weight", "branch1.bias", "branch2.0.weight", "branch2.0.bias"),
                    List.copyOf(concat.state().keySet()));
            float[] y = concat.forward(x).toArray();
            float[] a = branches.get("branch1").forward(x).toArray();
            float[] b = branches.get("branch2").forward(x).toArray();
            for (int n = 0; n < 2; n++) {
                for (int i = 0; i < 2 * 25; i++) {
                    assertEquals(a[n * 50 + i], y[n * 150 + i]);
                }
                for (int i = 0; i < 4 * 25; i++) {
                    assertEquals(b[n * 100 + i], y[n * 150 + 50 + i]);
                }
            }
            GradientCheck.checkLayer(concat, x, 2);
        }
    }

    @Test
    void branchesThatDisagreeAreAClearError() {
        SequencedMap<String, Layer> branches = new LinkedHashMap<>();
        branches.put("branch1", new Conv2d(Conv2dSpec.of(3, 2, 1, 1, 0), GEMM));
        branches.put("branch2", new Conv2d(Conv2dSpec.of(3, 2, 3, 2, 1).withFloor(true), GEMM));
        Sequential model = new Sequential(Concat.of(branches));
        try (Arena arena = Arena.ofConfined()) {
            ShapeException e = assertThrows(ShapeException.class, () -> model.build(Shape.of(1, 3, 8, 8), arena));
            assertTrue(e.getMessage().contains("layer 0 (Concat)") && e.getMessage().contains("'branch1' gives [1, 2, 8, 8]")
                    && e.getMessage().contains("'branch2' gives [1, 2, 4, 4]"), e.getMessage());
            Sequential residual = new Sequential(new TestResidual(3, 3, 1, true), new TestResidual(3, 4, 1, true));
            residual.build(Shape.of(1, 3, 8, 8), arena);
            TestResidual bad = new TestResidual(3, 3, 1, true);
            bad.paths(List.of(bad.children().get("conv1")), new ChannelPadShortcut(2, 3), true);
            e = assertThrows(ShapeException.class, () -> new Sequential(bad).outputShape(Shape.of(1, 3, 8, 8)));
            assertTrue(e.getMessage().contains("branches disagree") && e.getMessage().contains("[1, 3, 8, 8]")
                    && e.getMessage().contains("[1, 3, 4, 4]"), e.getMessage());
        }
    }

    @Test
    void residualBlocksMatchTheirPathsAndPassTheGradientCheck() {
        try (Arena arena = Arena.ofConfined()) {
            for (int[] geometry : new int[][] {{3, 3, 1}, {3, 5, 2}}) {
                TestResidual block = new TestResidual(geometry[0], geometry[1], geometry[2], true);
                Tensor x = built(block, arena, 3, 2, geometry[0], 6, 6);
                float[] y = block.forward(x).toArray();
                Layer conv1 = block.children().get("conv1");
                float[] main = block.children().get("conv2").forward(block.children().get("act").forward(conv1.forward(x))).toArray();
                float[] shortcut = geometry[2] == 1 ? x.toArray() : block.children().get("downsample").forward(x).toArray();
                for (int i = 0; i < y.length; i++) {
                    assertEquals(Math.max(main[i] + shortcut[i], 0f), y[i], 1e-6f);
                }
                GradientCheck.checkLayer(block, x, 4);
            }
            TestResidual linear = new TestResidual(2, 2, 1, false);
            GradientCheck.checkLayer(linear, built(linear, arena, 5, 1, 2, 5, 5), 6);
            TestResidual pathOnly = new TestResidual(2, 3, 2, false);
            pathOnly.mainPathOnly(List.of(pathOnly.children().get("conv1"), pathOnly.children().get("act"), pathOnly.children().get("conv2")));
            Tensor z = built(pathOnly, arena, 6, 1, 2, 6, 6);
            float[] alone = pathOnly.children().get("conv2").forward(pathOnly.children().get("act")
                    .forward(pathOnly.children().get("conv1").forward(z))).toArray();
            assertClose(alone, pathOnly.forward(z), 0, 0);
            GradientCheck.checkLayer(pathOnly, z, 7);
        }
    }

    @Test
    void squeezeExcitationScalesEachChannelByItsGate() {
        try (Arena arena = Arena.ofConfined()) {
            SqueezeExcitation se = new SqueezeExcitation(4, 2, GEMM);
            Tensor x = built(se, arena, 8, 2, 4, 3, 3);
            assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(se.state().keySet()));
            float[] xs = x.toArray();
            float[] w1 = se.state().get("fc1.weight").toArray(), b1 = se.state().get("fc1.bias").toArray();
            float[] w2 = se.state().get("fc2.weight").toArray(), b2 = se.state().get("fc2.bias").toArray();
            float[] expected = new float[xs.length];
            for (int n = 0; n < 2; n++) {
                double[] mean = new double[4];
                for (int c = 0; c < 4; c++) {
                    for (int i = 0; i < 9; i++) {
                        mean[c] += xs[(n * 4 + c) * 9 + i] / 9.0;
                    }
                }
                double[] h = new double[2];
                for (int j = 0; j < 2; j++) {
                    h[j] = b1[j];
                    for (int c = 0; c < 4; c++) {
                        h[j] += w1[j * 4 + c] * mean[c];
                    }
                    h[j] = Math.max(h[j], 0);
                }
                for (int c = 0; c < 4; c++) {
                    double z = b2[c];
                    for (int j = 0; j < 2; j++) {
                        z += w2[c * 2 + j] * h[j];
                    }
                    double s = 1 / (1 + Math.exp(-z));
                    for (int i = 0; i < 9; i++) {
                        expected[(n * 4 + c) * 9 + i] = (float) (xs[(n * 4 + c) * 9 + i] * s);
                    }
                }
            }
            assertClose(expected, se.forward(x), 1e-5, 1e-6);
            GradientCheck.checkLayer(se, x, 9);
        }
    }

    @Test
    void channelPadShortcutSubsamplesAndPadsChannels() {
        try (Arena arena = Arena.ofConfined()) {
            ChannelPadShortcut pad = new ChannelPadShortcut(2, 6);
            Tensor x = built(pad, arena, 10, 1, 2, 4, 5);
            Tensor y = pad.forward(x);
            assertEquals(Shape.of(1, 6, 2, 3), y.shape());
            float[] xs = x.toArray(), ys = y.toArray();
            for (int c = 0; c < 6; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        float want = c < 2 || c >= 4 ? 0f : xs[(c - 2) * 20 + 2 * i * 5 + 2 * j];
                        assertEquals(want, ys[c * 6 + i * 3 + j]);
                    }
                }
            }
            GradientCheck.checkLayer(pad, x, 11);
        }
    }

    @Test
    void adaptiveAveragePoolingUsesPytorchsWindows() {
        try (Arena arena = Arena.ofConfined()) {
            AdaptiveAvgPool2d pool = new AdaptiveAvgPool2d(3, 2);
            pool.build(Shape.of(1, 1, 5, 5), arena);
            float[] v = new float[25];
            for (int i = 0; i < 25; i++) {
                v[i] = i;
            }
            Tensor x = Tensor.of(arena, v, 1, 1, 5, 5);
            // rows [0, 2), [1, 4), [3, 5); columns [0, 3), [2, 5)
            assertClose(new float[] {3.5f, 5.5f, 11f, 13f, 18.5f, 20.5f}, pool.forward(x), 1e-6, 0);
            GradientCheck.checkLayer(pool, GradientCheck.random(arena, 12, 1, 1, 5, 5), 13);

            AdaptiveAvgPool2d global = new AdaptiveAvgPool2d(1, 1);
            GlobalAvgPool reference = new GlobalAvgPool();
            Tensor z = GradientCheck.random(arena, 14, 2, 3, 4, 4);
            global.build(z.shape(), arena);
            reference.build(z.shape(), arena);
            assertClose(reference.forward(z).toArray(), global.forward(z), 1e-6, 1e-7);
        }
    }
}
