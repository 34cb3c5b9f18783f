package dev.stride.cli;

import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;

import java.lang.foreign.Arena;

/**
 * The {@code --batch} option's limits, checked before any memory is taken, and the build at that
 * batch, where running out of memory is reported as the option's problem.
 */
final class BatchOption {
    private BatchOption() {
    }

    /** A training batch: at least 1, and no more than the training images (a batch is drawn from one epoch). */
    static int forTraining(int batch, DataSpec data) {
        atLeastOne(batch);
        if (batch > data.trainImages()) {
            throw new CliException("--batch " + batch + ": more than the " + data.trainImages() + " training images of " + data.name(),
                    "use at most " + data.trainImages() + " (64 to 256 train best)");
        }
        return batch;
    }

    /**
     * An evaluation batch: at least 1; above the number of test images it is capped, with a note,
     * since the result is the same and a larger batch would only take memory.
     */
    static int forEvaluation(int batch, DataSpec data) {
        atLeastOne(batch);
        if (batch > data.testImages()) {
            System.err.println("stride: note: --batch " + batch + " is more than the " + data.testImages() + " test images of "
                    + data.name() + "; using " + data.testImages());
            return data.testImages();
        }
        return batch;
    }

    /** (Re)builds {@code model} for batches of up to {@code input.dim(0)}; a build that runs out of memory names --batch. */
    static void build(Layer model, Shape input, Arena arena, BuildOptions options) {
        try {
            model.build(input, arena, options);
        } catch (OutOfMemoryError e) {
            throw new CliException("--batch " + input.dim(0) + ": not enough memory for the model's buffers at "
                    + input.dim(0) + " samples a batch (" + e.getMessage() + ")", "use a smaller --batch", e);
        }
    }

    private static void atLeastOne(int batch) {
        if (batch < 1) {
            throw new CliException("--batch " + batch + ": must be at least 1", "leave it out for the default");
        }
    }
}
