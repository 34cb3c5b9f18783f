package dev.stride.cli;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Spark session of a spark-* command, from its --master. */
final class SparkSessions {
    private SparkSessions() {
    }

    static SparkSession open(String master, String app) throws java.io.IOException {
        SparkSession.Builder b = SparkSession.builder().appName(app).config("spark.ui.showConsoleProgress", "false")
                // a barrier stage waiting for an executor being replaced checks again every second
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
        if (master != null) {
            b.master(master);
            if (master.startsWith("local-cluster")) {
                // local-cluster starts executor JVMs from $SPARK_HOME/jars (left empty) plus this class path.
                String home = System.getenv("SPARK_HOME");
                if (home == null) {
                    throw new CliException("--master " + master + ": SPARK_HOME is not set",
                            "scripts/stride sets it; run through scripts/stride, or point SPARK_HOME at a folder with an empty jars/");
                }
                Files.createDirectories(Path.of(home, "jars"));
                b.config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                        .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector");
            }
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }
}
