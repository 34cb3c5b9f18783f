package dev.stride.cli;

import dev.stride.nn.Models;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.util.concurrent.Callable;

/** {@code stride summary}: a model's layers, output shapes and parameter counts. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Print a model's layers, shapes and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet5", description = "Model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Models.Name model;

    @Option(names = "--explain", description = "Show the arithmetic behind each output size and parameter count.")
    boolean explain;

    @Override
    public Integer call() {
        Layer net = Models.byName(model);
        // The summary only needs shapes; the weights stay zero and are never used.
        try (Arena arena = Arena.ofConfined()) {
            int[] sample = Models.inputShape(model);
            net.build(Shape.of(1, sample[0], sample[1], sample[2]), arena, BuildOptions.inference().withThreads(1));
            System.out.print(net.summary(explain));
        }
        return 0;
    }
}
