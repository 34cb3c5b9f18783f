package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Allocations;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ReLU or ReLU6 fused into the batch norm before it in training builds ({@link ConvFusion},
 * {@link BatchNormBase#fuseActivation}): the batch norm clamps its output and applies the
 * activation's gradient in its own passes, so fused and unfused builds with the same parameters
 * must agree to the bit on the output, the running statistics, every parameter gradient and the
 * input gradient, in batch statistics and in evaluation mode.
 */
class BatchNormFusionTest {
    private static final Gemm GEMM = GemmBackend.defaultGemm();

    @ParameterizedTest(name = "{0} at {1}x{1}, batch {2}, {3} threads")
    @CsvSource({"resnet20, 16, 3, 1", "resnet20, 8, 4, 2", "mobilenet_v2, 32, 2, 1", "mobilenet_v2, 32, 3, 2",
            "vgg11_bn, 32, 2, 2", "googlenet, 64, 2, 1"})
    void fusedAndUnfusedTrainingAgreeToTheBit(Models.Name name, int size, int batch, int threads) {
        try (Arena arena = Arena.ofShared()) {
            Shape in = Shape.of(batch, 3, size, size);
            BuildOptions options = BuildOptions.training().withThreads(threads).withSplitSmallLayers(true);
            Layer fused = Models.byName(name, 10, 3, GEMM);
            fused.build(in, arena, options.withFusion(true));
            Layer unfused = Models.byName(name, 10, 3, GEMM);
            unfused.build(in, arena, options.withFusion(false));
            ConvFusionTest.randomise(fused, 21);
            for (Map.Entry<String, Tensor> e : fused.state().entrySet()) {
                unfused.state().get(e.getKey()).copyFrom(e.getValue().toArray());
            }
            List<Layer> taken = ConvFusionTest.ofType(fused, Relu.class, Relu6.class).stream().filter(Layer::passesThrough).toList();
            assertTrue(!taken.isEmpty(), name + ": no activation fused");

            Tensor x = GradientCheck.random(arena, 22, batch, 3, size, size);
            Tensor dy = GradientCheck.random(arena, 23, batch, 10);
            for (boolean training : new boolean[] {true, false}) {
                fused.setTraining(training);
                unfused.setTraining(training);
                for (Parameter p : fused.parameters()) {
                    p.zeroGrad();
                }
                for (Parameter p : unfused.parameters()) {
                    p.zeroGrad();
                }
                String mode = name + (training ? ", batch statistics" : ", evaluation mode");
                assertArrayEquals(unfused.forward(x).toArray(), fused.forward(x).toArray(), mode + ": output");
                float[] dxUnfused = unfused.backward(dy, true).toArray();
                assertArrayEquals(dxUnfused, fused.backward(dy, true).toArray(), mode + ": input gradient");
                List<Parameter> a = unfused.parameters();
                List<Parameter> b = fused.parameters();
                assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(a.get(i).grad().toArray(), b.get(i).grad().toArray(), mode + ": gradient of parameter " + i);
                }
                for (Map.Entry<String, Tensor> e : unfused.state().entrySet()) {
                    assertArrayEquals(e.getValue().toArray(), fused.state().get(e.getKey()).toArray(), mode + ": " + e.getKey());
                }
            }
        }
    }

    /** Only an activation right after a batch norm fuses in training; the tree and its names stay. */
    @Test
    void onlyAnActivationRightAfterABatchNormFuses() {
        try (Arena arena = Arena.ofShared()) {
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1), GEMM), new Relu(), new BatchNorm2d(4),
                    new Relu6(), new BatchNorm2d(4));
            model.build(Shape.of(2, 3, 6, 6), arena, BuildOptions.training().withThreads(1));
            List<Layer> layers = List.copyOf(model.children().values());
            assertEquals(List.of(false, false, false, true, false), layers.stream().map(Layer::passesThrough).toList());
            assertEquals(List.of("0", "1", "2", "3", "4"), List.copyOf(model.children().keySet()));
            Tensor x = GradientCheck.random(arena, 1, 2, 3, 6, 6);
            Tensor out = model.forward(x);
            assertNull(model.backward(GradientCheck.random(arena, 2, out.shape().dims()), false));
        }
    }

    /** A fused training pass allocates nothing on the heap once compiled (planes with and without tails). */
    @Test
    void aFusedTrainingPassAllocatesNothingOnceCompiled() {
        try (Arena arena = Arena.ofShared()) {
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(3, 8, 3, 1, 1), GemmBackend.java()), new BatchNorm2d(8),
                    new Relu6(), new Conv2d(Conv2dSpec.of(8, 8, 3, 2, 1).withGroups(8).withFloor(true), GemmBackend.java()), new BatchNorm2d(8),
                    new Relu());
            Shape in = Shape.of(2, 3, 10, 10);
            model.build(in, arena, BuildOptions.training().withThreads(1));
            ConvFusionTest.randomise(model, 8);
            assertTrue(model.children().get("5").passesThrough());
            Tensor x = GradientCheck.random(arena, 9, in.dims());
            Tensor dy = GradientCheck.random(arena, 10, model.outputShape().dims());
            long perPass = Allocations.perCallOnceCompiled(20, 64, i -> {
                model.forward(x);
                model.backward(dy, true);
            });
            assertTrue(perPass < 64, "a fused training pass still allocated " + perPass + " bytes");
        }
    }

    /**
     * A whole MobileNetV2 training pass (50 nested Sequentials, every block's fused BN and ReLU6)
     * allocates nothing once compiled: for-each loops in Sequential's and ResidualBlock's forward
     * kept 32 bytes a composite on the heap until they went by index.
     */
    @Test
    void aMobileNetV2TrainingPassAllocatesNothingOnceCompiled() {
        try (Arena arena = Arena.ofShared()) {
            Layer model = Models.byName(Models.Name.mobilenet_v2, 10, 3, GemmBackend.java());
            model.build(Shape.of(2, 3, 32, 32), arena, BuildOptions.training().withThreads(1));
            ConvFusionTest.randomise(model, 8);
            Tensor x = GradientCheck.random(arena, 9, 2, 3, 32, 32);
            Tensor dy = GradientCheck.random(arena, 10, 2, 10);
            long perPass = Allocations.perCallOnceCompiled(30, 64, i -> {
                model.forward(x);
                model.backward(dy, true);
            });
            assertTrue(perPass < 64, "a MobileNetV2 training pass still allocated " + perPass + " bytes");
        }
    }
}
