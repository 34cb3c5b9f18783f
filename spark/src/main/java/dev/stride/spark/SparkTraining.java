package dev.stride.spark;

import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.train.ModelCheckpoint;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Synchronous data-parallel training on Spark: one barrier stage with one task per worker, each
 * holding one partition of the data (the DataFrame is repartitioned to {@code workers} when it has
 * another number of partitions). The barrier is used once, to exchange addresses; the gradients
 * go over {@link AllReduce}'s direct connections every step (see {@link DataParallelWorker}).
 *
 * <p>The run starts from the latest checkpoint in {@link TrainingPlan#checkpointDir()}; when there
 * is none, the driver writes {@code model} as step 0 first. When a worker fails, Spark fails the
 * barrier stage and, since it does not retry a barrier stage that produces results, this class
 * runs it again (up to {@link TrainingPlan#attempts()} times in all): the new workers resume from
 * rank 0's last checkpoint, and the steps after it run again with the same batches.
 *
 * <p>Called from the driver; not thread-safe for two runs on one checkpoint directory.
 */
public final class SparkTraining {
    private SparkTraining() {
    }

    /** The run's outcome: its last checkpoint and every worker's report, by rank. */
    public record Result(Path checkpoint, List<WorkerReport> reports) {
        public WorkerReport rank0() {
            return reports.getFirst();
        }
    }

    /**
     * Trains on {@code data}'s {@code features} ({@link FeatureColumn}: normalised samples) and
     * {@code label} (int class index) columns with {@code workers} workers.
     *
     * @param model an initialised model built for training (any batch): it is written as step 0
     *              when the checkpoint directory holds no checkpoint yet
     * @param norm  the normalisation the features were made with, stored in the checkpoints
     */
    public static Result fit(Dataset<Row> data, String features, String label, Layer model, Normalization norm, int workers,
                             TrainingPlan plan) throws IOException {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        StructType schema = data.schema();
        for (String c : List.of(features, label)) {
            if (!Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the DataFrame has no column '" + c + "'; its columns: " + String.join(", ", schema.fieldNames()));
            }
        }
        FeatureColumn.check(schema, features);
        if (!schema.apply(label).dataType().equals(DataTypes.IntegerType)) {
            throw new IllegalArgumentException("column '" + label + "' is " + schema.apply(label).dataType().simpleString()
                    + "; it must be int (the class index); cast it first");
        }
        Checkpoints checkpoints = new Checkpoints(Path.of(plan.checkpointDir()));
        if (checkpoints.latest().isEmpty()) {
            try (Arena arena = Arena.ofConfined()) {
                Optimizer fresh = plan.optimizer().create(model.parameters(), arena);
                checkpoints.save(model, norm, fresh, new ModelCheckpoint.Progress(0, 0, plan.seed()), Map.of());
            }
        }
        Shape in = model.inputShape();
        int sampleFloats = (int) (in.size() / in.dim(0));
        JavaRDD<Row> rows = data.select(features, label).javaRDD();
        if (rows.getNumPartitions() != workers) {
            rows = rows.repartition(workers);
        }
        rows = rows.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    Object collected = rows.rdd().barrier()
                            .mapPartitions(new Task(plan, workers, sampleFloats, features, attempt), false,
                                    ClassTag$.MODULE$.apply(WorkerReport.class))
                            .collect();
                    return result(checkpoints, (WorkerReport[]) collected);
                } catch (Exception e) { // Scala's SparkException, which javac does not see declared
                    if (!(e instanceof SparkException)) {
                        throw e;
                    }
                    if (attempt + 1 >= plan.attempts()) {
                        throw new IOException("training failed " + plan.attempts() + " times; the last checkpoint is "
                                + checkpoints.latest().map(Path::toString).orElse("(none)") + "; last error: " + e.getMessage(), e);
                    }
                    System.err.println("stride-spark: the training stage failed (attempt " + (attempt + 1) + " of " + plan.attempts()
                            + "), resuming from " + checkpoints.require() + ": " + firstLine(e.getMessage()));
                }
            }
        } finally {
            rows.unpersist(false);
        }
    }

    private static Result result(Checkpoints checkpoints, WorkerReport[] collected) throws IOException {
        List<WorkerReport> reports = new ArrayList<>(Arrays.asList(collected));
        reports.sort(Comparator.comparingInt(WorkerReport::rank));
        return new Result(checkpoints.require(), List.copyOf(reports));
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }

    /** The host of a barrier task's "host:port". */
    private static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    /** The barrier task: a partition's rows into arrays, then one worker's run. */
    private static final class Task extends AbstractFunction1<scala.collection.Iterator<Row>, scala.collection.Iterator<WorkerReport>>
            implements Serializable {
        private final TrainingPlan plan;
        private final int workers;
        private final int sampleFloats;
        private final String column;
        private final int attempt;

        Task(TrainingPlan plan, int workers, int sampleFloats, String column, int attempt) {
            this.plan = plan;
            this.workers = workers;
            this.sampleFloats = sampleFloats;
            this.column = column;
            this.attempt = attempt;
        }

        @Override
        public scala.collection.Iterator<WorkerReport> apply(scala.collection.Iterator<Row> it) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId();
            float[] features = new float[sampleFloats * 64];
            int[] labels = new int[64];
            int rows = 0;
            while (it.hasNext()) {
                Row row = it.next();
                if (rows == labels.length) {
                    if ((long) labels.length * 2 * sampleFloats > Integer.MAX_VALUE - 8) {
                        throw new IllegalArgumentException("worker " + rank + ": its partition holds more than " + rows
                                + " samples, more than one array can; use more workers");
                    }
                    labels = Arrays.copyOf(labels, labels.length * 2);
                    features = Arrays.copyOf(features, labels.length * sampleFloats);
                }
                FeatureColumn.read(row, 0, features, rows * sampleFloats, sampleFloats, column);
                labels[rows++] = row.getInt(1);
            }
            try {
                WorkerReport report = DataParallelWorker.run(rank, workers, Arrays.copyOf(features, rows * sampleFloats),
                        Arrays.copyOf(labels, rows), plan, host(ctx.getTaskInfos()[rank].address()), ctx::allGather, attempt);
                return scala.jdk.javaapi.CollectionConverters.asScala(List.of(report).iterator());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
