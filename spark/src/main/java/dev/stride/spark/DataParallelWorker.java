package dev.stride.spark;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One worker of a synchronous data-parallel run, apart from Spark: loads the latest checkpoint,
 * exchanges addresses and row counts once, joins the all-reduce mesh, then every step computes
 * its shard's gradient, sums it with the others' and applies the same update as every other
 * worker. Rank 0 writes a checkpoint every {@link TrainingPlan#checkpointEvery()} steps.
 *
 * <p>Batch norm, if the model has any, normalises each worker's shard with that shard's own
 * statistics and keeps running statistics per worker (rank 0's are the ones checkpointed); the
 * all-reduce carries gradients only.
 *
 * <p>Every native segment belongs to one confined arena closed when {@link #run} returns or fails.
 */
public final class DataParallelWorker {
    private DataParallelWorker() {
    }

    /**
     * Runs worker {@code rank} of {@code workers} to the end of the plan.
     *
     * @param features (rows, C*H*W) normalised samples, flat
     * @param host         the address the other workers reach this one at
     * @param stageAttempt 0 for the first attempt at the run, then 1, 2, ... (told to the step listener)
     */
    public static WorkerReport run(int rank, int workers, float[] features, int[] labels, TrainingPlan plan, String host,
                                   AddressExchange exchange, int stageAttempt) throws IOException {
        Checkpoints checkpoints = new Checkpoints(Path.of(plan.checkpointDir()));
        Path start = checkpoints.require();
        int localBatch = Shard.localBatch(plan.batch(), workers, rank);
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(start, GemmBackend.defaultGemm(), arena, Math.max(1, localBatch),
                    BuildOptions.training().withThreads(plan.threads()));
            Layer model = loaded.model();
            Optimizer optimizer = plan.optimizer().create(model.parameters(), arena);
            loaded.restore(optimizer);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(plan.labelSmoothing());
            loss.build(model.outputShape(), arena);
            Shape in = model.inputShape();
            int sampleFloats = (int) (in.size() / in.dim(0));
            if (features.length != (long) labels.length * sampleFloats) {
                throw new IllegalArgumentException("worker " + rank + ": " + features.length + " feature floats for " + labels.length
                        + " rows, but the model takes " + sampleFloats + " floats a sample (" + in + ")");
            }
            Shard shard = new Shard(features, labels, sampleFloats, localBatch, rank);

            ServerSocketChannel server = AllReduce.listen(host);
            InetSocketAddress local = (InetSocketAddress) server.getLocalAddress();
            // "host port batches": spaces, since an IPv6 host has colons
            String[] all = exchange.allGather(host + " " + local.getPort() + " " + shard.batches());
            List<InetSocketAddress> addresses = new ArrayList<>();
            int stepsPerEpoch = 0;
            for (String s : all) {
                String[] parts = s.split(" ");
                addresses.add(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])));
                stepsPerEpoch = Math.max(stepsPerEpoch, Integer.parseInt(parts[2]));
            }
            if (stepsPerEpoch == 0) {
                server.close();
                throw new IllegalArgumentException("no worker has any training rows");
            }
            long total = (long) plan.epochs() * stepsPerEpoch;
            LrSchedule schedule = plan.schedule().create(total, stepsPerEpoch);
            ShardStep step = new ShardStep(model, loss, optimizer, schedule);
            Tensor input = Tensor.zeros(arena, in); // (localBatch, C, H, W)
            int[] batchLabels = new int[in.dim(0)];
            long first = loaded.progress().globalStep();
            int firstEpoch = (int) (first / stepsPerEpoch);
            double[] lossSum = new double[plan.epochs()];
            long[] correct = new long[plan.epochs()];
            long[] seen = new long[plan.epochs()];
            Path last = start;
            try (AllReduce reduce = AllReduce.connect(rank, addresses, server, step.vectorFloats(), plan.timeout())) {
                MemorySegment vector = reduce.buffer();
                for (long s = first; s < total; s++) {
                    int epoch = (int) (s / stepsPerEpoch);
                    int k = (int) (s % stepsPerEpoch);
                    if (s == first || k == 0) {
                        shard.startEpoch(plan.seed(), epoch);
                    }
                    int n = shard.fill(k, input, batchLabels);
                    step.contribute(input, n, batchLabels, vector, epoch, s);
                    reduce.sum();
                    seen[epoch] += step.apply(vector, s);
                    lossSum[epoch] += step.lossSum(vector);
                    correct[epoch] += step.correct(vector);
                    if (rank == 0 && ((s + 1) % plan.checkpointEvery() == 0 || s + 1 == total)) {
                        last = checkpoints.save(model, loaded.normalization(), optimizer,
                                new ModelCheckpoint.Progress((int) ((s + 1) / stepsPerEpoch), s + 1, plan.seed()),
                                Map.of("spark.workers", Integer.toString(workers), "batch", Integer.toString(plan.batch())));
                    }
                    try {
                        plan.listener().afterStep(rank, s + 1, stageAttempt);
                    } catch (IOException | RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IOException("worker " + rank + ": the step listener failed after step " + (s + 1), e);
                    }
                }
            }
            int epochs = plan.epochs() - firstEpoch;
            double[] meanLoss = new double[Math.max(0, epochs)];
            double[] accuracy = new double[Math.max(0, epochs)];
            for (int e = 0; e < epochs; e++) {
                long c = Math.max(1, seen[firstEpoch + e]);
                meanLoss[e] = lossSum[firstEpoch + e] / c;
                accuracy[e] = (double) correct[firstEpoch + e] / c;
            }
            return new WorkerReport(rank, first, total, last.toString(), firstEpoch, meanLoss, accuracy);
        }
    }
}
