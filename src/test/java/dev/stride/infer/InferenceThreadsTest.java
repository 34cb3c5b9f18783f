package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Eight threads on one model: the bits of one thread, and a clear error for the one misuse. */
class InferenceThreadsTest {
    static final int THREADS = 8;
    static final long HAMMER_NANOS = 1_000_000_000L;
    static final int[] CALL_SIZES = {1, 3, 8, 13, 2, 20};

    private static InferenceModel lenet(Arena arena, Gemm gemm, InferenceOptions options) {
        return InferenceModel.of(Fixtures.lenet(gemm, arena, 1, 31), Fixtures.grey(), List.of(), options.withGemm(gemm));
    }

    /** Runs {@code task} on {@link #THREADS} threads at once and returns what each returned. */
    static <T> List<T> onThreads(Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(task));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The same calls from 8 threads for a second give the single thread's scores bit for bit, on
     * OpenBLAS, with the pool's predictors on one thread each and with one predictor splitting its
     * passes over two threads.
     */
    @ParameterizedTest
    @CsvSource({"0, 1", "1, 2"})
    void eightThreadsOnOneModelGetTheSingleThreadsBits(int predictors, int threadsPerPredictor) throws Exception {
        InferenceOptions options = InferenceOptions.defaults().withMaxBatch(8).withThreadsPerPredictor(threadsPerPredictor)
                .withPredictors(predictors == 0 ? Runtime.getRuntime().availableProcessors() / threadsPerPredictor : predictors)
                .withForceThreads(true);
        try (Arena arena = Arena.ofShared(); InferenceModel model = lenet(arena, GemmBackend.openBlas(), options)) {
            model.warmup();
            float[][] inputs = new float[CALL_SIZES.length][];
            List<List<Prediction>> expected = new ArrayList<>();
            for (int c = 0; c < CALL_SIZES.length; c++) {
                inputs[c] = Fixtures.inputs(CALL_SIZES[c], 40 + c);
                expected.add(model.predict(inputs[c], CALL_SIZES[c]));
            }
            List<Integer> calls = onThreads(() -> {
                SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());
                int made = 0;
                for (long end = System.nanoTime() + HAMMER_NANOS; System.nanoTime() < end; made++) {
                    int c = random.nextInt(CALL_SIZES.length);
                    List<Prediction> got = model.predict(inputs[c], CALL_SIZES[c]);
                    for (int i = 0; i < got.size(); i++) {
                        assertArrayEquals(expected.get(c).get(i).scores(), got.get(i).scores(), "call " + c + ", sample " + i);
                    }
                }
                return made;
            });
            for (int made : calls) {
                assertTrue(made > 0, "every thread should have made calls: " + calls);
            }
        }
    }

    /** Requests from 8 threads through one batching front: every answer is its own sample's, within 1e-5. */
    @Test
    void eightThreadsThroughOneBatchingFrontGetTheirOwnAnswers() throws Exception {
        InferenceOptions options = InferenceOptions.defaults().withMaxBatch(8);
        try (Arena arena = Arena.ofShared(); InferenceModel model = lenet(arena, GemmBackend.openBlas(), options)) {
            int samples = 16;
            float[] x = Fixtures.inputs(samples, 50);
            List<Prediction> expected = model.predict(x, samples);
            BatchingOptions batching = BatchingOptions.defaults(model).withMaxWait(java.time.Duration.ofMillis(1))
                    .withWorkers(Runtime.getRuntime().availableProcessors());
            try (BatchingPredictor front = BatchingPredictor.start(model, batching)) {
                List<Integer> answered = onThreads(() -> {
                    SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());
                    int made = 0;
                    for (long end = System.nanoTime() + HAMMER_NANOS; System.nanoTime() < end; made++) {
                        int i = random.nextInt(samples);
                        Prediction p = front.submit(Fixtures.sample(x, i)).get(10, TimeUnit.SECONDS);
                        TensorAssert.assertClose(expected.get(i).scores(), p.scores(), Shape.of(1, 10), 1e-5, 1e-6, "sample " + i);
                    }
                    return made;
                });
                for (int made : answered) {
                    assertTrue(made > 0, "every thread should have had answers: " + answered);
                }
            }
        }
    }

    @Test
    void aSecondThreadCallingABusyPredictorIsRefusedAndTheFirstIsUndisturbed() throws Exception {
        try (Arena arena = Arena.ofShared();
             InferenceModel model = lenet(arena, GemmBackend.java(), InferenceOptions.defaults().withMaxBatch(16));
             Predictor predictor = model.newPredictor()) {
            float[] x = Fixtures.inputs(16, 60);
            List<Prediction> expected = predictor.predict(x, 16);
            float[] first = Fixtures.sample(x, 0);
            float[] alone = predictor.predict(first, 1).getFirst().scores();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                // Either thread may be the one refused; every call that runs must be right.
                Future<Integer> busy = other.submit(() -> {
                    int calls = 0;
                    for (long end = System.nanoTime() + 10 * HAMMER_NANOS; !stop.get() && System.nanoTime() < end; ) {
                        try {
                            assertArrayEquals(expected.get(15).scores(), predictor.predict(x, 16).get(15).scores());
                            calls++;
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("serves one thread at a time"), e.getMessage());
                        }
                    }
                    return calls;
                });
                IllegalStateException refused = null;
                for (long end = System.nanoTime() + 10 * HAMMER_NANOS; refused == null && System.nanoTime() < end; ) {
                    try {
                        assertArrayEquals(alone, predictor.predict(first, 1).getFirst().scores());
                    } catch (IllegalStateException e) {
                        refused = e;
                    }
                }
                stop.set(true);
                assertTrue(busy.get(30, TimeUnit.SECONDS) > 0);
                assertTrue(refused != null, "a call while another thread's call runs should have been refused");
                assertTrue(refused.getMessage().contains("serves one thread at a time")
                        && refused.getMessage().contains("newPredictor()"), refused.getMessage());
            } finally {
                stop.set(true);
                other.shutdownNow();
            }
            assertArrayEquals(expected.get(3).scores(), predictor.predict(x, 16).get(3).scores(), "free again afterwards");
        }
    }

    /** Closing the model while 8 threads call it: each call gets its right answer or "closed", nothing else. */
    @Test
    void closingAModelUnderLoadEndsEveryCallCleanly() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            InferenceModel model = lenet(arena, GemmBackend.openBlas(), InferenceOptions.defaults().withMaxBatch(4));
            float[] x = Fixtures.inputs(4, 70);
            float[] expected = model.predict(x, 4).get(1).scores();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> callers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    callers.add(pool.submit(() -> {
                        int answered = 0;
                        while (true) {
                            try {
                                assertArrayEquals(expected, model.predict(x, 4).get(1).scores());
                                answered++;
                            } catch (IllegalStateException e) {
                                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                                return answered;
                            }
                        }
                    }));
                }
                Thread.sleep(200);
                model.close();
                int total = 0;
                for (Future<Integer> f : callers) {
                    total += f.get(30, TimeUnit.SECONDS);
                }
                assertTrue(total > 0, "the callers should have had answers before the close");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** close() answers every request already queued; later ones fail at once. */
    @Test
    void closingABatchingFrontFinishesWhatIsQueued() throws Exception {
        try (Arena arena = Arena.ofShared();
             InferenceModel model = lenet(arena, GemmBackend.java(), InferenceOptions.defaults().withMaxBatch(8))) {
            float[] x = Fixtures.inputs(8, 80);
            List<Prediction> expected = model.predict(x, 8);
            BatchingPredictor front = BatchingPredictor.start(model, BatchingOptions.defaults(model).withQueueCapacity(400));
            List<java.util.concurrent.CompletableFuture<Prediction>> inFlight = new ArrayList<>();
            for (int r = 0; r < 400; r++) {
                inFlight.add(front.submit(Fixtures.sample(x, r % 8)));
            }
            front.close();
            for (int r = 0; r < 400; r++) {
                assertTrue(inFlight.get(r).isDone() && !inFlight.get(r).isCompletedExceptionally(), "request " + r);
                TensorAssert.assertClose(expected.get(r % 8).scores(), inFlight.get(r).get().scores(), Shape.of(1, 10), 1e-5, 1e-6, "r" + r);
            }
            var late = front.submit(Fixtures.sample(x, 0));
            IllegalStateException e = (IllegalStateException) org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, late::get).getCause();
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            front.close(); // idempotent
        }
    }

    /** A bad input fails its own future only; a full queue rejects at once. */
    @Test
    void aBatchingFrontFailsOnlyTheFutureThatCausedTheError() throws Exception {
        try (Arena arena = Arena.ofShared();
             InferenceModel model = lenet(arena, GemmBackend.java(), InferenceOptions.defaults().withMaxBatch(4))) {
            float[] x = Fixtures.inputs(2, 90);
            float[] nan = Fixtures.sample(x, 1);
            nan[100] = Float.NaN;
            BatchingOptions slow = BatchingOptions.defaults(model).withMaxWait(java.time.Duration.ofMillis(50)).withQueueCapacity(2);
            try (BatchingPredictor front = BatchingPredictor.start(model, slow)) {
                var good = front.submit(Fixtures.sample(x, 0));
                var bad = front.submit(nan);
                var shortOne = front.submit(new float[10]);
                var alsoGood = front.submit(Fixtures.sample(x, 1));
                assertTrue(((IllegalArgumentException) org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, bad::get).getCause()).getMessage().contains("NaN"));
                assertTrue(((IllegalArgumentException) org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, shortOne::get).getCause()).getMessage().contains("784 floats"));
                assertEquals(10, good.get(10, TimeUnit.SECONDS).classes());
                assertEquals(10, alsoGood.get(10, TimeUnit.SECONDS).classes());
                // The worker holds at most 4 and the queue 2 while a pass waits its 50 ms for more.
                float[] one = Fixtures.sample(x, 0);
                List<java.util.concurrent.CompletableFuture<Prediction>> burst = new ArrayList<>();
                for (int r = 0; r < 20; r++) {
                    burst.add(front.submit(one));
                }
                int rejected = 0;
                for (var f : burst) {
                    try {
                        f.get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof java.util.concurrent.RejectedExecutionException
                                && e.getCause().getMessage().contains("queue is full"), String.valueOf(e.getCause()));
                        rejected++;
                    }
                }
                assertTrue(rejected > 0 && rejected < 20, rejected + " of 20 rejected");
            }
        }
    }
}
