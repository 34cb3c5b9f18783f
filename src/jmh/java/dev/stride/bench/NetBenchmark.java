package dev.stride.bench;

import dev.stride.blas.Gemm;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
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
import java.util.SplittableRandom;
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

    @Param({"lenet5_b64", "lenet5_b256", "vgg_small_b64"})
    public String name;

    @Param({"openblas", "java"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Sequential model;
    private SoftmaxCrossEntropy loss;
    private Sgd sgd;
    private Tensor x;
    private int[] labels;

    @Setup(Level.Trial)
    public void setUp() {
        Gemm gemm = BenchBackends.gemm(backend);
        Shape in = switch (name) {
            case "lenet5_b64" -> Shape.of(64, 1, 28, 28);
            case "lenet5_b256" -> Shape.of(256, 1, 28, 28);
            case "vgg_small_b64" -> Shape.of(64, 3, 32, 32);
            default -> throw new IllegalArgumentException("unknown net benchmark " + name);
        };
        model = name.startsWith("lenet5") ? Models.lenet5(gemm) : Models.vggSmall(gemm);
        arena = Arena.ofShared();
        model.build(in, arena, threads);
        Init.pytorchDefault(1).apply(model.parameters());
        loss = new SoftmaxCrossEntropy();
        loss.build(model.outputShape(), arena);
        sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.01).withMomentum(0.9));
        SplittableRandom random = new SplittableRandom(7);
        x = LayerBenchmark.random(arena, in, random);
        labels = new int[in.dim(0)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(10);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float trainStep() {
        sgd.zeroGrad();
        float value = loss.forward(model.forward(x), labels);
        model.backward(loss.backward());
        sgd.step();
        return value;
    }
}
