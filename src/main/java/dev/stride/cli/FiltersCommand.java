package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.Conv2d;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stride filters}: the first convolution's learned filters as an image grid. */
@Command(name = "filters", mixinStandardHelpOptions = true, description = "Write the first conv layer's filters as a PNG grid.")
final class FiltersCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint file written by stride train.")
    Path checkpoint;

    @Option(names = "--out", defaultValue = "filters.png", description = "PNG to write (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        CliPaths.readableFile(checkpoint, "--checkpoint", "a checkpoint written by stride train");
        CliPaths.writableFile(out, "--out");
        try (Arena arena = Arena.ofShared()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, GemmBackend.java(), arena, 1, BuildOptions.inference().withThreads(1));
            Conv2d conv = firstConv(loaded.model());
            if (conv != null) {
                FilterGrid.write(conv.weight().value(), out);
                System.out.println("wrote " + out + ": " + conv.path() + " " + conv.describe()
                        + " filters, one row per filter, one column per input channel");
                return 0;
            }
        }
        throw new CliException("checkpoint " + checkpoint + " has no convolution layer, so no filters to draw",
                "stride summary --checkpoint " + checkpoint + " shows its layers");
    }

    /** The first convolution in running order (depth first), or null. */
    private static Conv2d firstConv(Layer layer) {
        if (layer instanceof Conv2d conv) {
            return conv;
        }
        for (Layer child : layer.children().values()) {
            Conv2d found = firstConv(child);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
