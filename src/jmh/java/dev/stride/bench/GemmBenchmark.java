package dev.stride.bench;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import org.openjdk.jmh.annotations.AuxCounters;
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
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Throughput of {@code C = A * B} per backend and shape. Besides calls per second JMH reports the
 * secondary metric {@code gflops}: GFLOP/s, counting 2mnk operations per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {

    @Param({"openblas", "java"})
    public String backend;

    @Param({"square128", "square256", "square512", "square1024",
            "lenet-conv1", "lenet-conv1-batch64", "lenet-conv2", "vgg-64x64-32x32"})
    public String shape;

    private Arena arena;
    private Gemm gemm;
    private GemmShape size;
    private MemorySegment a; // (m, k)
    private MemorySegment b; // (k, n)
    private MemorySegment c; // (m, n)

    /** Counts the work done, so that JMH divides it by the time as GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflops;

        @Setup(Level.Iteration)
        public void reset() {
            gflops = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        gemm = GemmBackend.select(backend);
        size = GemmShape.named(shape);
        arena = Arena.ofShared();
        a = random(arena, (long) size.m() * size.k());
        b = random(arena, (long) size.k() * size.n());
        c = arena.allocate(FLOAT, (long) size.m() * size.n());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment sgemm(Flops flops) {
        gemm.sgemm(false, false, size.m(), size.n(), size.k(), 1f, a, 0, b, 0, 0f, c, 0);
        flops.gflops += size.flops() * 1e-9;
        return c;
    }

    static MemorySegment random(Arena arena, long floats) {
        MemorySegment s = arena.allocate(FLOAT, floats);
        SplittableRandom random = new SplittableRandom(floats);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(FLOAT, i, (float) random.nextDouble(-1, 1));
        }
        return s;
    }
}
