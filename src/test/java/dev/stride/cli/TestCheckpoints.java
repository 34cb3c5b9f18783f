package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Models;
import dev.stride.nn.Parameter;
import dev.stride.nn.Sequential;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Checkpoints for the command-line tests, written with the library as stride train would. */
final class TestCheckpoints {
    private TestCheckpoints() {
    }

    /** LeNet-5 for MNIST, with random weights and no optimiser state. */
    static Path lenet(Path file) throws IOException {
        return save(file, Models.lenet5(GemmBackend.java()), Shape.of(1, 1, 28, 28), null);
    }

    /** LeNet-5 for MNIST with the state of the optimiser {@code optimizer} makes, as a training run saves it. */
    static Path lenet(Path file, BiFunction<List<Parameter>, Arena, Optimizer> optimizer) throws IOException {
        return save(file, Models.lenet5(GemmBackend.java()), Shape.of(1, 1, 28, 28), optimizer);
    }

    /** A small model for {@code channels x size x size} images in {@code classes} classes: conv, global pooling, linear. */
    static Path small(Path file, int channels, int size, int classes) throws IOException {
        Layer net = new Sequential(new Conv2d(Conv2dSpec.of(channels, 2, 3, 1, 1), GemmBackend.java()), new GlobalAvgPool(),
                new Flatten(), new Linear(2, classes, true, GemmBackend.java()));
        return save(file, net, Shape.of(1, channels, size, size), null);
    }

    /**
     * A model for MNIST whose first layer has {@code width} channels: small to store and to load for
     * one sample, but at thousands of samples a batch its first output alone takes width x 3 KB each.
     */
    static Path wide(Path file, int width) throws IOException {
        Layer net = new Sequential(new Conv2d(Conv2dSpec.of(1, width, 1, 1, 0), GemmBackend.java()), new GlobalAvgPool(),
                new Flatten(), new Linear(width, 10, true, GemmBackend.java()));
        return save(file, net, Shape.of(1, 1, 28, 28), null);
    }

    private static Path save(Path file, Layer net, Shape input, BiFunction<List<Parameter>, Arena, Optimizer> optimizer)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            net.build(input, arena, optimizer == null ? BuildOptions.inference().withThreads(1) : BuildOptions.training().withThreads(1));
            Init.he(3).apply(net.parameters());
            float[] mean = new float[input.dim(1)];
            float[] std = new float[input.dim(1)];
            Arrays.fill(mean, 0.1307f);
            Arrays.fill(std, 0.3081f);
            Optimizer opt = optimizer == null ? null : optimizer.apply(net.parameters(), arena);
            ModelCheckpoint.save(file, net, new Normalization(mean, std), opt, new ModelCheckpoint.Progress(1, 938, 3), Map.of());
        }
        return file;
    }
}
