package dev.stride.bench;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.util.concurrent.TimeUnit;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The fixed cost of one sgemm call: a 4x4x4 product is almost all argument checks, downcalls and
 * packing, which is what small layers (LeNet's per-sample products, batch-1 inference) pay per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class GemmCallOverheadBenchmark {
    private static final int SIZE = 4;

    @Param({"openblas", "java"})
    public String backend;

    private Arena arena;
    private Gemm gemm;
    private MemorySegment a; // (4, 4)
    private MemorySegment b; // (4, 4)
    private MemorySegment c; // (4, 4)

    @Setup
    public void setUp() {
        gemm = GemmBackend.select(backend);
        arena = Arena.ofShared();
        a = GemmBenchmark.random(arena, SIZE * SIZE);
        b = GemmBenchmark.random(arena, SIZE * SIZE);
        c = arena.allocate(FLOAT, SIZE * SIZE);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment sgemm4x4x4() {
        gemm.sgemm(false, false, SIZE, SIZE, SIZE, 1f, a, 0, b, 0, 0f, c, 0);
        return c;
    }
}
