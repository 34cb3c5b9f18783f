package dev.stride;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.train.EpochResult;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's quick start, call for call, on a small synthetic 28x28 data set instead of MNIST. */
class QuickStartTest {

    @Test
    void theReadmeQuickStartRuns(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Dataset train = synthetic(256, 1);
            Dataset test = synthetic(64, 2);
            Normalization norm = Normalization.of(train);

            Sequential net = Models.lenet5();
            net.build(Shape.of(64, 1, 28, 28), arena, 2);
            Init.he(42).apply(net.parameters());
            assertTrue(net.summary(true).contains("total parameters: 61,706"));

            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(net.outputShape(), arena);
            Optimizer sgd = new Sgd(net.parameters(), arena, SgdSpec.of(0.05).withMomentum(0.9).withWeightDecay(5e-4));
            LrSchedule lr = LrSchedule.warmup(2, LrSchedule.cosine(0.05, 0, 2 * 4 - 2));
            Trainer trainer = new Trainer(net, loss, sgd, lr);
            DataLoader trainData = new DataLoader(train, norm, LoaderSpec.training(64, 42, 1), arena);
            DataLoader testData = new DataLoader(test, norm, LoaderSpec.evaluation(64), arena);
            EpochResult first = trainer.epoch(0, trainData, testData, TrainingListener.NONE);
            EpochResult second = trainer.epoch(1, trainData, testData, TrainingListener.NONE);
            assertTrue(second.trainLoss() < first.trainLoss(), first + " -> " + second);
            Path file = dir.resolve("lenet5.stride");
            ModelCheckpoint.save(file, net, norm, sgd, new ModelCheckpoint.Progress(2, trainer.globalStep(), 42), Map.of());
            assertTrue(Files.size(file) > 61706 * 4);
        }
    }

    /** Digit-sized images whose class is which of ten horizontal bands holds a bright bar. */
    private static Dataset synthetic(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pixels = new byte[count * 28 * 28];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = rnd.nextInt(10);
            int row = 2 + labels[i] * 2 + rnd.nextInt(2);
            for (int x = 4; x < 24; x++) {
                pixels[i * 784 + row * 28 + x] = (byte) 220;
            }
        }
        return new Dataset(pixels, labels, 1, 28, 28, 10);
    }
}
