package dev.stride.spark;

import dev.stride.infer.InferenceModel;
import dev.stride.infer.Prediction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One task's scorer without Spark: the broadcast bytes, a partial batch, a bad value, closing. */
class LocalScorerTest {
    @TempDir
    Path dir;

    @Test
    void aPartialBatchFromTheBroadcastBytesScoresAsTheModelDoes() throws Exception {
        Path ckpt = SparkLocalModeTest.writeCheckpoint(dir.resolve("m.ckpt"));
        float[] x = TrainingFixture.features(0); // rows of 784 floats
        try (LocalScorer scorer = LocalScorer.load(Files.readAllBytes(ckpt), 4);
             InferenceModel model = InferenceModel.load(ckpt)) {
            for (int i = 0; i < 3; i++) {
                scorer.setFeatures(i, row(Arrays.copyOfRange(x, i * 784, (i + 1) * 784)), 0, "features");
            }
            List<Prediction> got = scorer.predict(3);
            List<Prediction> want = model.predict(Arrays.copyOf(x, 3 * 784), 3);
            assertEquals(3, got.size());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(want.get(i).probabilities(), got.get(i).probabilities(), 1e-6f, "row " + i);
            }
        }
    }

    @Test
    void aNanFeatureIsRefusedNamingTheSampleAndAfterCloseScoringThrows() throws Exception {
        Path ckpt = SparkLocalModeTest.writeCheckpoint(dir.resolve("m.ckpt"));
        LocalScorer scorer = LocalScorer.load(ckpt, 2);
        float[] x = new float[784];
        x[5] = Float.NaN;
        scorer.setFeatures(0, row(new float[784]), 0, "features");
        scorer.setFeatures(1, row(x), 0, "features");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scorer.predict(2));
        assertTrue(e.getMessage().startsWith("sample 1, element 5 of 1x28x28 is NaN"), e.getMessage());

        scorer.close();
        scorer.close(); // the task completion listener may close it again
        assertThrows(IllegalStateException.class, () -> scorer.predict(1));
    }

    /** A row holding the sample as binary float32 little-endian, one of the forms FeatureColumn reads. */
    private static Row row(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return RowFactory.create((Object) bytes.array());
    }
}
