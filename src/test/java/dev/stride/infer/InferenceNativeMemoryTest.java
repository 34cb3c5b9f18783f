package dev.stride.infer;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.Sequential;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.NativeMemoryTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory is back where it started once a model loaded from a checkpoint has served 8
 * threads (through its pool, predictors of their own and a batching front) and been closed. Runs in
 * the surefire execution "native-memory", whose JVM tracks native memory; the arenas' memory is its
 * "Other" category ({@link NativeMemoryTest#arenaBytes()}).
 */
class InferenceNativeMemoryTest {
    @Test
    void loadServeFromEightThreadsAndCloseGiveTheMemoryBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lenet.ckpt");
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(GemmBackend.openBlas(), arena, 1, 41);
            ModelCheckpoint.save(file, net, Fixtures.grey(), null, new ModelCheckpoint.Progress(1, 1, 1),
                    Map.of(CheckpointMetadata.DATASET, "mnist"));
        }
        float[] x = Fixtures.inputs(8, 42);
        // A first round, so that what the JDK and OpenBLAS allocate once is not counted against the model.
        serve(file, x, 1);
        long before = NativeMemoryTest.arenaBytes();
        long[] during = serve(file, x, 3);
        long after = NativeMemoryTest.arenaBytes();
        assertTrue(during[0] > before, "the model's memory should show in the arena memory (" + before + " -> " + during[0]
                + " bytes): is the category right?");
        for (int round = 1; round < during.length; round++) {
            assertEquals(during[0], during[round], "native memory after round " + (round + 1) + " against after round 1 (bytes)");
        }
        assertTrue(after <= before + 64 * 1024, "closing should give the memory back: " + before + " bytes before, " + after + " after");
    }

    /** Loads, serves {@code rounds} rounds of 8 threads, closes; the arena bytes after each round. */
    private static long[] serve(Path file, float[] x, int rounds) throws Exception {
        long[] bytes = new long[rounds];
        InferenceOptions options = InferenceOptions.defaults().withMaxBatch(8);
        try (InferenceModel model = InferenceModel.load(file, options)) {
            model.warmup();
            try (BatchingPredictor front = BatchingPredictor.start(model, BatchingOptions.defaults(model).withMaxWait(Duration.ofMillis(1)))) {
                for (int round = 0; round < rounds; round++) {
                    InferenceThreadsTest.onThreads(() -> {
                        for (int call = 0; call < 50; call++) {
                            assertEquals(8, model.predict(x, 8).size());
                            CompletableFuture<Prediction> f = front.submit(Fixtures.sample(x, call % 8));
                            assertEquals(10, f.get(10, TimeUnit.SECONDS).classes());
                        }
                        return null;
                    });
                    // Predictors of the threads' own, made and closed in every round.
                    InferenceThreadsTest.onThreads(() -> {
                        try (Predictor own = model.newPredictor()) {
                            return own.predict(x, 8).size();
                        }
                    });
                    bytes[round] = NativeMemoryTest.arenaBytes();
                }
            }
        }
        return bytes;
    }
}
