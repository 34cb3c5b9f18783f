package dev.stride.cli;

import dev.stride.blas.Gemm;
import dev.stride.blas.OpenBlasGemm;
import dev.stride.ops.VectorSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code stride info}: which GEMM backend and which OpenBLAS this machine runs, and how. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the GEMM backend, the OpenBLAS library and its threads.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        Compute compute = backend.apply();
        System.out.println("java      " + System.getProperty("java.vm.name") + " " + Runtime.version()
                + ", " + Runtime.getRuntime().availableProcessors() + " processors");
        Gemm gemm = compute.gemm();
        System.out.println("backend   " + gemm.name());
        System.out.println("threads   " + compute.threads() + " (Stride splits each batch over them)");
        System.out.println("vector    " + VectorSupport.describe());
        if (gemm instanceof OpenBlasGemm openBlas) {
            System.out.println("openblas  " + openBlas.library());
            System.out.println("config    " + openBlas.config());
            System.out.println("kernels   " + openBlas.library().kernelChoice());
            System.out.println("openblas threads " + openBlas.threads() + " (inside each of Stride's threads)");
        }
        return 0;
    }
}
