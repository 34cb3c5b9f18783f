package dev.stride.blas;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@link Gemm} backend against {@link NaiveGemm}, over all transpose combinations, alpha and
 * beta, padded leading dimensions, offsets, and sizes that do and do not fill the Java backend's
 * blocks and kernels.
 *
 * <p>Tolerance: for C(i,j) the error of any float evaluation order is bounded by
 * {@code (k + 4) * 2^-24 * M(i,j)}, where {@code M = |alpha| sum_p |A(i,p) B(p,j)| + |beta C(i,j)|}
 * (k roundings in the dot product, one each for alpha, beta, the final add and the store). That bound
 * holds for every correct backend, yet a dropped or doubled product, about M/k, breaks it for all the
 * k tested here. |C(i,j)| itself is no scale, since it can cancel to zero.
 */
class GemmTest {
    private static final double UNIT_ROUNDOFF = 0x1p-24;

    /**
     * The backends every test runs on. Native backends are listed here too, one line each; the Java
     * backend appears with both of its kernels and with its rows split over threads.
     */
    static List<Named<Gemm>> backends() {
        return List.of(
                Named.of("openblas", GemmBackend.openBlas()),
                Named.of("java", GemmBackend.java()),
                Named.of("java mul-add kernel", new JavaGemm(1, false)),
                Named.of("java on 3 threads", new JavaGemm(3)));
    }

