package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export, import, same outputs: a zoo model with random weights (batch-norm statistics away from
 * their defaults) goes out through {@link OnnxExporter} and back through {@link OnnxImporter}, and
 * the imported model, fed the same normalised input, gives the original's scores within 1e-5 of
 * the largest (folding batch norm changes the order of the arithmetic), with the normalisation
 * and class names carried over.
 */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at {1}x{1}, fold BN {2}")
    @CsvSource({
            "lenet5, 28, false",
            "vgg_small, 32, false",
            "resnet20, 32, false",
            "resnet20, 32, true",
            "mobilenet_v2, 32, true",
            "se_resnet18, 32, false",
            "googlenet, 32, false",
    })
    void importedModelGivesTheExportedModelsScores(Models.Name name, int size, boolean fold) throws IOException {
        Gemm gemm = GemmBackend.defaultGemm();
        int channels = name.inputShape()[0];
        Shape input = Shape.of(2, channels, size, size);
        Normalization norm = new Normalization(fill(channels, 0.3f), fill(channels, 0.25f));
        try (Arena arena = Arena.ofShared()) {
            Layer original = Models.byName(name, 10, channels, gemm);
            original.build(input, arena, BuildOptions.inference().withThreads(1));
            OnnxParity.randomise(original, 3);
            Path file = dir.resolve(name + ".onnx");
            OnnxExporter.export(original, norm, Map.of(OnnxExporter.CLASSES_KEY, "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9"),
                    OnnxExportOptions.defaults().withFoldBatchNorm(fold)).write(file);

            ImportedModel imported = OnnxImporter.read(file, gemm);
            assertArrayEquals(norm.mean(), imported.normalization().mean());
            assertArrayEquals(norm.std(), imported.normalization().std());
            assertEquals("c0,c1,c2,c3,c4,c5,c6,c7,c8,c9", imported.classes());
            assertEquals(input, imported.inputShape(2));
            Layer copy = imported.build(arena, 2, BuildOptions.inference().withThreads(1), 99);

            Tensor x = Tensor.zeros(arena, input);
            SplittableRandom random = new SplittableRandom(5);
            for (long i = 0; i < x.size(); i++) {
                x.setFlat(i, (float) random.nextGaussian());
            }
            float[] expected = original.forward(x).toArray();
            float[] actual = copy.forward(x).toArray();
            assertEquals(expected.length, actual.length);
            double max = 1;
            for (float v : expected) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < expected.length; i++) {
                double diff = Math.abs(expected[i] - actual[i]);
                assertTrue(diff <= 1e-5 * max, name + ": score " + i + " is " + actual[i] + " after the round trip, "
                        + expected[i] + " before (difference " + diff + ", largest score " + max + ")");
            }
        }
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = v + 0.05f * i;
        }
        return a;
    }
}
