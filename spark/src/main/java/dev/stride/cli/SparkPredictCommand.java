package dev.stride.cli;

import dev.stride.spark.SparkScoring;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stride spark-predict}: scores a folder of images or a Parquet file on Spark and writes Parquet or CSV. */
@Command(name = "spark-predict", mixinStandardHelpOptions = true,
        description = "Score images (a folder, read with Spark's binaryFile source) or a Parquet file with a checkpoint, on Spark.")
final class SparkPredictCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Checkpoint written by stride train or spark-train.")
    Path checkpoint;

    @Parameters(index = "1", description = "A folder of images (searched recursively) or a .parquet file/folder.")
    String input;

    @Option(names = "--master", description = "Spark master: local[N], local-cluster[N,1,MB] or a cluster's URL (default: spark-submit's).")
    String master;

    @Option(names = "--column", description = "Parquet input: the column to score, binary (an encoded image) or array<float> (default: content).")
    String column;

    @Option(names = "--out", required = true, description = "Output: a folder of .parquet parts, or of .csv parts when it ends in .csv.")
    String out;

    @Option(names = "--top", defaultValue = "3", description = "Classes listed per row (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--batch", defaultValue = "64", description = "Rows scored together (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        CliPaths.readableFile(checkpoint, "checkpoint", "a checkpoint written by stride train or spark-train");
        if (top < 1 || batch < 1) {
            throw new CliException("--top and --batch must be at least 1", "leave them out for the defaults");
        }
        boolean parquet = input.endsWith(".parquet");
        try (SparkSession spark = SparkSessions.open(master, "stride spark-predict")) {
            Dataset<Row> data = parquet ? spark.read().parquet(input)
                    : spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                            .option("pathGlobFilter", "*.{png,jpg,jpeg,bmp,gif,PNG,JPG,JPEG,BMP,GIF}").load(input);
            String in = column != null ? column : "content";
            Dataset<Row> scored = SparkScoring.score(data, checkpoint, in, batch, top, SparkScoring.DEFAULT_MAX_MODEL_BYTES);
            Dataset<Row> result = scored.drop(in).drop("modificationTime").drop("length");
            boolean csv = out.endsWith(".csv");
            if (csv) {
                // CSV holds no arrays: the top classes as one "name:probability;..." text column.
                result = result.withColumn("top", functions.concat_ws(";", functions.transform(
                        functions.arrays_zip(functions.col("top_classes"), functions.col("top_probabilities")),
                        z -> functions.concat(z.getField("top_classes"), functions.lit(":"),
                                functions.format_number(z.getField("top_probabilities"), 4)))))
                        .drop("top_classes").drop("top_probabilities");
                result.write().mode("overwrite").option("header", "true").csv(out);
            } else {
                result.write().mode("overwrite").parquet(out);
            }
            long rows = spark.read().format(csv ? "csv" : "parquet").option("header", "true").load(out).count();
            System.out.printf(Locale.ROOT, "spark-predict: scored %d rows, wrote %s%n", rows, Path.of(out).toAbsolutePath());
            spark.read().format(csv ? "csv" : "parquet").option("header", "true").load(out).show(5, false);
        }
        return 0;
    }
}
