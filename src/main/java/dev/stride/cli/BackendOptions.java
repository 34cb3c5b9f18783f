package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasGemm;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: which GEMM backend, how many threads. */
final class BackendOptions {
    @Option(names = "--backend", description = "GEMM backend: openblas (default), java or auto.")
    String backend;

    @Option(names = "--threads", description = "OpenBLAS threads (default: OpenBLAS's own choice).")
    Integer threads;

    /** Applies the choices; must run before anything touches the default backend. */
    void apply() {
        if (backend != null) {
            System.setProperty(GemmBackend.PROPERTY, backend);
        }
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            if (GemmBackend.defaultGemm() instanceof OpenBlasGemm openBlas) {
                openBlas.setThreads(threads);
            }
        }
    }
}
