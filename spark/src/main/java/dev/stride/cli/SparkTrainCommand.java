package dev.stride.cli;

import dev.stride.data.DataLoader;
import dev.stride.data.ImageDataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.spark.OptimizerFactory;
import dev.stride.spark.ScheduleFactory;
import dev.stride.spark.SparkTraining;
import dev.stride.spark.StepListener;
import dev.stride.spark.TrainingPlan;
import dev.stride.spark.WorkerReport;
import dev.stride.train.Evaluation;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code stride spark-train}: {@code train}'s model, data and optimiser on Spark workers, synchronous data-parallel SGD. */
@Command(name = "spark-train", mixinStandardHelpOptions = true,
        description = "Train on Apache Spark: one barrier task per worker, gradients summed over direct connections every step.")
final class SparkTrainCommand implements Callable<Integer> {
    @Option(names = "--master", description = "Spark master: local[N], local-cluster[N,1,MB] or a cluster's URL (default: spark-submit's).")
    String master;

    @Option(names = "--workers", defaultValue = "2", description = "Training tasks, one per worker (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--model", defaultValue = "lenet5", description = "Model to train: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Models.Name model;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Global mini-batch, split over the workers (default ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    OptimizerOptions optimizer;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for initialisation and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "runs/spark", description = "Output directory: model.ckpt and checkpoints/ (default ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "As train's (default ${DEFAULT-VALUE}).")
    float labelSmoothing;

    @Option(names = "--limit", description = "Train on the first N training images only (a quick run).")
    Integer limit;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Rank 0 writes a checkpoint every N steps; a failed stage resumes from it (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for a worker's connection or step data (default ${DEFAULT-VALUE}).")
    int timeout;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new CliException("--workers " + workers + ": must be at least 1", "leave it out for 2");
        }
        if (batch < workers) {
            throw new CliException("--batch " + batch + " is smaller than --workers " + workers, "every worker needs at least one example a step");
        }
        if (epochs < 1 || checkpointEvery < 1 || timeout < 1) {
            throw new CliException("--epochs, --checkpoint-every and --timeout must be at least 1", "leave them out for the defaults");
        }
        DataChoice choice = dataOptions.choice(seed);
        DataSpec spec = choice.spec();
        CliPaths.writableDirectory(out, "--out");
        ImageDataset train = choice.train(dataOptions.data, msg -> System.err.println("data: " + msg));
        ImageDataset test = choice.test(dataOptions.data, msg -> System.err.println("data: " + msg));
        Normalization norm = Normalization.of(train);
        int count = limit == null ? train.count() : Math.min(limit, train.count());

        try (SparkSession spark = SparkSessions.open(master, "stride spark-train");
             Arena arena = Arena.ofShared()) { // shared: the evaluation splits its batches over threads
            Layer net = Models.byName(model, spec.classes(), spec.channels(), dev.stride.blas.GemmBackend.defaultGemm());
            BatchOption.build(net, spec.batchShape(1), arena, BuildOptions.training().withThreads(1));
            new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, seed).apply(net.parameters());
            OptimizerOptions options = optimizer;
            OptimizerFactory makeOptimizer = options::create;
            ScheduleFactory makeSchedule = options::schedule;
            Path checkpoints = out.resolve("checkpoints").toAbsolutePath();
            if (java.nio.file.Files.isDirectory(checkpoints)) {
                System.out.println("spark-train: continuing from the latest checkpoint in " + checkpoints
                        + " (its model and optimiser state; remove the folder to start afresh)");
            }
            TrainingPlan plan = new TrainingPlan(epochs, batch, seed, 1, checkpointEvery, checkpoints.toString(),
                    Duration.ofSeconds(timeout), labelSmoothing, makeOptimizer, makeSchedule, StepListener.NONE, 3);
            System.out.printf(Locale.ROOT, "spark-train: %s on %d images (test %d), global batch %d over %d workers, master %s%n",
                    model, count, test.count(), batch, workers, spark.sparkContext().master());
            SparkTraining.Result result = SparkTraining.fit(rows(spark, train, norm, count, workers), "features", "label", net, norm,
                    workers, plan);
            WorkerReport r = result.rank0();
            for (int e = 0; e < r.loss().length; e++) {
                System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f, train accuracy %.2f%%%n", r.firstEpoch() + e + 1, r.loss()[e],
                        100 * r.accuracy()[e]);
            }
            evaluate(result.checkpoint(), test, norm, train.classNames(), arena);
        }
        return 0;
    }

    /** The test set on the driver, as train reports it, and model.ckpt with the metadata predict reads. */
    private void evaluate(Path checkpoint, ImageDataset test, Normalization norm, List<String> classNames, Arena arena) throws Exception {
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, dev.stride.blas.GemmBackend.defaultGemm(), arena, 256,
                BuildOptions.inference().withThreads(Runtime.getRuntime().availableProcessors()));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        loss.build(loaded.model().outputShape(), arena);
        Evaluation eval;
        try (DataLoader loader = new DataLoader(test, norm, LoaderSpec.evaluation(256), arena)) {
            eval = Trainer.evaluate(loaded.model(), loss, loader);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model.toString());
        meta.put("batch", Integer.toString(batch));
        meta.put(DataChoice.DATASET_KEY, dataOptions.choice(seed).value());
        if (!classNames.isEmpty()) {
            meta.put(DataChoice.CLASSES_KEY, DataChoice.joinNames(classNames));
        }
        meta.put("spark.workers", Integer.toString(workers));
        Path model = out.resolve("model.ckpt");
        ModelCheckpoint.save(model, loaded.model(), norm, null, loaded.progress(), meta);
        System.out.println("confusion matrix (test set):");
        System.out.print(eval.confusion().format());
        System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * eval.accuracy());
        System.out.println("wrote " + model + " (checkpoints in " + out.resolve("checkpoints") + ")");
    }

    /** The first {@code count} images as (features: float32 little-endian normalised C*H*W, label), in {@code partitions} partitions. */
    private static Dataset<Row> rows(SparkSession spark, ImageDataset train, Normalization norm, int count, int partitions)
            throws java.io.IOException {
        int size = train.sampleSize();
        int plane = train.height() * train.width();
        byte[] pixels = new byte[size];
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            train.read(i, pixels);
            ByteBuffer b = ByteBuffer.allocate(size * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < size; j++) {
                b.putFloat(norm.apply(j / plane, pixels[j] & 0xff));
            }
            rows.add(RowFactory.create(b.array(), train.label(i)));
        }
        StructType schema = new StructType().add("features", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

}
