package dev.stride.onnx;

import ai.onnxruntime.OrtException;
import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BasicBlock;
import dev.stride.nn.BatchNorm1d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Bottleneck;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.InvertedResidual;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.Parameter;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.nn.Tanh;
import dev.stride.tensor.Shape;
import dev.stride.train.Architecture;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every layer type of dev.stride.nn, exported and run in ONNX Runtime, at awkward geometries. */
class OnnxLayerParityTest {
    private static final Gemm GEMM = GemmBackend.defaultGemm();

    @Test
    void groupedAndDepthwiseConvolutionsWithActivations() throws OrtException {
        Layer model = new Sequential(
                new Conv2d(Conv2dSpec.of(4, 6, 3, 1, 1).withGroups(2), GEMM), new LeakyRelu(0.1f),
                new Conv2d(Conv2dSpec.of(6, 12, 3, 2, 1).withGroups(6).withFloor(true), GEMM), new Elu(0.7f), new Tanh(),
                new Conv2d(Conv2dSpec.of(12, 5, 1, 1, 0).withBias(false), GEMM), new Relu6(),
                new GlobalAvgPool(), new Flatten(), new Linear(5, 3, false, GEMM));
        List<String> ops = OnnxParity.check(model, Shape.of(3, 4, 7, 9), OnnxExportOptions.defaults()).export().operators();
        assertEquals(List.of("Sub", "Div", "Conv", "LeakyRelu", "Conv", "Elu", "Tanh", "Conv", "Clip", "GlobalAveragePool",
                "Flatten", "Gemm", "Softmax"), ops);
    }

    @Test
    void preluMaxoutSiluSigmoidDropoutAndBatchNorm1d() throws OrtException {
        Layer model = new Sequential(
                new Conv2d(Conv2dSpec.of(3, 8, 3, 1, 0), GEMM), new Prelu(8), new Maxout(2), new Silu(), new Sigmoid(),
                new Dropout(0.5f, 3), new Flatten(), new Linear(4 * 4 * 4, 6, true, GEMM), new Prelu(6), new Maxout(3),
                new BatchNorm1d(2), new Relu(), new BatchNorm1d(2));
        List<String> ops = OnnxParity.check(model, Shape.of(2, 3, 6, 6), OnnxExportOptions.defaults()).export().operators();
        assertEquals(List.of("Sub", "Div", "Conv", "PRelu", "Reshape", "ReduceMax", "Sigmoid", "Mul", "Sigmoid", "Flatten",
                "Gemm", "PRelu", "Reshape", "ReduceMax", "BatchNormalization", "Relu", "BatchNormalization", "Softmax"), ops);
    }

