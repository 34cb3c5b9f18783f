package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Parameter;
import dev.stride.nn.Layer;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.testing.Allocations;
import dev.stride.testing.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    static final int BATCH = 32;
    static final Dataset TRAIN = TinyImages.make(600, 1);
    static final Dataset TEST = TinyImages.make(200, 2);

    /** One training set-up: model, optimiser, trainer and loaders, all in the caller's arena. */
    record Run(Layer model, Optimizer optimizer, Trainer trainer, DataLoader train, DataLoader test) {
        static Run fresh(Arena arena, Gemm gemm, long seed) {
            return fresh(arena, gemm, seed, TRAIN);
        }

        static Run fresh(Arena arena, Gemm gemm, long seed, Dataset train) {
            Sequential model = TinyImages.model(gemm);
            model.build(Shape.of(BATCH, 1, TinyImages.SIZE, TinyImages.SIZE), arena);
            new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, seed).apply(model.parameters());
            return around(model, arena, seed, train);
        }

        static Run around(Layer model, Arena arena, long seed) {
            return around(model, arena, seed, TRAIN);
        }

        static Run around(Layer model, Arena arena, long seed, Dataset trainSet) {
            Normalization norm = Normalization.of(trainSet);
            Optimizer opt = new Sgd(model.parameters(), arena, SgdSpec.of(0.05).withMomentum(0.9));
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            int steps = (trainSet.count() + BATCH - 1) / BATCH;
            Trainer trainer = new Trainer(model, loss, opt, LrSchedule.cosine(0.05, 0, 3L * steps));
            return new Run(model, opt, trainer, new DataLoader(trainSet, norm, LoaderSpec.training(BATCH, seed, 1), arena),
                    new DataLoader(TEST, norm, LoaderSpec.evaluation(BATCH), arena));
        }

        EpochResult epoch(int epoch) {
            return trainer.epoch(epoch, train, test, TrainingListener.NONE);
        }
    }

    static List<Gemm> backends() {
        return Backends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void learnsTheTinyTask(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            Run run = Run.fresh(arena, gemm, 42);
            List<String> batches = new ArrayList<>();
            EpochResult first = run.trainer().epoch(0, run.train(), run.test(), new TrainingListener() {
                @Override
                public void onBatch(int epoch, int batch, int of, double loss, double acc, double ips) {
                    batches.add(batch + "/" + of);
                }
            });
            EpochResult last = first;
            for (int e = 1; e < 3; e++) {
                last = run.epoch(e);
            }
            assertEquals(List.of("1/19", "19/19"), List.of(batches.get(0), batches.get(batches.size() - 1)));
            assertTrue(last.trainLoss() < first.trainLoss(), first + " -> " + last);
            assertTrue(last.testAccuracy() > 0.95, "test accuracy " + last.testAccuracy());
            Evaluation eval = run.trainer().evaluate(run.test());
            assertEquals(TEST.count(), eval.confusion().total());
            assertEquals(last.testAccuracy(), eval.accuracy(), 1e-12);
        }
    }

    @Test
    void theSameSeedGivesTheSameWeightsBitForBit() {
        for (Gemm gemm : Backends.all()) {
            assertArrayEquals(trainedWeights(gemm, 5), trainedWeights(gemm, 5), gemm.name());
        }
    }

    private static float[] trainedWeights(Gemm gemm, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Run run = Run.fresh(arena, gemm, seed);
            run.epoch(0);
            run.epoch(1);
            return allValues(run.model());
        }
    }

    static float[] allValues(Layer model) {
        List<Float> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            for (float v : p.value().toArray()) {
                out.add(v);
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    /**
     * The whole loop -- loader, forward, loss, backward, schedule, optimiser -- reuses its buffers:
     * once compiled, a step allocates at most a few small objects that escape analysis did not
     * remove (measured here: about 70 bytes a step), never anything that grows with the batch or
     * the model. The data set is a whole number of batches; a smaller last batch costs a few view
     * objects per epoch when the batch size changes.
     */
    @Test
    void anEpochAllocatesOnlyAConstantOnTheHeap() {
        try (Arena arena = Arena.ofConfined()) {
            Run run = Run.fresh(arena, GemmBackend.java(), 8, TinyImages.make(20 * BATCH, 5));
            for (int e = 0; e < 40; e++) { // warm-up: let C2 compile the step and drop short-lived objects
                run.trainer().epoch(e, run.train(), null, TrainingListener.NONE);
            }
            // Then batches of epochs until one stays under the allowance: with this small model the
            // Vector API loops run few iterations a step, and in a JVM of its own C2 may not have
            // compiled them all after the 800 warm-up steps (until then their vectors are objects).
            int steps = run.train().batchesPerEpoch();
            int[] epoch = {40};
            long perEpoch = Allocations.perCallOnceCompiled(5, 256L * steps,
                    i -> run.trainer().epoch(epoch[0]++, run.train(), null, TrainingListener.NONE));
            assertTrue(perEpoch / steps < 256, "an epoch of " + steps + " steps allocated " + perEpoch + " bytes");
        }
    }

    @Test
    void aNaNLossStopsTrainingBeforeTheStepAndLeavesTheCheckpoint(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Run run = Run.fresh(arena, GemmBackend.java(), 3);
            run.epoch(0);
            Path ckpt = dir.resolve("last.stride");
            ModelCheckpoint.save(ckpt, run.model(), Normalization.of(TRAIN), run.optimizer(),
                    new ModelCheckpoint.Progress(1, run.trainer().globalStep(), 3), Map.of());
            byte[] saved = Files.readAllBytes(ckpt);

            Parameter head = run.model().parameters().get(run.model().parameters().size() - 1);
            head.value().setFlat(0, Float.NaN);
            float[] convBefore = run.model().parameters().get(0).value().toArray();
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> run.epoch(1));
            assertEquals(1, e.epoch());
            assertEquals(1, e.step());
            assertTrue(e.getMessage().contains("NaN at epoch 1, step 1"), e.getMessage());
            assertArrayEquals(convBefore, run.model().parameters().get(0).value().toArray(), "the optimiser stepped");
            assertArrayEquals(saved, Files.readAllBytes(ckpt));
            ModelCheckpoint.load(ckpt, GemmBackend.java(), arena, BATCH);
        }
    }
}
