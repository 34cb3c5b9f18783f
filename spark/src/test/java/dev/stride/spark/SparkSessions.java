package dev.stride.spark;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one Spark session of a test suite: local threads, or local-cluster mode with executor JVMs of their own. */
final class SparkSessions {
    private SparkSessions() {
    }

    static SparkSession local() {
        return base("local[2]").getOrCreate();
    }

    /** Two executor JVMs of one core each: real serialisation, sockets between processes, a JVM that can die. */
    static SparkSession localCluster() throws IOException {
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        SparkSession spark = base("local-cluster[2,1,1024]")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector")
                .getOrCreate();
        // Both executors up before the first barrier stage, which would otherwise wait a check interval.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return spark;
    }

    private static SparkSession.Builder base(String master) {
        return SparkSession.builder().master(master).appName("stride-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                // A barrier stage that finds too few free slots (an executor being replaced) checks again this often.
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
    }
}
