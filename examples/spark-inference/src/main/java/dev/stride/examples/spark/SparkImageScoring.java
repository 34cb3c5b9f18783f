package dev.stride.examples.spark;

import dev.stride.spark.SparkScoring;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Path;

import static org.apache.spark.sql.functions.col;

/**
 * Scores every image below a folder with a Stride checkpoint on Spark and writes one CSV row per
 * file: its path, the class the model gives it and that class's probability.
 *
 * <pre>
 * SparkImageScoring CHECKPOINT IMAGES OUT [--master M]      (default master: local[2])
 * </pre>
 *
 * Spark reads the files with its {@code binaryFile} source, one row per file with the encoded bytes
 * in {@code content}; {@link SparkScoring#score} broadcasts the checkpoint once per executor, and each
 * task decodes, prepares and classifies its rows in batches with a model of its own.
 */
public final class SparkImageScoring {
    private SparkImageScoring() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3 && !(args.length == 5 && args[3].equals("--master"))) {
            System.err.println("usage: SparkImageScoring CHECKPOINT IMAGES OUT [--master M]   (M: local[2] by default, or a cluster's URL)");
            System.exit(2);
        }
        Path checkpoint = Path.of(args[0]);
        String images = args[1];
        String out = args[2];
        String master = args.length == 5 ? args[4] : System.getProperty("spark.master", "local[2]");

        try (SparkSession spark = SparkSession.builder().appName("stride-spark-inference").master(master)
                .config("spark.ui.enabled", "false").getOrCreate()) {
            Dataset<Row> files = spark.read().format("binaryFile")
                    .option("recursiveFileLookup", "true")
                    .option("pathGlobFilter", "*.{png,jpg,jpeg,bmp,gif,PNG,JPG,JPEG,BMP,GIF}")
                    .load(images);
            // Adds prediction, class, probability, top_classes and top_probabilities; batches of 64, the top 3.
            Dataset<Row> scored = SparkScoring.score(files, checkpoint, "content", 64, 3, SparkScoring.DEFAULT_MAX_MODEL_BYTES);
            Dataset<Row> classes = scored.select(col("path"), col("class"), col("probability")).orderBy("path").cache();

            // One CSV part for a folder's worth of rows; a large job would leave Spark's parts as they are.
            classes.coalesce(1).write().mode("overwrite").option("header", "true").csv(out);
            classes.show(20, false);
            System.out.println("scored " + classes.count() + " images with " + checkpoint + " on " + master + ", wrote " + out);
        }
    }
}
