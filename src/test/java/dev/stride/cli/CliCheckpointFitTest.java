package dev.stride.cli;

import dev.stride.optim.Adam;
import dev.stride.optim.AdamSpec;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.stride.cli.CliRun.assertError;
import static dev.stride.cli.CliRun.assertVerboseShowsTrace;
import static dev.stride.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A checkpoint that does not fit what a command feeds it is refused with both sides named (the
 * checkpoint's input shape and class count, the data's; the optimiser state and this run's), before
 * any data is fetched: the data directory given stays empty.
 */
class CliCheckpointFitTest {
    private static final String MNIST = "MNIST has 1x28x28 images in 10 classes";

    @TempDir
    Path dir;

    private String data() throws IOException {
        return Files.createDirectories(dir.resolve("mnist")).toString();
    }

    private void assertNothingFetched() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("mnist"))) {
            assertEquals(0, files.count(), "nothing may be fetched for a checkpoint that does not fit");
        }
    }

    @Test
    void evalOfAThreeChannelModelOnMnistNamesBothShapes() throws IOException {
        Path rgb = TestCheckpoints.small(dir.resolve("rgb.stride"), 3, 32, 10);
        String[] args = {"eval", "--backend", "java", "--checkpoint", rgb.toString(), "--data", data()};
        assertError(run(args), 1, "stride eval: checkpoint " + rgb + " takes 3x32x32 inputs and has 10 classes, but " + MNIST,
                "evaluate it on the data set it was trained on (--dataset)");
        assertVerboseShowsTrace(args);
        assertNothingFetched();
    }

    @Test
    void evalOfAModelWithOtherClassesNamesBothCounts() throws IOException {
        Path five = TestCheckpoints.small(dir.resolve("five.stride"), 1, 28, 5);
        assertError(run("eval", "--backend", "java", "--checkpoint", five.toString(), "--data", data()), 1,
                "checkpoint " + five + " takes 1x28x28 inputs and has 5 classes, but " + MNIST);
        assertNothingFetched();
    }

    @Test
    void predictWithATwoChannelModelSaysPredictMakesGreyOrRgbImages() throws IOException {
        Path two = TestCheckpoints.small(dir.resolve("two.stride"), 2, 32, 10);
        assertError(run("predict", "--backend", "java", "--checkpoint", two.toString(), dir.resolve("any.png").toString()), 1,
                "stride predict: checkpoint " + two + " takes 2x32x32 inputs and has 10 classes, but predict makes grey (1xHxW) or RGB (3xHxW) images",
                "one or three input channels");
    }

    @Test
    void resumingAThreeChannelModelOnMnistNamesBothShapes() throws IOException {
        Path rgb = TestCheckpoints.small(dir.resolve("rgb.stride"), 3, 32, 10);
        assertError(run("train", "--backend", "java", "--resume", rgb.toString(), "--out", dir.resolve("run").toString(),
                "--data", data()), 1, "stride train: checkpoint " + rgb + " takes 3x32x32 inputs and has 10 classes, but " + MNIST,
                "resume with the --dataset the checkpoint was trained on");
        assertNothingFetched();
    }

    @Test
    void resumingWithAnotherOptimiserSaysWhichOneItHolds() throws IOException {
        Path adam = TestCheckpoints.lenet(dir.resolve("adam.stride"), (params, arena) -> new Adam(params, arena, AdamSpec.of(1e-3)));
        String[] args = {"train", "--backend", "java", "--resume", adam.toString(), "--optimizer", "momentum",
                "--out", dir.resolve("run").toString(), "--data", data()};
        assertError(run(args), 1, "checkpoint " + adam + " holds the state of optimiser 'adam', but this run uses 'sgd'",
                "resume with the optimiser options it was trained with (--optimizer adam)");
        assertVerboseShowsTrace(args);
        assertNothingFetched();
    }

    @Test
    void resumingMomentumStateWithPlainSgdSaysWhatDiffers() throws IOException {
        Path momentum = TestCheckpoints.lenet(dir.resolve("momentum.stride"),
                (params, arena) -> new Sgd(params, arena, SgdSpec.of(0.05).withMomentum(0.9).withWeightDecay(5e-4)));
        // Saved as stride train saves (weight decay 5e-4). Both are "sgd"; before, this was "no tensor 'optim.velocity.0' ... Build the same architecture".
        assertError(run("train", "--backend", "java", "--resume", momentum.toString(), "--optimizer", "sgd",
                        "--out", dir.resolve("run").toString(), "--data", data()), 1,
                "holds 10 sgd state tensors (momentum 0.9 saved, 0.0 here), but this run's sgd keeps 0",
                "(--optimizer momentum --momentum 0.9)");
        assertNothingFetched();
    }

    @Test
    void resumingACheckpointWithoutOptimiserStateSaysSo() throws IOException {
        Path weights = TestCheckpoints.lenet(dir.resolve("weights.stride"));
        assertError(run("train", "--backend", "java", "--resume", weights.toString(), "--out", dir.resolve("run").toString(),
                "--data", data()), 1, "checkpoint " + weights + " holds no optimiser state", "train afresh without --resume");
        assertNothingFetched();
    }

    /** Zoo models are made for MNIST's grey images and ten classes; those that cannot take 28x28 say where. */
    @Test
    void trainingAModelForOtherImagesOnMnistIsRefused() throws IOException {
        assertError(run("train", "--backend", "java", "--model", "vgg_small", "--out", dir.resolve("run").toString(),
                "--data", data()), 1, "--model vgg_small cannot take MNIST's 1x28x28 images: layer 14 (MaxPool2d)",
                "choose a model for this image size: lenet5 at 28x28");
        assertError(run("train", "--backend", "java", "--model", "alexnet", "--out", dir.resolve("run").toString(),
                "--data", data()), 1, "--model alexnet cannot take MNIST's 1x28x28 images: layer features.", "choose a model");
        assertNothingFetched();
    }
}
