package dev.stride.cli;

import picocli.CommandLine;

/**
 * {@code stride} with the Spark commands added: run by scripts/stride for {@code spark-train} and
 * {@code spark-predict} only, with Spark on the class path, so that the other commands never need
 * Spark. In package dev.stride.cli (split across the core jar and this one, which the class path
 * allows) to reuse the core command line's options and error reporting.
 */
public final class SparkMain {
    private SparkMain() {
    }

    public static void main(String[] args) {
        CommandLine cmd = Main.commandLine();
        cmd.addSubcommand(new SparkTrainCommand());
        cmd.addSubcommand(new SparkPredictCommand());
        System.exit(cmd.execute(args));
    }
}
