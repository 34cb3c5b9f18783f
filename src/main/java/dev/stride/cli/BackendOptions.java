package dev.stride.cli;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasCoreType;
import dev.stride.blas.OpenBlasGemm;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: which GEMM backend, how many threads. */
final class BackendOptions {
    /** The values {@link GemmBackend#select} takes; an enum, so picocli refuses anything else as a usage error. */
    enum Backend { openblas, java, auto }

    @Option(names = "--backend", description = "GEMM backend: ${COMPLETION-CANDIDATES} (default openblas, or -Dstride.backend).")
    Backend backend;

    @Option(names = "--threads", description = "Threads a model splits each batch over (default: all processors; more than that is capped unless --force-threads).")
    Integer threads;

    @Option(names = "--force-threads", description = "Use --threads as given even above the processor count.")
    boolean forceThreads;

    @Option(names = "--openblas-kernels", paramLabel = "NAME",
            description = "OpenBLAS kernel set for this run: auto (let OpenBLAS detect the CPU, ignoring OPENBLAS_CORETYPE) or a name such as SkylakeX or Haswell.")
    String openBlasKernels;

    /**
     * Checks the options, loads the backend and returns what to compute with. The backend is created
     * here rather than taken from {@link GemmBackend#defaultGemm()}: that one is chosen once per JVM,
     * so a bad choice would poison every later use, and a later --backend would be ignored.
     */
    Compute apply() {
        int processors = Runtime.getRuntime().availableProcessors();
        int n = threads != null ? threads : processors;
        if (n < 1) {
            throw new CliException("--threads " + n + ": must be at least 1", "leave it out to use all " + processors + " processors");
        }
        if (n > processors && !forceThreads) {
            // Threads beyond the cores only take turns, each with its own scratch and its own part of
            // every batch to wait for: 1000 of them nearly hang the machine.
            System.err.println("stride: warning: --threads " + n + " is more than the " + processors
                    + " processors; using " + processors + " (add --force-threads to use " + n + ")");
            n = processors;
        }
        if (openBlasKernels != null) {
            System.setProperty(OpenBlasCoreType.PROPERTY, openBlasKernels);
        }
        Gemm gemm = GemmBackend.select(backend != null ? backend.name() : System.getProperty(GemmBackend.PROPERTY, "openblas"));
        // Stride splits each batch across its own threads and every part calls GEMM, so OpenBLAS
        // runs single-threaded inside them rather than competing for the same cores.
        if (gemm instanceof OpenBlasGemm openBlas) {
            openBlas.setThreads(1);
            String advice = OpenBlasCoreType.advice(openBlas.config(), OpenBlasCoreType.cpuFlags());
            if (advice != null) {
                System.err.println("stride: warning: " + advice);
            }
        }
        return new Compute(gemm, n);
    }
}
