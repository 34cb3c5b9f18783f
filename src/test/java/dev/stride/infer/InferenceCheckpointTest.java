package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.Sequential;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model loaded from a checkpoint brings its weights, normalisation, class names and image preparation. */
class InferenceCheckpointTest {
    private static final Gemm GEMM = GemmBackend.java();
    private static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine, or 9");

    private static Path save(Path dir, Sequential net, Normalization norm, Map<String, String> meta) throws Exception {
        Path file = dir.resolve("model.ckpt");
        ModelCheckpoint.save(file, net, norm, null, new ModelCheckpoint.Progress(1, 10, 1), meta);
        return file;
    }

    @Test
    void anMnistCheckpointServesItsNamesAndCentresDigits(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(GEMM, arena, 2, 21);
            Normalization norm = new Normalization(new float[] {0.13f}, new float[] {0.31f});
            Path file = save(dir, net, norm, Map.of(CheckpointMetadata.DATASET, "mnist",
                    CheckpointMetadata.CLASSES, CheckpointMetadata.joinNames(DIGITS)));
            InferenceOptions options = InferenceOptions.defaults(GEMM).withMaxBatch(2);
            try (InferenceModel loaded = InferenceModel.load(file, options);
                 InferenceModel made = InferenceModel.of(net, norm, DIGITS, ImagePreparation.MNIST_STYLE, options)) {
                assertEquals(DIGITS, loaded.classNames());
                assertEquals(norm, loaded.normalization());
                assertEquals(ImagePreparation.MNIST_STYLE, loaded.imagePreparation());
                BufferedImage digit = bar(60, 40);
                float[] x = loaded.prepare(digit);
                // Dark ink on white comes out light on black and centred: the corners are background.
                assertEquals(norm.apply(0, 0), x[0]);
                assertEquals(norm.apply(0, 0), x[28 * 28 - 1]);
                assertTrue(x[14 * 28 + 14] > norm.apply(0, 128), "the bar's middle should be ink: " + x[14 * 28 + 14]);
                Prediction p = loaded.predict(digit);
                assertArrayEquals(made.predict(digit).scores(), p.scores(), "the checkpoint's weights against the network's");
                assertEquals(DIGITS.get(p.best().index()), p.best().name());
                assertEquals(2, loaded.predict(List.of(digit, bar(30, 90))).size());
            }
        }
    }

    @Test
    void aFolderCheckpointResizesPictures(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(GEMM, arena, 1, 22);
            Normalization norm = new Normalization(new float[] {0.5f}, new float[] {0.25f});
            // Names that do not match the outputs are read as none, as stride predict always has.
            Path file = save(dir, net, norm, Map.of(CheckpointMetadata.DATASET, "folder:/data", CheckpointMetadata.CLASSES, "a,b"));
            try (InferenceModel model = InferenceModel.load(file, InferenceOptions.defaults(GEMM))) {
                assertEquals(ImagePreparation.RESIZE, model.imagePreparation());
                assertEquals(List.of(), model.classNames());
                assertEquals("class 3", model.predict(new float[784], 1).getFirst().name(3));
                BufferedImage grey = new BufferedImage(50, 70, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = grey.createGraphics();
                g.setColor(new Color(128, 128, 128));
                g.fillRect(0, 0, 50, 70);
                g.dispose();
                float[] x = model.prepare(grey);
                assertEquals(784, x.length);
                for (float v : x) {
                    assertEquals(norm.apply(0, 128), v, 1e-6f);
                }
            }
        }
    }

    /** A black bar on white, the shape of a "1". */
    private static BufferedImage bar(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.fillRect(width / 2 - 3, height / 5, 6, height * 3 / 5);
        g.dispose();
        return img;
    }
}
