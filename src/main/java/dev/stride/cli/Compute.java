package dev.stride.cli;

import dev.stride.blas.Gemm;

/**
 * What a command computes with, as {@link BackendOptions#apply()} settled it.
 *
 * @param gemm    the GEMM backend for every layer the command builds
 * @param threads how many threads a model splits each batch over
 */
record Compute(Gemm gemm, int threads) {
}
