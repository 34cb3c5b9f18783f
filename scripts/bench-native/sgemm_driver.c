/*
 * OpenBLAS's own speed, for comparison with Stride's OpenBlasGemm: times cblas_sgemm from C on the
 * same library file the Java loader picks (scripts/bench-native/run builds and runs this).
 *
 *   sgemm_driver [N [REPS [SMALL_CALLS]]]
 *
 * Prints the best of REPS row-major N x N x N sgemm calls in GFLOP/s, then the mean time of one
 * 4x4x4 sgemm over SMALL_CALLS calls: the per-call cost that the FFM downcall adds to.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Declared here rather than from cblas.h, so no -dev package is needed (the ABI is the LP64 one). */
enum { CblasRowMajor = 101, CblasNoTrans = 111 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc);
char *openblas_get_config(void);
int openblas_get_num_threads(void);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(long count, unsigned seed) {
    float *p = malloc(count * sizeof(float));
    if (!p) {
        perror("malloc");
        exit(1);
    }
    srand(seed);
    for (long i = 0; i < count; i++) {
        p[i] = (float) rand() / RAND_MAX - 0.5f;
    }
    return p;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    long smallCalls = argc > 3 ? atol(argv[3]) : 1000000;
    printf("config: %s, threads: %d\n", openblas_get_config(), openblas_get_num_threads());

    float *a = filled((long) n * n, 1), *b = filled((long) n * n, 2), *c = filled((long) n * n, 3);
    double best = 1e30;
    for (int r = 0; r < reps + 1; r++) { /* the first call warms up threads and caches */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = now() - t0;
        if (r > 0 && t < best) {
            best = t;
        }
    }
    printf("C sgemm N=%d: best of %d %.3f ms, %.1f GFLOP/s\n", n, reps, best * 1e3, 2.0 * n * n * n / best * 1e-9);

    float *sa = filled(16, 4), *sb = filled(16, 5), *sc = filled(16, 6);
    for (long i = 0; i < smallCalls / 10; i++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 4, 4, 4, 1.0f, sa, 4, sb, 4, 0.0f, sc, 4);
    }
    double t0 = now();
    for (long i = 0; i < smallCalls; i++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 4, 4, 4, 1.0f, sa, 4, sb, 4, 0.0f, sc, 4);
    }
    printf("C sgemm 4x4x4: %.1f ns/call over %ld calls\n", (now() - t0) / smallCalls * 1e9, smallCalls);
    free(a); free(b); free(c); free(sa); free(sb); free(sc);
    return 0;
}
