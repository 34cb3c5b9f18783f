package dev.stride.cli;

import dev.stride.data.MnistDownloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stride data}: fetches and verifies MNIST into the cache. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Fetch MNIST into the cache and verify its SHA-256 sums.")
final class DataCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Target directory (default: the Stride cache).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path target = dir != null ? dir : MnistDownloader.defaultDirectory();
        CliPaths.dataDirectory(target, dir != null ? "--dir" : "the cache directory");
        MnistDownloader.ensure(target, msg -> System.err.println("data: " + msg));
        System.out.println("MNIST ready in " + target);
        return 0;
    }
}
