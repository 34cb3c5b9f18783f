package dev.stride.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stride data}: fetches and verifies a data set into the cache. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Fetch MNIST, Fashion-MNIST or CIFAR into the cache and verify it.")
final class DataCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Target directory (default: the Stride cache).")
    Path dir;

    @Option(names = "--dataset", defaultValue = "mnist", description = "mnist, fashion-mnist, cifar10 or cifar100 (default ${DEFAULT-VALUE}).")
    String dataset;

    @Override
    public Integer call() throws Exception {
        if (dataset.startsWith("folder:")) {
            throw new CliException("--dataset " + dataset + ": a folder is used where it is, nothing to fetch",
                    "use mnist, fashion-mnist, cifar10 or cifar100");
        }
        DataChoice choice = DataChoice.parse(dataset, 0, 0, 0);
        if (dir != null) {
            CliPaths.dataDirectory(dir, "--dir");
        }
        choice.test(dir, msg -> System.err.println("data: " + msg));
        System.out.println(choice.spec().name() + " ready in " + (dir != null ? dir : "the Stride cache"));
        return 0;
    }
}
