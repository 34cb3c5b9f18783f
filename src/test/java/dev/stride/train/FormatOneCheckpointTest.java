package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.MnistDownloader;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A LeNet-5 checkpoint written by the format-1 code (src/test/resources/checkpoints, made with
 * {@code scripts/stride train --model lenet5 --epochs 1 --seed 7} before the models-as-trees
 * change) loads into today's tree and gives what the old code gave: the same 495 of the first 500
 * MNIST test images right, the same scores, and 98.64% on the whole test set where MNIST is cached.
 */
class FormatOneCheckpointTest {
    private static final Path DIR = Path.of("src/test/resources/checkpoints");
    private static final Path FILE = DIR.resolve("lenet5-format1.stride");

    @TempDir
    Path tmp;

    static List<Gemm> backends() {
        return Backends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void loadsAndScoresAsTheFormatOneCodeDid(Gemm gemm) throws IOException {
        List<String> expected = Files.readAllLines(DIR.resolve("lenet5-format1-expected.txt")).stream()
                .filter(l -> !l.startsWith("#")).toList();
        Dataset first500 = Dataset.fromIdx(DIR.resolve("mnist-test-500-images-idx3-ubyte.gz"),
                DIR.resolve("mnist-test-500-labels-idx1-ubyte.gz"), 10);
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(FILE, gemm, arena, 100, BuildOptions.inference().withThreads(1));
            assertEquals(1, loaded.checkpoint().formatVersion());
            Layer model = loaded.model();
            assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias",
                    "11.weight", "11.bias"), List.copyOf(model.state().keySet()));

            DataLoader data = new DataLoader(first500, loaded.normalization(), LoaderSpec.evaluation(100), arena);
            data.startEpoch(0);
            assertTrue(data.next());
            Tensor scores = model.forward(data.input());
            for (int i = 0; i < 8; i++) {
                String[] want = expected.get(2 + i).split(" ");
                for (int j = 0; j < 10; j++) {
                    float got = scores.segment().getAtIndex(Tensor.FLOAT, scores.offset() + i * 10L + j);
                    assertEquals(Float.parseFloat(want[j]), got, 2e-4f, "image " + i + " class " + j);
                }
            }
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            Evaluation e = Trainer.evaluate(model, loss, data);
            assertEquals(expected.get(0), "correct " + Math.round(e.accuracy() * 500) + " of 500");
        }
    }

    /** Saved again, the model is a format-2 file with path names that loads to the same scores. */
    @Test
    void resavedAsFormatTwoWithPathNames() throws IOException {
        Path again = tmp.resolve("lenet5-format2.stride");
        Gemm gemm = Backends.all().get(0);
        float[] before;
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(FILE, gemm, arena, 1);
            before = loaded.model().forward(Tensor.zeros(arena, 1, 1, 28, 28)).toArray();
            ModelCheckpoint.save(again, loaded.model(), loaded.normalization(), null, loaded.progress(), Map.of());
        }
        Checkpoint c = CheckpointFile.read(again);
        assertEquals(2, c.formatVersion());
        assertTrue(c.tensors().containsKey("11.bias") && !c.tensors().containsKey("param.11.bias"), c.tensors().keySet().toString());
        assertTrue(c.architecture().startsWith("Sequential\n  0: Conv2d in=1 out=6"), c.architecture());
        try (Arena arena = Arena.ofConfined()) {
            float[] after = ModelCheckpoint.load(again, gemm, arena, 1).model().forward(Tensor.zeros(arena, 1, 1, 28, 28)).toArray();
            assertEquals(before.length, after.length);
            for (int i = 0; i < before.length; i++) {
                assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(after[i]), "score " + i);
            }
        }
    }

    @Test
    void wholeMnistTestSetAsBeforeWhereCached() throws IOException {
        Path mnist = MnistDownloader.defaultDirectory();
        assumeTrue(MnistDownloader.isPresent(mnist), "MNIST is not in " + mnist + "; scripts/get-mnist enables this test");
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(FILE, Backends.all().get(0), arena, 500);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(loaded.model().outputShape(), arena);
            DataLoader test = new DataLoader(Dataset.mnistTest(mnist), loaded.normalization(), LoaderSpec.evaluation(500), arena);
            assertEquals(98.64, Math.round(Trainer.evaluate(loaded.model(), loss, test).accuracy() * 10000) / 100.0);
        }
    }
}
