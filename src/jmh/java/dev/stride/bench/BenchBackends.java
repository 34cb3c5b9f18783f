package dev.stride.bench;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasGemm;

/**
 * The backend a layer or net benchmark runs on for a given Stride thread count. Stride's layers split
 * their work across the workspace's threads and call GEMM from each, so OpenBLAS is set to one
 * thread per call (its own pool and Stride's would compete for the same cores) and the Java GEMM is
 * the single-threaded one.
 */
final class BenchBackends {
    private BenchBackends() {
    }

    static Gemm gemm(String backend) {
        Gemm gemm = GemmBackend.select(backend);
        if (gemm instanceof OpenBlasGemm openBlas) {
            openBlas.setThreads(1);
        }
        return gemm;
    }
}
