package dev.stride.spark;

import dev.stride.blas.GemmBackend;
import dev.stride.data.ImageDecoder;
import dev.stride.data.Normalization;
import dev.stride.infer.ClassProbability;
import dev.stride.infer.ImagePreparation;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.Prediction;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local mode (one shared session): scoring DataFrames against the model run directly on the
 * driver, and a training run whose workers are threads of this JVM.
 */
class SparkLocalModeTest {
    private static final List<String> NAMES = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
    private static final Normalization NORM = new Normalization(new float[] {0.13f}, new float[] {0.31f});
    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path checkpoint;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSessions.local();
        checkpoint = writeCheckpoint(dir.resolve("lenet5.ckpt"));
    }

    /** LeNet-5 as {@link TrainingFixture} makes it, with {@link #NAMES}, an MNIST model (no data set named). */
    static Path writeCheckpoint(Path file) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Layer net = TrainingFixture.model(arena);
            ModelCheckpoint.save(file, net, NORM, null, new ModelCheckpoint.Progress(0, 0, 1),
                    Map.of("classes", String.join(",", NAMES)));
        }
        return file;
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The model's argmax for one normalised sample, run on the driver without Spark. */
    static int expected(float[] sample) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Layer net = ModelCheckpoint.load(checkpoint, GemmBackend.defaultGemm(), arena, 1, BuildOptions.inference()).model();
            Tensor x = Tensor.of(arena, sample, 1, 1, 28, 28);
            Tensor y = net.forward(x);
            int best = 0;
            for (int j = 1; j < 10; j++) {
                best = y.get(0, j) > y.get(0, best) ? j : best;
            }
            return best;
        }
    }

    @Test
    void floatArraysAreScoredInBatchesWithClassNamesAndTopK() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("features", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>();
        List<float[]> samples = new ArrayList<>();
        Random rnd = new Random(5);
        for (int i = 0; i < 7; i++) {
            float[] x = new float[784];
            Float[] boxed = new Float[784];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian();
                boxed[j] = x[j];
            }
            samples.add(x);
            rows.add(RowFactory.create(i, boxed));
        }
        Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(2);

        List<Row> out = new ArrayList<>(SparkScoring.score(data, checkpoint, "features", 3, 3, SparkScoring.DEFAULT_MAX_MODEL_BYTES)
                .select("id", "prediction", "class", "probability", "top_classes", "top_probabilities").collectAsList());
        out.sort(Comparator.comparingInt(r -> r.getInt(0)));

        assertEquals(7, out.size());
        for (Row r : out) {
            int want = expected(samples.get(r.getInt(0)));
            assertEquals(want, r.getInt(1), "row " + r.getInt(0));
            assertEquals(NAMES.get(want), r.getString(2));
            List<String> top = r.getList(4);
            List<Float> topP = r.getList(5);
            assertEquals(3, top.size());
            assertEquals(NAMES.get(want), top.getFirst());
            assertEquals(r.getFloat(3), topP.getFirst());
            assertTrue(topP.get(0) >= topP.get(1) && topP.get(1) >= topP.get(2) && topP.get(0) + topP.get(1) + topP.get(2) <= 1.0001f);
        }
    }

    @Test
    void imageFilesAreScoredAsTheInferenceApiScoresThemOnTheDriver(@TempDir Path images) throws Exception {
        assertScoredAsTheInferenceApiScores(spark, checkpoint, images);
    }

    /**
     * Writes four PNGs to {@code images}, scores them on {@code session} and requires the classes
     * and probabilities that {@link InferenceModel} gives on this JVM, within 1e-6.
     */
    static void assertScoredAsTheInferenceApiScores(SparkSession session, Path checkpoint, Path images) throws Exception {
        Random rnd = new Random(9);
        for (int i = 0; i < 4; i++) {
            // A light stroke off-centre on a dark, non-square canvas: MNIST-style centring and a
            // plain resize give different inputs, so scoring that resized would not match.
            BufferedImage img = new BufferedImage(40 + 7 * i, 30 + 5 * i, i % 2 == 0 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = img.createGraphics();
            g.setColor(java.awt.Color.WHITE);
            g.setStroke(new java.awt.BasicStroke(2 + i));
            g.drawLine(rnd.nextInt(10), rnd.nextInt(10), 15 + rnd.nextInt(20), 12 + rnd.nextInt(15));
            g.drawOval(rnd.nextInt(12), rnd.nextInt(8), 10 + rnd.nextInt(10), 10 + rnd.nextInt(10));
            g.dispose();
            ImageIO.write(img, "png", images.resolve("digit" + i + ".png").toFile());
        }
        Dataset<Row> files = session.read().format("binaryFile").load(images.toString()).repartition(2);

        List<Row> out = SparkScoring.score(files, checkpoint, "content", 3, 10, SparkScoring.DEFAULT_MAX_MODEL_BYTES)
                .select("path", "prediction", "class", "probability", "top_classes", "top_probabilities").collectAsList();

        assertEquals(4, out.size());
        try (InferenceModel model = InferenceModel.load(checkpoint)) {
            assertEquals(ImagePreparation.MNIST_STYLE, model.imagePreparation());
            for (Row r : out) {
                Path file = Path.of(java.net.URI.create(r.getString(0)));
                Prediction want = model.predict(ImageDecoder.read(file));
                assertEquals(want.best().index(), r.getInt(1), file.toString());
                assertEquals(want.best().name(), r.getString(2));
                List<String> top = r.getList(4);
                List<Float> topP = r.getList(5);
                List<ClassProbability> wantTop = want.topK(10);
                float[] p = want.probabilities();
                for (int j = 0; j < 10; j++) {
                    assertEquals(wantTop.get(j).name(), top.get(j), file + " top " + j);
                    assertEquals(p[NAMES.indexOf(top.get(j))], topP.get(j), 1e-6, file + " " + top.get(j));
                }
            }
        }
    }

    @Test
    void picturesForAModelThatTakesNoneAreRefusedBeforeAnyJob(@TempDir Path dense) throws Exception {
        Path ckpt = dense.resolve("dense.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            Layer net = new Sequential(new Linear(6, 3));
            net.build(Shape.of(1, 6), arena);
            ModelCheckpoint.save(ckpt, net, new Normalization(new float[] {0f}, new float[] {1f}), null,
                    new ModelCheckpoint.Progress(0, 0, 1), Map.of());
        }
        Dataset<Row> files = spark.createDataFrame(List.of(RowFactory.create((Object) new byte[] {1})),
                new StructType().add("content", DataTypes.BinaryType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkScoring.score(files, ckpt, "content"));
        assertTrue(e.getMessage().startsWith("checkpoint " + ckpt + " takes inputs of shape"), e.getMessage());
    }

    @Test
    void aBrokenImageFailsTheJobNamingItsPath(@TempDir Path images) throws Exception {
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Dataset<Row> scored = SparkScoring.score(spark.read().format("binaryFile").load(images.toString()), checkpoint, "content");
        Exception e = assertThrows(Exception.class, scored::collectAsList);
        assertTrue(String.valueOf(e.getMessage()).contains("broken.png"), e.getMessage());
    }

    @Test
    void aModelOverTheBroadcastLimitIsRefusedBeforeAnyJob() {
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create(new Object[] {new Float[784]})),
                new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkScoring.score(data, checkpoint, "features", 8, 5, 1000));
        assertTrue(e.getMessage().contains("over the 0.0 MB broadcast limit"), e.getMessage());
    }

    @Test
    void aColumnOfAnotherTypeIsRefusedNamingIt() {
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create("x")), new StructType().add("features", DataTypes.StringType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkScoring.score(data, checkpoint, "features"));
        assertTrue(e.getMessage().startsWith("column 'features' is string; it must be"), e.getMessage());
    }

    @Test
    void theTransformerSavesAndLoadsWithAPipelineAndScoresAsScoreDoes(@TempDir Path saved) throws Exception {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("features", DataTypes.createArrayType(DataTypes.FloatType));
        Float[] boxed = new Float[784];
        float[] x = new float[784];
        for (int j = 0; j < 784; j++) {
            x[j] = (j % 29) / 29f;
            boxed[j] = x[j];
        }
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create(1, boxed)), schema);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new StrideTransformer().setCheckpoint(checkpoint.toString()).setInputCol("features").setTopK(2)});
        pipeline.fit(data).write().overwrite().save(saved.toString());

        Row row = PipelineModel.load(saved.toString()).transform(data).select("prediction", "top_classes").first();

        assertEquals(expected(x), row.getInt(0));
        assertEquals(2, row.getList(1).size());
    }

    @Test
    void trainingInLocalModeEqualsTheShardedReferenceBitForBit(@TempDir Path run) throws Exception {
        SparkTrainingClusterTest.Result r = SparkTrainingClusterTest.train(spark, run, TrainingFixture.plan(run, 4));
        TrainingFixture.assertWeights(r.sharded(), TrainingFixture.weights(r.run().checkpoint()), 0);
    }
}
