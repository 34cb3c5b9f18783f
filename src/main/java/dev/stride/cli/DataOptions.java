package dev.stride.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which data set a training command reads, and from where: shared by train and spark-train. */
final class DataOptions {
    @Option(names = "--data", description = "Directory of the data set's files (default: the Stride cache).")
    Path data;

    @Option(names = "--dataset", defaultValue = "mnist",
            description = "mnist, fashion-mnist, cifar10, cifar100 or folder:PATH (PATH/<class>/<image>) (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--image-size", defaultValue = "32", description = "Folder data: images are resized to this square size (default ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--channels", defaultValue = "3", description = "Folder data: 1 (grey) or 3 (RGB) (default ${DEFAULT-VALUE}).")
    int channels;

    /** The data set chosen, its options checked first; {@code seed} splits a folder into train and test. */
    DataChoice choice(long seed) {
        if (channels != 1 && channels != 3) {
            throw new CliException("--channels " + channels + ": must be 1 or 3", "leave it out for RGB");
        }
        if (data != null) {
            CliPaths.dataDirectory(data, "--data");
        }
        return DataChoice.parse(dataset, imageSize, channels, seed);
    }
}
