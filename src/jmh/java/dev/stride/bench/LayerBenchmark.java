package dev.stride.bench;

import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Elu;
import dev.stride.nn.Layer;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Relu;
import dev.stride.nn.Sigmoid;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One layer's forward ({@code fwd}) and forward plus backward including the input gradient
 * ({@code fwdbwd}), in milliseconds per call, for the shapes of the performance issue. The names
 * match scripts/peer/bench_pytorch.py so scripts/compare-pytorch can put the two side by side.
 * Each iteration also prints the share of the layer's time spent in GEMM ("GEMM share"), summed
 * over threads and divided by threads times the wall time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class LayerBenchmark {

    @Param({"lenet_conv1", "lenet_conv2", "vgg_3_64_32", "vgg_64_64_32", "vgg_128_128_16", "vgg_256_256_8",
            "strided_64_128_32", "alexnet_conv1", "dw_96_3x3_s1", "dw_96_3x3_s2", "maxpool_2x2", "maxpool_3x3_s2_p1",
            "avgpool_2x2", "relu", "elu", "sigmoid", "bn_64_32"})
    public String name;

    @Param({"openblas", "java"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private TimedGemm gemm;
    private long iterationStart;
    private Layer layer;
    private Tensor x;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = new TimedGemm(BenchBackends.gemm(backend));
        Shape in = switch (name) {
            case "lenet_conv1" -> Shape.of(64, 1, 28, 28);
            case "lenet_conv2" -> Shape.of(64, 6, 14, 14);
            case "vgg_3_64_32" -> Shape.of(64, 3, 32, 32);
            case "vgg_64_64_32", "strided_64_128_32" -> Shape.of(64, 64, 32, 32);
            case "vgg_128_128_16" -> Shape.of(64, 128, 16, 16);
            case "vgg_256_256_8" -> Shape.of(64, 256, 8, 8);
            case "alexnet_conv1" -> Shape.of(16, 3, 227, 227);
            case "dw_96_3x3_s1", "dw_96_3x3_s2" -> Shape.of(32, 96, 48, 48);
            case "maxpool_3x3_s2_p1" -> Shape.of(32, 64, 112, 112);
            default -> Shape.of(64, 64, 32, 32);
        };
        layer = switch (name) {
            case "lenet_conv1" -> new Conv2d(Conv2dSpec.of(1, 6, 5, 1, 2), gemm);
            case "lenet_conv2" -> new Conv2d(Conv2dSpec.of(6, 16, 5, 1, 0), gemm);
            case "vgg_3_64_32" -> new Conv2d(Conv2dSpec.of(3, 64, 3, 1, 1), gemm);
            case "vgg_64_64_32" -> new Conv2d(Conv2dSpec.of(64, 64, 3, 1, 1), gemm);
            case "vgg_128_128_16" -> new Conv2d(Conv2dSpec.of(128, 128, 3, 1, 1), gemm);
            case "vgg_256_256_8" -> new Conv2d(Conv2dSpec.of(256, 256, 3, 1, 1), gemm);
            case "strided_64_128_32" -> new Conv2d(Conv2dSpec.of(64, 128, 3, 2, 1).withFloor(true), gemm); // PyTorch floors
            case "alexnet_conv1" -> new Conv2d(Conv2dSpec.of(3, 96, 11, 4, 0), gemm);
            // MobileNet-v2's depthwise 3x3 (expanded channels, groups = C); the direct loops call no GEMM.
            case "dw_96_3x3_s1" -> new Conv2d(Conv2dSpec.of(96, 96, 3, 1, 1).withGroups(96), gemm);
            case "dw_96_3x3_s2" -> new Conv2d(Conv2dSpec.of(96, 96, 3, 2, 1).withGroups(96).withFloor(true), gemm); // PyTorch floors
            case "maxpool_2x2" -> new MaxPool2d(PoolSpec.of(2, 2));
            // ResNet's stem pool at batch 32 (torchvision floors).
            case "maxpool_3x3_s2_p1" -> new MaxPool2d(PoolSpec.of(3, 2).withPadding(1).withFloor(true));
            case "avgpool_2x2" -> new AvgPool2d(PoolSpec.of(2, 2));
            case "relu" -> new Relu();
            case "elu" -> new Elu();
            case "sigmoid" -> new Sigmoid();
            case "bn_64_32" -> new BatchNorm2d(64); // training mode: batch statistics, running ones updated
            default -> throw new IllegalArgumentException("unknown layer benchmark " + name);
        };
        arena = Arena.ofShared();
        layer.build(in, arena, new Workspace(arena, threads));
        SplittableRandom random = new SplittableRandom(42);
        x = random(arena, in, random);
        dy = random(arena, layer.outputShape(in), random);
        for (var p : layer.parameters()) {
            fill(p.value(), random);
        }
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        gemm.reset();
        iterationStart = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration(BenchmarkParams params) {
        if (layer instanceof Conv2d) {
            double share = gemm.nanos() / ((double) threads * (System.nanoTime() - iterationStart));
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            System.out.printf("GEMM share %s %s %s %d: %.1f%%%n", method, name, backend, threads, 100 * share);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Tensor fwd() {
        return layer.forward(x);
    }

    @Benchmark
    public Tensor fwdbwd() {
        layer.forward(x);
        return layer.backward(dy, true);
    }

    static Tensor random(Arena arena, Shape shape, SplittableRandom random) {
        Tensor t = Tensor.zeros(arena, shape);
        fill(t, random);
        return t;
    }

    static void fill(Tensor t, SplittableRandom random) {
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, (float) random.nextDouble(-1, 1));
        }
    }
}
