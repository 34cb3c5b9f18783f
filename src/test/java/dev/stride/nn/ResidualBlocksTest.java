package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ResNet's blocks against the same layers composed by hand (the main path and the shortcut as
 * Sequentials with the block's weights, joined as relu(main + shortcut) in the test), in training
 * mode: the same outputs, input gradients and parameter gradients. The joining itself passes the
 * finite-difference check in BlocksTest; the layers pass theirs on their own; the PyTorch
 * basic_block cases check the whole. (A finite-difference check of a block with BN and ReLU fails
 * on the checker's side: one weight moves a whole channel across ReLU's kink at many points.)
 */
class ResidualBlocksTest {
    private static final Gemm GEMM = Backends.all().get(0);

    private static Conv2d conv(int in, int out, int k, int stride) {
        return new Conv2d(Conv2dSpec.of(in, out, k, stride, k / 2).withBias(false).withFloor(true), GEMM);
    }

    /** Builds the block and the hand-made paths, gives them the same weights, and compares a training step. */
    private static void matchesItsPaths(ResidualBlock block, Sequential main, Sequential shortcut, boolean relu, int... dims) {
        try (Arena arena = Arena.ofConfined()) {
            Shape in = Shape.of(dims);
            block.build(in, arena, BuildOptions.training().withThreads(1));
            main.build(in, arena, BuildOptions.training().withThreads(1));
            if (shortcut != null) {
                shortcut.build(in, arena, BuildOptions.training().withThreads(1));
            }
            Init.heNormal(3).apply(block.parameters());
            List<Tensor> mine = new ArrayList<>(block.state().values());
            List<Tensor> theirs = new ArrayList<>(main.state().values());
            if (shortcut != null) {
                theirs.addAll(shortcut.state().values());
            }
            assertEquals(theirs.size(), mine.size());
            for (int i = 0; i < mine.size(); i++) {
                theirs.get(i).copyFrom(mine.get(i));
            }
            Tensor x = GradientCheck.random(arena, 4, dims);
            float[] y = block.forward(x).toArray();
            float[] a = main.forward(x).toArray();
            float[] b = shortcut == null ? x.toArray() : shortcut.forward(x).toArray();
            float[] expected = new float[y.length];
            for (int i = 0; i < y.length; i++) {
                expected[i] = relu ? Math.max(a[i] + b[i], 0f) : a[i] + b[i];
            }
            assertClose(expected, Tensor.of(arena, y, y.length), 1e-6, 1e-6);

            Tensor dy = GradientCheck.random(arena, 5, block.outputShape().dims());
            float[] d = dy.toArray();
            for (int i = 0; i < d.length; i++) {
                d[i] = relu && y[i] <= 0 ? 0f : d[i];
            }
            float[] dx = block.backward(dy, true).toArray();
            Tensor dSum = Tensor.of(arena, d, block.outputShape().dims());
            float[] dMain = main.backward(dSum, true).toArray();
            float[] dShort = shortcut == null ? d : shortcut.backward(dSum, true).toArray();
            float[] dxExpected = new float[dx.length];
            for (int i = 0; i < dx.length; i++) {
                dxExpected[i] = dMain[i] + dShort[i];
            }
            assertClose(dxExpected, Tensor.of(arena, dx, dx.length), 1e-5, 1e-6);
            List<Parameter> handParams = new ArrayList<>(main.parameters());
            if (shortcut != null) {
                handParams.addAll(shortcut.parameters());
            }
            for (int i = 0; i < handParams.size(); i++) {
                assertClose(handParams.get(i).grad().toArray(), block.parameters().get(i).grad(), 1e-5, 1e-6);
            }
        }
    }

    @Test
    void basicBlocksAreTheirPathsJoined() {
        matchesItsPaths(new BasicBlock(4, 4, 1, GEMM),
                new Sequential(conv(4, 4, 3, 1), new BatchNorm2d(4), new Relu(), conv(4, 4, 3, 1), new BatchNorm2d(4)),
                null, true, 2, 4, 6, 6);
        matchesItsPaths(new BasicBlock(4, 6, 2, GEMM),
                new Sequential(conv(4, 6, 3, 2), new BatchNorm2d(6), new Relu(), conv(6, 6, 3, 1), new BatchNorm2d(6)),
                new Sequential(conv(4, 6, 1, 2), new BatchNorm2d(6)), true, 2, 4, 7, 7);
        matchesItsPaths(new BasicBlock(4, 4, 1, 2, GEMM),
                new Sequential(conv(4, 4, 3, 1), new BatchNorm2d(4), new Relu(), conv(4, 4, 3, 1), new BatchNorm2d(4),
                        new SqueezeExcitation(4, 2, GEMM)),
                null, true, 2, 4, 5, 5);
    }

