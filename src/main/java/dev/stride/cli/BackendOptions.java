package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasCoreType;
import dev.stride.blas.OpenBlasGemm;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: which GEMM backend, how many threads. */
final class BackendOptions {
    @Option(names = "--backend", description = "GEMM backend: openblas (default), java or auto.")
    String backend;

    @Option(names = "--threads", description = "Threads a model splits each batch over (default: all processors).")
    Integer threads;

    @Option(names = "--openblas-kernels", paramLabel = "NAME",
            description = "OpenBLAS kernel set for this run: auto (let OpenBLAS detect the CPU, ignoring OPENBLAS_CORETYPE) or a name such as SkylakeX or Haswell.")
    String openBlasKernels;

    /** The thread count asked for, or one per processor. */
    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** Applies the choices; must run before anything touches the default backend. */
    void apply() {
        if (backend != null) {
            System.setProperty(GemmBackend.PROPERTY, backend);
        }
        if (openBlasKernels != null) {
            System.setProperty(OpenBlasCoreType.PROPERTY, openBlasKernels);
        }
        if (threads() < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        // Stride splits each batch across its own threads and every part calls GEMM, so OpenBLAS
        // runs single-threaded inside them rather than competing for the same cores.
        if (GemmBackend.defaultGemm() instanceof OpenBlasGemm openBlas) {
            openBlas.setThreads(1);
            String advice = OpenBlasCoreType.advice(openBlas.config(), OpenBlasCoreType.cpuFlags());
            if (advice != null) {
                System.err.println("stride: warning: " + advice);
            }
        }
    }
}
