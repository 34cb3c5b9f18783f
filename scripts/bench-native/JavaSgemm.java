import dev.stride.blas.OpenBlasGemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The Java side of scripts/bench-native/run: the same timings as sgemm_driver.c, through
 * OpenBlasGemm (bounds checks and the FFM downcall included). A quick comparison, not a JMH benchmark.
 *
 *   java --enable-native-access=ALL-UNNAMED -cp CLASSPATH JavaSgemm.java [N [REPS [SMALL_CALLS]]]
 */
public class JavaSgemm {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long smallCalls = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000;
        OpenBlasGemm gemm = new OpenBlasGemm();
        System.out.println("library: " + gemm.library() + ", threads: " + gemm.threads());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = filled(arena, (long) n * n, 1);
            MemorySegment b = filled(arena, (long) n * n, 2);
            MemorySegment c = filled(arena, (long) n * n, 3);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps + 1; r++) {
                long t0 = System.nanoTime();
                gemm.sgemm(false, false, n, n, n, 1f, a, 0, b, 0, 0f, c, 0);
                double t = (System.nanoTime() - t0) * 1e-9;
                if (r > 0) {
                    best = Math.min(best, t);
                }
            }
            System.out.printf("Java OpenBlasGemm N=%d: best of %d %.3f ms, %.1f GFLOP/s%n",
                    n, reps, best * 1e3, 2.0 * n * n * n / best * 1e-9);

            MemorySegment sa = filled(arena, 16, 4);
            MemorySegment sb = filled(arena, 16, 5);
            MemorySegment sc = filled(arena, 16, 6);
            // A long warm-up, so the JIT has compiled the call path before it is timed.
            for (long i = 0; i < smallCalls; i++) {
                gemm.sgemm(false, false, 4, 4, 4, 1f, sa, 0, sb, 0, 0f, sc, 0);
            }
            long t0 = System.nanoTime();
            for (long i = 0; i < smallCalls; i++) {
                gemm.sgemm(false, false, 4, 4, 4, 1f, sa, 0, sb, 0, 0f, sc, 0);
            }
            System.out.printf("Java OpenBlasGemm 4x4x4: %.1f ns/call over %d calls%n",
                    (System.nanoTime() - t0) / (double) smallCalls, smallCalls);
        }
    }

    private static MemorySegment filled(Arena arena, long count, long seed) {
        Random random = new Random(seed);
        MemorySegment s = arena.allocate(FLOAT, count);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(FLOAT, i, random.nextFloat() - 0.5f);
        }
        return s;
    }
}