    /** Ceil mode with padding, average pooling that counts the padding, flooring, adaptive pooling over equal windows. */
    @Test
    void pooling() throws OrtException {
        Layer model = new Sequential(
                new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1), GEMM),
                new MaxPool2d(PoolSpec.of(3, 2).withPadding(1).withCeil(true)),
                new AvgPool2d(PoolSpec.of(3, 1).withPadding(1)),
                new AvgPool2d(PoolSpec.of(2, 2).withFloor(true)),
                new BatchNorm2d(3),
                new AdaptiveAvgPool2d(3, 1),
                new Flatten());
        // 10x12 -> ceil pool 6x7 -> 6x7 -> floor pool 3x3 -> adaptive 3x1
        List<String> ops = OnnxParity.check(model, Shape.of(2, 2, 10, 12), OnnxExportOptions.defaults()).export().operators();
        assertEquals(List.of("Sub", "Div", "Conv", "MaxPool", "AveragePool", "AveragePool", "BatchNormalization", "AveragePool",
                "Flatten", "Softmax"), ops);
    }

    /** PyTorch's ceil mode drops a last window that would start in the right padding: 5 wide, 3/3 pad 1 gives 2, not 3. */
    @Test
    void ceilModeDropsAWindowStartingInThePadding() throws OrtException {
        Layer model = new Sequential(new MaxPool2d(PoolSpec.of(3, 3).withPadding(1).withCeil(true)), new Flatten());
        OnnxExport export = OnnxParity.check(model, Shape.of(1, 2, 5, 5), OnnxExportOptions.defaults()).export();
        // written with end padding 0 instead of ceil_mode, so ONNX's own formula gives 2x2 as well
        String text = new String(export.bytes(), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("ceil_mode\u0018\u0001"), "ceil_mode 1 left in");
    }

    @Test
    void blocks() throws OrtException {
        for (boolean fold : new boolean[] {false, true}) {
            OnnxParity.check(blocksModel(), Shape.of(2, 3, 11, 11), OnnxExportOptions.defaults().withFoldBatchNorm(fold).withOpset(17));
        }
    }

    private static Layer blocksModel() {
        return new Sequential(
                new Conv2d(Conv2dSpec.of(3, 8, 3, 1, 1), GEMM),
                BasicBlock.cifar(8, 16, 2, GEMM),
                new BasicBlock(16, 16, 1, 4, GEMM),
                new BasicBlock(16, 12, 2, 3, GEMM),
                new Bottleneck(12, 4, 1, GEMM),
                new InvertedResidual(16, 16, 1, 6, GEMM),
                new InvertedResidual(16, 8, 2, 1, GEMM),
                new SqueezeExcitation(8, 2),
                Concat.of(new Sequential(new Conv2d(Conv2dSpec.of(8, 3, 1, 1, 0), GEMM), new Relu()),
                        new MaxPool2d(PoolSpec.of(3, 1).withPadding(1))),
                new GlobalAvgPool(), new Flatten(), new Linear(11, 4, true, GEMM));
    }

    /** Initializers carry the state_dict names, and the metadata what an importer needs to restore the model. */
    @Test
    void namesAndMetadata() throws OrtException {
        Layer model = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1), GEMM), new BatchNorm2d(4), new Relu(),
                new BasicBlock(4, 8, 2, GEMM), new GlobalAvgPool(), new Flatten(), new Linear(8, 2, true, GEMM));
        OnnxParity.Result r = OnnxParity.check(model, Shape.of(1, 3, 8, 8), OnnxExportOptions.defaults());
        String text = new String(r.export().bytes(), StandardCharsets.ISO_8859_1);
        for (String name : model.state().keySet()) {
            assertTrue(name.endsWith("num_batches_tracked") || text.contains(name), name + " is not an initializer name");
        }
        assertTrue(text.contains("3.downsample.0.weight") && text.contains("3.bn1.running_var"));
        assertEquals("a,b", r.metadata().get(OnnxExporter.CLASSES_KEY));
        assertEquals("3,8,8", r.metadata().get(OnnxExporter.INPUT_KEY));
        assertEquals(Architecture.encode(model), r.metadata().get(OnnxExporter.ARCHITECTURE_KEY));
        assertEquals(3, r.metadata().get(OnnxExporter.MEAN_KEY).split(",").length);
    }

    @Test
    void layersWithoutAMappingAreNamed() {
        Layer uneven = new Sequential(new Conv2d(Conv2dSpec.of(1, 2, 3, 1, 1), GEMM), new AdaptiveAvgPool2d(3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> export(uneven, Shape.of(1, 1, 8, 8)));
        assertTrue(e.getMessage().contains("layer 1 (AdaptiveAvgPool2d) has no ONNX mapping for input 8x8 to 3x3"), e.getMessage());

        Layer custom = new Sequential(new Relu(), new Doubling());
        e = assertThrows(IllegalArgumentException.class, () -> export(custom, Shape.of(1, 1, 2, 2)));
        assertTrue(e.getMessage().startsWith("layer 1 (Doubling) has no ONNX mapping"), e.getMessage());
    }

    @Test
    void refusesANormalisationOfOtherChannelsAndOpsetsOutOfRange() {
        Layer model = new Sequential(new Relu());
        try (Arena arena = Arena.ofConfined()) {
            model.build(Shape.of(1, 3, 2, 2), arena, BuildOptions.inference());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExporter.export(model, Normalization.identity(1), Map.of(), OnnxExportOptions.defaults()));
            assertTrue(e.getMessage().contains("the normalisation has 1 channels but the model takes [1, 3, 2, 2]"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new OnnxExportOptions(12, false));
        assertThrows(IllegalArgumentException.class, () -> new OnnxExportOptions(18, false));
    }

    private static void export(Layer model, Shape input) {
        try (Arena arena = Arena.ofConfined()) {
            model.build(input, arena, BuildOptions.inference());
            OnnxExporter.export(model, Normalization.identity(input.dim(1)), Map.of(), OnnxExportOptions.defaults());
        }
    }

    /** A layer Stride's exporter knows nothing of. */
    private static final class Doubling extends Layer {
        @Override
        public Shape outputShape(Shape input) {
            return input;
        }

        @Override
        protected boolean ownsOutput() {
            return false;
        }

        @Override
        protected dev.stride.tensor.Tensor forwardPass(dev.stride.tensor.Tensor x) {
            return x;
        }

        @Override
        public String describe() {
            return "Doubling";
        }
    }
}
