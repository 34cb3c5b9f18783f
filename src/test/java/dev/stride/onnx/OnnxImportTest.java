package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.reference.ReferenceComparison;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every fixture PyTorch exported imports and gives PyTorch's outputs on its stored inputs, within
 * the reference cases' tolerance (float32 sums in another order), on both GEMM backends.
 */
class OnnxImportTest {
    @TestFactory
    List<DynamicTest> outputsMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (OnnxFixtures f : OnnxFixtures.importable()) {
            for (Gemm gemm : Backends.all()) {
                tests.add(DynamicTest.dynamicTest(f + " on " + gemm, () -> check(f, gemm)));
            }
        }
        return tests;
    }

    private static void check(OnnxFixtures f, Gemm gemm) throws Exception {
        ImportedModel imported = OnnxImporter.read(f.onnx(), gemm);
        int n = f.inputDims()[0];
        try (Arena arena = Arena.ofConfined()) {
            Layer model = imported.build(arena, n, BuildOptions.inference(), 1);
            float[] input = f.input();
            normalise(input, imported.normalization(), f.inputDims());
            Tensor x = Tensor.of(arena, input, f.inputDims());
            float[] y = model.forward(x).toArray();
            if (f.ops().contains("Softmax")) {
                assertEquals(1, imported.notes().size(), "the dropped Softmax is noted");
                softmax(y, f.outputDims()[1]);
            }
            ReferenceComparison.assertClose(f.name(), "output", f.outputDims(), f.output(), y);
        }
    }

    // What the data pipeline does before a model sees an image: (x - mean) / std per channel.
    private static void normalise(float[] x, Normalization norm, int[] dims) {
        int plane = dims[2] * dims[3];
        for (int i = 0; i < x.length; i++) {
            x[i] = norm.applyUnit((i / plane) % dims[1], x[i]);
        }
    }

    private static void softmax(float[] logits, int classes) {
        for (int at = 0; at < logits.length; at += classes) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits[at + j]);
            }
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[at + j] - max);
            }
            for (int j = 0; j < classes; j++) {
                logits[at + j] = (float) (Math.exp(logits[at + j] - max) / sum);
            }
        }
    }
}
