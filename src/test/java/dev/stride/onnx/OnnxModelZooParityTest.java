package dev.stride.onnx;

import ai.onnxruntime.OrtException;
import dev.stride.blas.GemmBackend;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The named models, exported and run in ONNX Runtime, at inputs small enough to take well under a second each. */
class OnnxModelZooParityTest {

    // SE-ResNet-18 and GoogLeNet at 32x32: their last stage is 1x1, a 3x3 padded convolution on a
    // single pixel.
    @ParameterizedTest(name = "{0} at {1}x{1}, fold BN {2}")
    @CsvSource({
            "lenet5, 28, false, Conv;Relu;MaxPool;Flatten;Gemm",
            "vgg_small, 32, false, Conv;Relu;MaxPool;Flatten;Gemm",
            "resnet20, 32, false, Conv;BatchNormalization;Relu;Add;Slice;Pad;GlobalAveragePool;Gemm",
            "resnet20, 32, true, Conv;Relu;Add;Slice;Pad;GlobalAveragePool;Gemm",
            "mobilenet_v2, 32, false, Conv;BatchNormalization;Clip;Add;GlobalAveragePool;Gemm",
            "mobilenet_v2, 32, true, Conv;Clip;Add;GlobalAveragePool;Gemm",
            "se_resnet18, 32, false, Conv;BatchNormalization;MaxPool;GlobalAveragePool;Sigmoid;Mul;Add;Gemm",
            "googlenet, 32, false, Conv;BatchNormalization;MaxPool;Concat;GlobalAveragePool;Gemm",
    })
    void matchesStride(Models.Name name, int size, boolean fold, String ops) throws OrtException {
        int channels = name.inputShape()[0];
        Layer model = Models.byName(name, 10, channels, GemmBackend.defaultGemm());
        OnnxParity.Result r = OnnxParity.check(model, Shape.of(2, channels, size, size),
                OnnxExportOptions.defaults().withFoldBatchNorm(fold));
        for (String op : ops.split(";")) {
            assertTrue(r.export().operators().contains(op), name + ": no " + op + " node in " + r.export().operators());
        }
        assertEquals(List.of("Sub", "Div"), r.export().operators().subList(0, 2), "normalisation first");
        assertEquals("Softmax", r.export().operators().getLast());
        if (fold) {
            assertFalse(r.export().operators().contains("BatchNormalization"), "folded: " + r.export().operators());
        }
    }
}
