package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasGemm;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A soak: the work of a long training job, round after round for {@code stride.soak.seconds}
 * (180 by default), in one JVM, with native memory, open files and threads flat from round to round.
 * Not in {@code ./mvnw verify}: the surefire execution "soak" runs it, with native memory tracking,
 * only when asked ({@code ./mvnw -B test-compile surefire:test@soak}).
 *
 * <p>A round, in an arena of its own: LeNet-5 trained for two epochs on 2 threads on OpenBLAS with an
 * evaluation after each (as {@code scripts/stride train} runs it); the model saved as a checkpoint
 * (over the last round's) and loaded back for inference and evaluated again; MNIST's first 500 test
 * images read from their IDX files and scored by the committed format-1 LeNet-5 checkpoint. After
 * the first round (which loads OpenBLAS and starts the worker threads), every round must end with
 * the memory of all arenas (native memory tracking's "Other"), the number of open file descriptors
 * and the number of threads where the first round left them, and with the same losses and scores:
 * nothing of a round may outlive it.
 */
class SoakTest {
    private static final int BATCH = 64;
    private static final Path CHECKPOINTS = Path.of("src/test/resources/checkpoints");

    @TempDir
    Path dir;

    @Test
    void roundsOfTrainingEvaluationAndCheckpointsLeaveNothingBehind() throws Exception {
        long seconds = Long.getLong("stride.soak.seconds", 180);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Dataset trainSet = NativeMemoryTest.squares(640, 1);
        Dataset testSet = NativeMemoryTest.squares(200, 2);
        Round first = round(trainSet, testSet);
        Usage baseline = Usage.now();
        List<Usage> after = new ArrayList<>();
        while (System.nanoTime() < deadline || after.size() < 5) {
            Round r = round(trainSet, testSet);
            Usage u = Usage.now();
            after.add(u);
            int n = after.size() + 1;
            assertEquals(first, r, "round " + n + " computed something else than round 1");
            assertEquals(baseline.arenaBytes, u.arenaBytes, "native memory of the arenas after round " + n + " against round 1 (bytes)");
            assertEquals(baseline.openFiles, u.openFiles, "open file descriptors after round " + n + " against round 1");
            assertEquals(baseline.threads, u.threads, "threads after round " + n + " against round 1");
        }
        System.out.println("soak: " + (after.size() + 1) + " rounds in " + seconds + " s, each ending with " + baseline);
    }

    /** What a round computed: its losses and scores, to the bit. */
    record Round(double trainLoss, double testLoss, double reloadedLoss, double formatOneAccuracy) {
    }

    private Round round(Dataset trainSet, Dataset testSet) throws IOException {
        Path saved = dir.resolve("soak.stride");
        OpenBlasGemm gemm = (OpenBlasGemm) GemmBackend.openBlas();
        gemm.setThreads(1);
        try (Arena arena = Arena.ofShared()) {
            Sequential model = Models.lenet5(gemm);
            model.build(Shape.of(BATCH, 1, 28, 28), arena, 2);
            Init.pytorchDefault(1).apply(model.parameters());
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.01).withMomentum(0.9));
            Normalization norm = Normalization.of(trainSet);
            DataLoader train = new DataLoader(trainSet, norm, LoaderSpec.training(BATCH, 3, 1), arena);
            DataLoader test = new DataLoader(testSet, norm, LoaderSpec.evaluation(BATCH), arena);
            Trainer trainer = new Trainer(model, loss, sgd, LrSchedule.constant(0.01));
            EpochResult last = null;
            for (int e = 0; e < 2; e++) {
                last = trainer.epoch(e, train, test, TrainingListener.NONE);
            }
            ModelCheckpoint.save(saved, model, norm, sgd, new ModelCheckpoint.Progress(2, trainer.globalStep(), 1), Map.of());

            ModelCheckpoint.Loaded reloaded = ModelCheckpoint.load(saved, gemm, arena, BATCH, BuildOptions.inference().withThreads(2));
            SoftmaxCrossEntropy reloadedLoss = new SoftmaxCrossEntropy();
            reloadedLoss.build(reloaded.model().outputShape(), arena);
            double again = Trainer.evaluate(reloaded.model(), reloadedLoss, new DataLoader(testSet, norm, LoaderSpec.evaluation(BATCH), arena)).loss();

            Dataset mnist = Dataset.fromIdx(CHECKPOINTS.resolve("mnist-test-500-images-idx3-ubyte.gz"),
                    CHECKPOINTS.resolve("mnist-test-500-labels-idx1-ubyte.gz"), 10);
            ModelCheckpoint.Loaded lenet = ModelCheckpoint.load(CHECKPOINTS.resolve("lenet5-format1.stride"), gemm, arena, 100,
                    BuildOptions.inference().withThreads(2));
            SoftmaxCrossEntropy lenetLoss = new SoftmaxCrossEntropy();
            lenetLoss.build(lenet.model().outputShape(), arena);
            double accuracy = Trainer.evaluate(lenet.model(), lenetLoss,
                    new DataLoader(mnist, lenet.normalization(), LoaderSpec.evaluation(100), arena)).accuracy();
            return new Round(last.trainLoss(), last.testLoss(), again, accuracy);
        }
    }

    /** What a leak would grow: arena memory, open file descriptors, threads. */
    record Usage(long arenaBytes, long openFiles, int threads) {
        static Usage now() throws Exception {
            return new Usage(NativeMemoryTest.arenaBytes(), countOpenFiles(), ManagementFactory.getThreadMXBean().getThreadCount());
        }

        /** Descriptors in /proc/self/fd, less the one listing them; -1 where there is no /proc. */
        private static long countOpenFiles() throws IOException {
            Path fds = Path.of("/proc/self/fd");
            if (!Files.isDirectory(fds)) {
                return -1;
            }
            try (Stream<Path> s = Files.list(fds)) {
                return s.count() - 1;
            }
        }
    }
}
