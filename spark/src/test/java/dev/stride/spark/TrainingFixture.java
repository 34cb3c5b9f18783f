package dev.stride.spark;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.CheckpointFile;
import dev.stride.train.CheckpointTensor;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small data-parallel problem (LeNet-5, no batch norm, random 28x28 images in unequal
 * partitions) and the two single-machine oracles the distributed run must match: the same shards
 * summed in rank order on one machine (bit for bit), and plain training on the global batch
 * (within float tolerance: one GEMM over the whole batch adds in another order).
 */
final class TrainingFixture {
    static final int SAMPLE = 28 * 28;
    static final int[] ROWS = {30, 21}; // unequal on purpose: worker 1 runs out a step early
    static final int BATCH = 16;
    static final int EPOCHS = 2;
    static final int STEPS = 8; // 2 epochs of ceil(30 / 8) = 4 steps

    private TrainingFixture() {
    }

    static TrainingPlan plan(Path dir, int checkpointEvery) {
        return new TrainingPlan(EPOCHS, BATCH, 7, 1, checkpointEvery, dir.toString(), Duration.ofSeconds(20), 0,
                (params, arena) -> new Sgd(params, arena, SgdSpec.of(0.05).withMomentum(0.9).withWeightDecay(5e-4)),
                (total, perEpoch) -> LrSchedule.cosine(0.05, 0, total), StepListener.NONE, 3);
    }

    static float[] features(int rank) {
        Random rnd = new Random(100 + rank);
        float[] x = new float[ROWS[rank] * SAMPLE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    static int[] labels(int rank) {
        Random rnd = new Random(200 + rank);
        int[] y = new int[ROWS[rank]];
        for (int i = 0; i < y.length; i++) {
            y[i] = rnd.nextInt(10);
        }
        return y;
    }

    /** An initialised LeNet-5, built for training, in {@code arena}. */
    static Layer model(Arena arena) {
        Layer net = Models.lenet5(GemmBackend.defaultGemm());
        net.build(Shape.of(BATCH / 2, 1, 28, 28), arena, BuildOptions.training().withThreads(1));
        new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, 3).apply(net.parameters());
        return net;
    }

    static Normalization norm() {
        return Normalization.identity(1);
    }

    /** The state tensors of a checkpoint, by name. */
    static Map<String, float[]> weights(Path checkpoint) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (CheckpointTensor t : CheckpointFile.read(checkpoint).tensors().values()) {
            out.put(t.name(), t.data().clone());
        }
        return out;
    }

    /** Both workers' shards on one model, summed in rank order each step: the all-reduce's arithmetic without the network. */
    static Map<String, float[]> shardedReference(Path start, TrainingPlan plan) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(start, GemmBackend.defaultGemm(), arena, BATCH / 2,
                    BuildOptions.training().withThreads(1));
            Optimizer opt = plan.optimizer().create(loaded.model().parameters(), arena);
            loaded.restore(opt);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(0);
            loss.build(loaded.model().outputShape(), arena);
            ShardStep step = new ShardStep(loaded.model(), loss, opt, plan.schedule().create(STEPS, STEPS / EPOCHS));
            Shard[] shards = {new Shard(features(0), labels(0), SAMPLE, BATCH / 2, 0), new Shard(features(1), labels(1), SAMPLE, BATCH / 2, 1)};
            Tensor input = Tensor.zeros(arena, loaded.model().inputShape());
            int[] y = new int[BATCH / 2];
            MemorySegment part = arena.allocate(step.vectorFloats() * Float.BYTES);
            MemorySegment sum = arena.allocate(step.vectorFloats() * Float.BYTES);
            for (int s = 0; s < STEPS; s++) {
                for (int r = 0; r < shards.length; r++) {
                    if (s % (STEPS / EPOCHS) == 0) {
                        shards[r].startEpoch(plan.seed(), s / (STEPS / EPOCHS));
                    }
                    int n = shards[r].fill(s % (STEPS / EPOCHS), input, y);
                    step.contribute(input, n, y, part, 0, s);
                    for (long i = 0; i < step.vectorFloats(); i++) {
                        float x = part.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        sum.setAtIndex(ValueLayout.JAVA_FLOAT, i, r == 0 ? x : sum.getAtIndex(ValueLayout.JAVA_FLOAT, i) + x);
                    }
                }
                step.apply(sum, s);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            ModelCheckpoint.stateTensors(loaded.model()).forEach(t -> out.put(t.name(), t.tensor().toArray()));
            return out;
        }
    }

    /** Plain single-machine training: each step one forward and backward over both shards' rows together. */
    static Map<String, float[]> globalBatchReference(Path start, TrainingPlan plan) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(start, GemmBackend.defaultGemm(), arena, BATCH,
                    BuildOptions.training().withThreads(1));
            Layer net = loaded.model();
            Optimizer opt = plan.optimizer().create(net.parameters(), arena);
            loaded.restore(opt);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(0);
            loss.build(net.outputShape(), arena);
            LrSchedule schedule = plan.schedule().create(STEPS, STEPS / EPOCHS);
            Shard[] shards = {new Shard(features(0), labels(0), SAMPLE, BATCH / 2, 0), new Shard(features(1), labels(1), SAMPLE, BATCH / 2, 1)};
            Tensor input = Tensor.zeros(arena, net.inputShape());
            int[] y = new int[BATCH];
            int[] part = new int[BATCH / 2];
            for (int s = 0; s < STEPS; s++) {
                int n = 0;
                for (Shard shard : shards) {
                    if (s % (STEPS / EPOCHS) == 0) {
                        shard.startEpoch(plan.seed(), s / (STEPS / EPOCHS));
                    }
                    int m = shard.fill(s % (STEPS / EPOCHS), input.batch(n, n + BATCH / 2), part);
                    System.arraycopy(part, 0, y, n, m);
                    n += m;
                }
                opt.zeroGrad();
                loss.forward(net.forward(input.firstBatch(n)), y);
                net.backward(loss.backward());
                opt.setLr(schedule.lr(s));
                opt.step();
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            ModelCheckpoint.stateTensors(net).forEach(t -> out.put(t.name(), t.tensor().toArray()));
            return out;
        }
    }

    /** The model's parameters of a distributed run against a reference: bit for bit, or within a tolerance. */
    static void assertWeights(Map<String, float[]> expected, Map<String, float[]> actual, float tolerance) {
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] got = actual.get(e.getKey());
            assertTrue(got != null, "no " + e.getKey() + " in the distributed run's checkpoint");
            if (tolerance == 0) {
                assertArrayEquals(e.getValue(), got, e.getKey() + " bit for bit");
            } else {
                for (int i = 0; i < got.length; i++) {
                    float want = e.getValue()[i];
                    assertEquals(want, got[i], tolerance * (1 + Math.abs(want)), e.getKey() + "[" + i + "]");
                }
            }
        }
    }
}
