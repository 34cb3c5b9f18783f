package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.tensor.Shape;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stride summary}: a model's tree, output shapes and parameter counts, of a named model or a checkpoint's. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's tree of layers, output shapes and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet5", description = "Model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Models.Name model;

    @Option(names = "--classes", description = "Number of classes (default: the model's own, 10 or 1000).")
    Integer classes;

    @Option(names = "--channels", description = "Input channels (default: the model's own, 1 or 3).")
    Integer channels;

    @Option(names = "--checkpoint", description = "Summarise the model saved in this checkpoint instead of --model.")
    Path checkpoint;

    @Option(names = "--explain", description = "Show the arithmetic behind each output size and parameter count.")
    boolean explain;

    @Override
    public Integer call() throws Exception {
        // The summary only needs shapes: an inference build of batch 1 allocates the least.
        BuildOptions options = BuildOptions.inference().withThreads(1);
        try (Arena arena = Arena.ofConfined()) {
            Layer net;
            if (checkpoint != null) {
                CliPaths.readableFile(checkpoint, "--checkpoint", "a checkpoint written by stride train");
                net = ModelCheckpoint.load(checkpoint, GemmBackend.java(), arena, 1, options).model();
            } else {
                int[] sample = Models.inputShape(model);
                int c = channels != null ? channels : sample[0];
                net = Models.byName(model, classes != null ? classes : model.defaultClasses(), c, GemmBackend.defaultGemm());
                net.build(Shape.of(1, c, sample[1], sample[2]), arena, options);
            }
            System.out.print(net.summary(explain));
        }
        return 0;
    }
}
