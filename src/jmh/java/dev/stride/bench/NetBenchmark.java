package dev.stride.bench;

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
import java.util.concurrent.TimeUnit;

/**
 * One whole training step (zero the gradients, forward, softmax cross-entropy, backward, SGD with
 * momentum 0.9) in milliseconds; images per second is the batch divided by that. Names match
 * scripts/peer/bench_pytorch.py. Run with {@code -prof gc}: bytes/op is what a step allocates on the
 * Java heap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2) // VGG-small needs about 16 steps before C2 is done (scripts/compare-pytorch)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class NetBenchmark {

    @Param({"lenet5_b64", "lenet5_b256", "vgg_small_b64", "resnet20_b128", "mobilenet_v2_b32"})
    public String name;

    @Param({"openblas", "java"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private BenchStep step;

    @Setup(Level.Trial)
    public void setUp() {
        int batch = Integer.parseInt(name.substring(name.lastIndexOf("_b") + 2));
        arena = Arena.ofShared();
        step = new BenchStep(arena, name.substring(0, name.lastIndexOf('_')), batch, backend, threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float trainStep() {
        return step.run();
    }
}