    /** One call: sizes, scalars, and how far the stored matrices are padded and offset. */
    record Case(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                int pad, long offset, boolean nanInC) {
        static Case plain(boolean transA, boolean transB, int m, int n, int k) {
            return new Case(transA, transB, m, n, k, 1f, 0f, 0, 0, false);
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x" + k
                    + " alpha=" + alpha + " beta=" + beta + (pad > 0 ? " pad=" + pad : "")
                    + (offset > 0 ? " offset=" + offset : "") + (nanInC ? " NaN in C" : "");
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        boolean[] both = {false, true};
        for (boolean ta : both) {
            for (boolean tb : both) {
                for (int size : new int[] {1, 7, 64, 129}) {
                    cases.add(Case.plain(ta, tb, size, size, size));
                }
                cases.add(Case.plain(ta, tb, 1000, 37, 129));
                cases.add(Case.plain(ta, tb, 13, 1000, 257));
                // Crosses every block edge of the Java backend, with strides and offsets.
                cases.add(new Case(ta, tb, 70, 300, 260, 0.75f, 0.5f, 3, 11, false));
                cases.add(new Case(ta, tb, 5, 3, 9, -2f, 0f, 1, 1, true));
            }
        }
        cases.add(new Case(false, false, 9, 11, 13, 1f, 1f, 0, 0, false));
        cases.add(new Case(false, true, 33, 17, 65, -0.5f, 0f, 2, 5, true));
        cases.add(new Case(true, false, 6, 784, 25, 1f, 1f, 0, 0, false));
        cases.add(new Case(false, false, 16, 100, 150, 2f, -1.5f, 0, 3, false));
        cases.add(new Case(false, false, 8, 8, 8, 0f, 2f, 0, 0, false));
        cases.add(new Case(false, false, 8, 8, 0, 1f, 0.5f, 0, 0, false));
        cases.add(new Case(true, true, 8, 8, 0, 1f, 0f, 1, 2, true));
        cases.add(new Case(false, false, 0, 8, 8, 1f, 0f, 0, 0, false));
        cases.add(new Case(false, false, 8, 0, 8, 1f, 0f, 0, 0, false));
        return backends().stream().flatMap(g -> cases.stream().map(c -> Arguments.of(g, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void agreesWithNaiveGemm(Gemm gemm, Case t) {
        String name = gemm.name();
        // Stored shapes: A is m x k (k x m transposed), B is k x n (n x k transposed), C is m x n.
        int aRows = t.transA ? t.k : t.m, aCols = t.transA ? t.m : t.k;
        int bRows = t.transB ? t.n : t.k, bCols = t.transB ? t.k : t.n;
        int lda = Math.max(1, aCols + t.pad), ldb = Math.max(1, bCols + t.pad), ldc = Math.max(1, t.n + t.pad);
        SplittableRandom random = new SplittableRandom(t.toString().hashCode());
        // Shared, so that a threaded backend really hands rows to other threads.
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = randomMatrix(arena, t.offset, aRows, lda, random);
            MemorySegment b = randomMatrix(arena, t.offset, bRows, ldb, random);
            MemorySegment c = randomMatrix(arena, t.offset, t.m, ldc, random);
            if (t.nanInC) {
                fillMatrix(c, t.offset, t.m, t.n, ldc, Float.NaN);
            }
            float[] before = c.toArray(FLOAT);
            NaiveGemm.Reference ref = NaiveGemm.sgemm(t.transA, t.transB, t.m, t.n, t.k, t.alpha,
                    a, t.offset, lda, b, t.offset, ldb, t.beta, c, t.offset, ldc);

            gemm.sgemm(t.transA, t.transB, t.m, t.n, t.k, t.alpha,
                    a, t.offset, lda, b, t.offset, ldb, t.beta, c, t.offset, ldc);

            float[] after = c.toArray(FLOAT);
            for (int e = 0; e < after.length; e++) {
                long rel = e - t.offset;
                boolean inside = rel >= 0 && rel / ldc < t.m && rel % ldc < t.n;
                if (inside) {
                    int i = (int) (rel / ldc), j = (int) (rel % ldc);
                    double expected = ref.value()[i * t.n + j];
                    double tolerance = (t.k + 4) * UNIT_ROUNDOFF * ref.magnitude()[i * t.n + j] + Float.MIN_NORMAL;
                    if (!(Math.abs(after[e] - expected) <= tolerance)) {
                        fail(name + " " + t + ": C(" + i + ", " + j + ") = " + after[e] + " but expected " + expected
                                + " within " + tolerance);
                    }
                } else if (Float.floatToRawIntBits(after[e]) != Float.floatToRawIntBits(before[e])) {
                    fail(name + " " + t + ": wrote outside C, at float " + e + " of its segment");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void matricesThatDoNotFitTheirSegmentsAreRejected(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment full = arena.allocate(FLOAT, 16 * 16);
            MemorySegment small = arena.allocate(FLOAT, 15);
            // Each operand too small in turn, untransposed and transposed.
            assertThrows(IndexOutOfBoundsException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, small, 0, full, 0, 0f, full, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> gemm.sgemm(true, true, 4, 4, 4, 1f, full, 0, small, 0, 0f, full, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> gemm.sgemm(false, true, 4, 4, 4, 1f, full, 0, full, 0, 0f, small, 0));
            // Fits without its offset, not with it; a leading dimension that walks off the end.
            assertThrows(IndexOutOfBoundsException.class, () -> gemm.sgemm(false, false, 16, 16, 16, 1f, full, 1, full, 0, 0f, full, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, full, 0, 4, full, 0, 4, 0f, full, 0, 85));
            // Leading dimension shorter than a row, negative sizes and offsets.
            assertThrows(IllegalArgumentException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, full, 0, 3, full, 0, 4, 0f, full, 0, 4));
            assertThrows(IllegalArgumentException.class, () -> gemm.sgemm(true, false, 4, 4, 2, 1f, full, 0, 3, full, 0, 4, 0f, full, 0, 4));
            assertThrows(IllegalArgumentException.class, () -> gemm.sgemm(false, false, -1, 4, 4, 1f, full, 0, full, 0, 0f, full, 0));
            assertThrows(IllegalArgumentException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, full, -1, full, 0, 0f, full, 0));
            assertArrayEquals(new float[16 * 16], full.toArray(FLOAT), "a rejected call must not write C");
        }
    }

    /**
     * Bitwise the same C from one thread and from four. Segments of a confined arena may only be read
     * by their owner, so with those the threaded backend must quietly stay on the calling thread.
     */
    @ParameterizedTest(name = "fma={0} shared={1}")
    @CsvSource({"true, true", "false, true", "true, false"})
    void javaResultDoesNotDependOnTheThreadCount(boolean fma, boolean sharedArena) {
        // 203 rows over four threads: ranges of 52 rows, the last ending in three single-row kernels.
        int m = 203, n = 301, k = 290;
        try (Arena arena = sharedArena ? Arena.ofShared() : Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(7);
            MemorySegment a = randomMatrix(arena, 0, m, k, random);
            MemorySegment b = randomMatrix(arena, 0, k, n, random);
            MemorySegment c1 = arena.allocate(FLOAT, (long) m * n);
            MemorySegment c4 = arena.allocate(FLOAT, (long) m * n);
            new JavaGemm(1, fma).sgemm(false, false, m, n, k, 1f, a, 0, b, 0, 0f, c1, 0);
            new JavaGemm(4, fma).sgemm(false, false, m, n, k, 1f, a, 0, b, 0, 0f, c4, 0);
            float[] single = c1.toArray(FLOAT), split = c4.toArray(FLOAT);
            for (int e = 0; e < single.length; e++) {
                if (Float.floatToRawIntBits(single[e]) != Float.floatToRawIntBits(split[e])) {
                    fail("C(" + e / n + ", " + e % n + ") is " + single[e] + " on one thread but " + split[e] + " on four");
                }
            }
        }
    }

    /** {@code offset} floats of filler, then {@code rows} rows of {@code ld} values in [-1, 1). */
    private static MemorySegment randomMatrix(Arena arena, long offset, int rows, int ld, SplittableRandom random) {
        long floats = offset + (long) rows * ld;
        MemorySegment s = arena.allocate(FLOAT, Math.max(1, floats));
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(FLOAT, i, (float) random.nextDouble(-1, 1));
        }
        return s;
    }

    private static void fillMatrix(MemorySegment s, long offset, int rows, int cols, int ld, float value) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                s.setAtIndex(FLOAT, offset + (long) i * ld + j, value);
            }
        }
    }
}
