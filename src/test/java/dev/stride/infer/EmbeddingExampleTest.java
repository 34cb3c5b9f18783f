package dev.stride.infer;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.Sequential;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example docs/embedding.md shows, run: the page's Java block must stand in this file line for
 * line (the test checks), so the two cannot drift apart.
 */
class EmbeddingExampleTest {
    private static final List<String> NAMES = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");

    @Test
    void theDocumentedExampleRuns(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("lenet.ckpt");
        Path imageFile = dir.resolve("digit.png");
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(GemmBackend.defaultGemm(), arena, 1, 7);
            ModelCheckpoint.save(checkpoint, net, Fixtures.grey(), null, new ModelCheckpoint.Progress(1, 1, 1),
                    Map.of(CheckpointMetadata.DATASET, "mnist", CheckpointMetadata.CLASSES, CheckpointMetadata.joinNames(NAMES)));
        }
        ImageIO.write(new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY), "png", imageFile.toFile());
        float[] inputs = Fixtures.inputs(20, 8);
        int n = 20;

        // --- docs/embedding.md, from here (lines starting with assert are the test's own)
        InferenceOptions options = InferenceOptions.defaults().withMaxBatch(16);
        try (InferenceModel model = InferenceModel.load(checkpoint, options)) {
            model.warmup();

            // Thread-safe: call from any number of threads.
            BufferedImage image = ImageIO.read(imageFile.toFile());
            Prediction p = model.predict(image);
            ClassProbability best = p.best();            // index, name, probability
            List<ClassProbability> top3 = p.topK(3);
            assertEquals(NAMES.get(best.index()), best.name());
            assertEquals(best, top3.getFirst());

            // Normalised floats, (n, C, H, W): any n up to maxSamplesPerCall, run 16 at a time.
            List<Prediction> batch = model.predict(inputs, n);
            assertEquals(n, batch.size());

            // One thread, one predictor of its own: no pool, no waiting.
            try (Predictor mine = model.newPredictor()) {
                float[] scores = mine.predict(inputs, n).get(0).scores();
                assertArrayEquals(batch.get(0).scores(), scores);
            }

            // Requests from many threads gathered into batches of up to 16.
            BatchingOptions batching = BatchingOptions.defaults(model).withMaxWait(Duration.ofMillis(2));
            try (BatchingPredictor front = BatchingPredictor.start(model, batching)) {
                CompletableFuture<Prediction> answer = front.submit(image);
                String name = answer.get().best().name();
                assertEquals(best.name(), name);
            }
        }
        // --- to here
    }

    @Test
    void thePagesJavaBlockIsThisTestsExample() throws Exception {
        String page = Files.readString(Path.of("docs/embedding.md"));
        int start = page.indexOf("```java\n");
        assertTrue(start >= 0, "docs/embedding.md should show the example in a ```java block");
        String block = page.substring(start + 8, page.indexOf("```", start + 8));
        String source = Files.readString(Path.of("src/test/java/dev/stride/infer/EmbeddingExampleTest.java"));
        String example = source.substring(source.indexOf("// --- docs/embedding.md, from here"), source.indexOf("// --- to here"));
        assertEquals(lines(example).subList(1, lines(example).size()), lines(block),
                "docs/embedding.md's example differs from EmbeddingExampleTest's: copy it over");
    }

    /** The lines without their indentation and without blank ones. */
    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("assert")).toList();
    }
}
