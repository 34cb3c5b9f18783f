package dev.stride.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local-cluster mode: two executor JVMs. Barrier-stage training (the plan and the data serialised
 * to them, the all-reduce over sockets between processes, and an executor that dies), and scoring
 * (the checkpoint broadcast to other processes, a model loaded by each task there).
 */
class SparkTrainingClusterTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSessions.localCluster();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void imagesScoredInExecutorJvmsMatchTheInferenceApiOnTheDriver(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        SparkLocalModeTest.assertScoredAsTheInferenceApiScores(spark, SparkLocalModeTest.writeCheckpoint(dir.resolve("m.ckpt")), images);
    }

    /**
     * Partition r holds exactly {@link TrainingFixture}'s rows of worker r, as array&lt;float&gt;:
     * each partition makes its own rows (a union or coalesce of local data may be planned into
     * other partitions).
     */
    static Dataset<Row> partitions(SparkSession spark) {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType);
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(List.of(0, 1), 2)
                .flatMap(rank -> rowsOf(rank).iterator());
        return spark.createDataFrame(rows, schema);
    }

    private static List<Row> rowsOf(int rank) {
        float[] x = TrainingFixture.features(rank);
        int[] y = TrainingFixture.labels(rank);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            Float[] sample = new Float[TrainingFixture.SAMPLE];
            for (int j = 0; j < sample.length; j++) {
                sample[j] = x[i * TrainingFixture.SAMPLE + j];
            }
            rows.add(RowFactory.create(sample, y[i]));
        }
        return rows;
    }

    static Result train(Path dir, TrainingPlan plan) throws Exception {
        return train(spark, dir, plan);
    }

    /** The sharded single-machine reference from the run's first checkpoint, then the run on {@code session}. */
    static Result train(SparkSession session, Path dir, TrainingPlan plan) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path start = DataParallelWorkerTest.start(dir, plan);
            Map<String, float[]> sharded = TrainingFixture.shardedReference(start, plan);
            SparkTraining.Result result = SparkTraining.fit(partitions(session), "features", "label", TrainingFixture.model(arena),
                    TrainingFixture.norm(), 2, plan);
            return new Result(sharded, result);
        }
    }

    record Result(Map<String, float[]> sharded, SparkTraining.Result run) {
    }

    @Test
    void twoExecutorsEqualSingleMachineTrainingOnTheSameShardsBitForBit(@TempDir Path dir) throws Exception {
        Result r = train(dir, TrainingFixture.plan(dir, 3));
        assertEquals("step-0000000008.ckpt", r.run().checkpoint().getFileName().toString());
        assertEquals(2, r.run().reports().size());
        TrainingFixture.assertWeights(r.sharded(), TrainingFixture.weights(r.run().checkpoint()), 0);
    }

    @Test
    void anExecutorThatDiesMidRunFailsTheStageWhichResumesFromTheCheckpointToTheSameWeights(@TempDir Path dir) throws Exception {
        TrainingPlan dying = TrainingFixture.plan(dir, 3).withListener((rank, step, attempt) -> {
            if (rank == 1 && step == 5 && attempt == 0) {
                Runtime.getRuntime().halt(3); // the whole executor JVM, as a lost machine
            }
        });
        Result r = train(dir, dying);
        assertEquals(3, r.run().rank0().firstStep(), "the retried stage starts from the step-3 checkpoint");
        assertTrue(r.run().rank0().lastStep() == 8);
        TrainingFixture.assertWeights(r.sharded(), TrainingFixture.weights(r.run().checkpoint()), 0);
    }
}
