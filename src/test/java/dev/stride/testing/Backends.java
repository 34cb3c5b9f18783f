package dev.stride.testing;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;

import java.util.List;

/** Every GEMM backend the build can run, so each op test runs against all of them. */
public final class Backends {
    private Backends() {
    }

    public static List<Gemm> all() {
        return List.of(GemmBackend.openBlas(), GemmBackend.java());
    }
}
