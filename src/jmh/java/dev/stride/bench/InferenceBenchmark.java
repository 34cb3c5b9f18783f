package dev.stride.bench;

import dev.stride.data.Normalization;
import dev.stride.infer.BatchingOptions;
import dev.stride.infer.BatchingPredictor;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.InferenceOptions;
import dev.stride.infer.Prediction;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * LeNet-5 served through dev.stride.infer, calls per second from however many threads JMH runs
 * ({@code -t}): one sample per call on the model's pool, 16 samples per call, and one sample per
 * request through a batching front (batches of up to 16, 1 ms of waiting, one worker per
 * processor). Samples per second: calls per second, times 16 for predictBatch16.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class InferenceBenchmark {
    @Param({"openblas"})
    public String backend;

    private Arena arena;
    private InferenceModel model;
    private BatchingPredictor front;
    private float[] one;     // (1, 1, 28, 28)
    private float[] sixteen; // (16, 1, 28, 28)

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        Sequential net = Models.lenet5(BenchBackends.gemm(backend));
        net.build(Shape.of(1, 1, 28, 28), arena, 1);
        Init.pytorchDefault(1).apply(net.parameters());
        model = InferenceModel.of(net, Normalization.identity(1), List.of(),
                InferenceOptions.defaults(BenchBackends.gemm(backend)).withMaxBatch(16));
        model.warmup();
        front = BatchingPredictor.start(model, BatchingOptions.defaults(model).withMaxWait(Duration.ofMillis(1))
                .withWorkers(Runtime.getRuntime().availableProcessors()));
        SplittableRandom random = new SplittableRandom(1);
        sixteen = new float[16 * 28 * 28];
        for (int i = 0; i < sixteen.length; i++) {
            sixteen[i] = (float) random.nextDouble();
        }
        one = java.util.Arrays.copyOf(sixteen, 28 * 28);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        front.close();
        model.close();
        arena.close();
    }

    @Benchmark
    public Prediction predictOne() {
        return model.predict(one, 1).getFirst();
    }

    @Benchmark
    public List<Prediction> predictBatch16() {
        return model.predict(sixteen, 16);
    }

    @Benchmark
    public Prediction submitOne() {
        return front.submit(one).join();
    }
}
