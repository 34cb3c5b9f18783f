package dev.stride.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two workers as threads on the loopback, without Spark, against the single-machine oracles of {@link TrainingFixture}. */
class DataParallelWorkerTest {

    /** Runs both workers to the end (or the first failure), with a barrier standing in for Spark's allGather. */
    static List<WorkerReport> runWorkers(TrainingPlan plan, int attempt) throws Exception {
        int n = TrainingFixture.ROWS.length;
        String[] slots = new String[n];
        CyclicBarrier barrier = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<WorkerReport>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                AddressExchange exchange = mine -> {
                    slots[rank] = mine;
                    try {
                        barrier.await();
                    } catch (Exception e) {
                        throw new IOException(e);
                    }
                    return slots.clone();
                };
                futures.add(pool.submit(() -> DataParallelWorker.run(rank, n, TrainingFixture.features(rank), TrainingFixture.labels(rank),
                        plan, "127.0.0.1", exchange, attempt)));
            }
            List<WorkerReport> reports = new ArrayList<>();
            for (Future<WorkerReport> f : futures) {
                reports.add(f.get());
            }
            return reports;
        } finally {
            pool.shutdownNow();
        }
    }

    static Path start(Path dir, TrainingPlan plan) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            dev.stride.nn.Layer model = TrainingFixture.model(arena);
            return new Checkpoints(dir).save(model, TrainingFixture.norm(), plan.optimizer().create(model.parameters(), arena),
                    new dev.stride.train.ModelCheckpoint.Progress(0, 0, plan.seed()), Map.of());
        }
    }

    @Test
    void twoWorkersEqualTheShardedReferenceBitForBitAndPlainTrainingWithinTolerance(@TempDir Path dir) throws Exception {
        TrainingPlan plan = TrainingFixture.plan(dir, 3);
        Path start = start(dir, plan);
        Map<String, float[]> sharded = TrainingFixture.shardedReference(start, plan);
        Map<String, float[]> plain = TrainingFixture.globalBatchReference(start, plan);

        List<WorkerReport> reports = runWorkers(plan, 0);

        Path last = Path.of(reports.getFirst().checkpoint());
        assertEquals("step-0000000008.ckpt", last.getFileName().toString());
        TrainingFixture.assertWeights(sharded, TrainingFixture.weights(last), 0);
        TrainingFixture.assertWeights(plain, TrainingFixture.weights(last), 2e-5f);
        assertEquals(List.of(last), Files.list(dir).toList(), "older checkpoints are deleted");
        assertEquals(reports.get(0).loss()[1], reports.get(1).loss()[1], "every worker sees the global loss");
        assertTrue(reports.get(0).loss()[1] > 0);
    }

    @Test
    void aWorkerThatFailsMidRunFailsTheOtherAndTheRetryResumesFromTheCheckpointToTheSameWeights(@TempDir Path dir) throws Exception {
        TrainingPlan plan = TrainingFixture.plan(dir, 3);
        Path start = start(dir, plan);
        Map<String, float[]> sharded = TrainingFixture.shardedReference(start, plan);
        TrainingPlan failing = plan.withListener((rank, step, attempt) -> {
            if (rank == 1 && step == 5 && attempt == 0) {
                throw new IllegalStateException("injected failure of worker 1 after step 5");
            }
        });

        ExecutionException e = assertThrows(ExecutionException.class, () -> runWorkers(failing, 0));
        assertTrue(e.getMessage().contains("lost worker 1") || e.getMessage().contains("injected failure"), e.getMessage());
        assertEquals("step-0000000003.ckpt", new Checkpoints(dir).require().getFileName().toString());

        List<WorkerReport> resumed = runWorkers(failing, 1);
        assertEquals(3, resumed.getFirst().firstStep());
        TrainingFixture.assertWeights(sharded, TrainingFixture.weights(Path.of(resumed.getFirst().checkpoint())), 0);
    }

    @Test
    void aGlobalBatchSmallerThanTheWorkersIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Shard(new float[0], new int[0], 1, Shard.localBatch(1, 2, 1), 1));
        assertTrue(e.getMessage().contains("use a global batch of at least the number of workers"), e.getMessage());
    }

}