    @Test
    void bottleneckAndCifarBasicBlocksAreTheirPathsJoined() {
        matchesItsPaths(new Bottleneck(8, 2, 2, GEMM),
                new Sequential(conv(8, 2, 1, 1), new BatchNorm2d(2), new Relu(), conv(2, 2, 3, 2), new BatchNorm2d(2), new Relu(),
                        conv(2, 8, 1, 1), new BatchNorm2d(8)),
                new Sequential(conv(8, 8, 1, 2), new BatchNorm2d(8)), true, 2, 8, 6, 6);
        matchesItsPaths(BasicBlock.cifar(2, 4, 2, GEMM),
                new Sequential(conv(2, 4, 3, 2), new BatchNorm2d(4), new Relu(), conv(4, 4, 3, 1), new BatchNorm2d(4)),
                new Sequential(new ChannelPadShortcut(2, 4)), true, 2, 2, 6, 6);
    }

    @Test
    void invertedResidualsAreTheirPathsJoinedWithoutAReluAfter() {
        matchesItsPaths(new InvertedResidual(4, 4, 1, 6, GEMM),
                new Sequential(new Sequential(InvertedResidual.convBnRelu6(4, 24, 1, 1, 1, GEMM),
                        InvertedResidual.convBnRelu6(24, 24, 3, 1, 24, GEMM),
                        new Conv2d(Conv2dSpec.of(24, 4, 1, 1, 0).withBias(false), GEMM), new BatchNorm2d(4))),
                null, false, 2, 4, 5, 5);
        try (Arena arena = Arena.ofConfined()) {
            InvertedResidual strided = new InvertedResidual(4, 6, 2, 1, GEMM);
            strided.build(Shape.of(1, 4, 6, 6), arena);
            assertEquals(Shape.of(1, 6, 3, 3), strided.outputShape());
            assertEquals(List.of("conv.0.0.weight", "conv.0.1.weight", "conv.0.1.bias", "conv.1.weight", "conv.2.weight", "conv.2.bias"),
                    strided.parameters().stream().map(Parameter::name).toList());
        }
    }

    /** Split over 3 threads (uneven parts), a block gives the outputs of 1 thread, bit for bit, and the same gradients. */
    @Test
    void threadsSplitABlockWithTheSameResults() {
        try (Arena arena = Arena.ofShared()) {
            BasicBlock one = new BasicBlock(4, 6, 2, GEMM);
            BasicBlock three = new BasicBlock(4, 6, 2, GEMM);
            one.build(Shape.of(5, 4, 8, 8), arena, BuildOptions.training().withThreads(1));
            three.build(Shape.of(5, 4, 8, 8), arena, BuildOptions.training().withThreads(3).withSplitSmallLayers(true));
            Init.heNormal(2).apply(one.parameters());
            List<Tensor> a = new ArrayList<>(one.state().values());
            List<Tensor> b = new ArrayList<>(three.state().values());
            for (int i = 0; i < a.size(); i++) {
                b.get(i).copyFrom(a.get(i));
            }
            Tensor x = GradientCheck.random(arena, 3, 5, 4, 8, 8);
            assertClose(one.forward(x).toArray(), three.forward(x), 0, 0);
            Tensor dy = GradientCheck.random(arena, 4, 5, 6, 4, 4);
            assertClose(one.backward(dy, true).toArray(), three.backward(dy, true), 1e-6, 1e-6);
            for (int i = 0; i < one.parameters().size(); i++) {
                assertClose(one.parameters().get(i).grad().toArray(), three.parameters().get(i).grad(), 1e-5, 1e-6);
            }
        }
    }

    @Test
    void blockNamesAreTorchvisions() {
        try (Arena arena = Arena.ofConfined()) {
            BasicBlock projected = new BasicBlock(4, 6, 2, GEMM);
            projected.build(Shape.of(1, 4, 6, 6), arena);
            assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
                    "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"),
                    projected.parameters().stream().map(Parameter::name).toList());
            BasicBlock cifar = BasicBlock.cifar(2, 4, 2, GEMM);
            cifar.build(Shape.of(1, 2, 6, 6), arena);
            assertTrue(cifar.parameters().stream().noneMatch(p -> p.name().startsWith("shortcut")), "option A has no parameters");
        }
    }

    @Test
    void zeroInitResidualsZeroesTheLastNormOfEveryBlockOnly() {
        try (Arena arena = Arena.ofConfined()) {
            Layer model = Models.byName(Models.Name.resnet20, 10, 3, GEMM);
            model.build(Shape.of(1, 3, 32, 32), arena, BuildOptions.inference().withThreads(1));
            ResNets.zeroInitResiduals(model);
            int zeroed = 0;
            for (Parameter p : model.parameters()) {
                float first = p.value().toArray()[0];
                if (p.name().endsWith("bn2.weight")) {
                    assertEquals(0f, first, p.name());
                    zeroed++;
                } else if (p.name().endsWith("bn1.weight")) {
                    assertEquals(1f, first, p.name());
                }
            }
            assertEquals(9, zeroed);
        }
    }
}
