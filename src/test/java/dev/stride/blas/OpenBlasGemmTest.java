package dev.stride.blas;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenBLAS seam against a triple-loop oracle in double; the cross-backend suite lives elsewhere. */
class OpenBlasGemmTest {
    private static OpenBlasGemm gemm;

    @BeforeAll
    static void load() {
        gemm = new OpenBlasGemm();
    }

    static Stream<Arguments> shapesAndTransposes() {
        int[][] shapes = {{1, 1, 1}, {4, 4, 4}, {3, 5, 7}, {17, 1, 33}, {64, 48, 31}};
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int[] s : shapes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    cases.add(Arguments.of(s[0], s[1], s[2], transA, transB));
                }
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapesAndTransposes")
    void matchesTripleLoopWithOffsetsAndPaddedRows(int m, int n, int k, boolean transA, boolean transB) {
        // Offsets and leading dimensions larger than the rows, so a wrong stride cannot pass.
        int lda = (transA ? m : k) + 3;
        int ldb = (transB ? k : n) + 2;
        int ldc = n + 1;
        long aOff = 5;
        long bOff = 7;
        long cOff = 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, aOff + (long) (transA ? k : m) * lda, 1);
            MemorySegment b = random(arena, bOff + (long) (transB ? n : k) * ldb, 2);
            MemorySegment c = random(arena, cOff + (long) m * ldc, 3);
            float alpha = 0.75f;
            float beta = -0.5f;
            double[] expected = oracle(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            float before = c.getAtIndex(FLOAT, cOff + n); // padding column, must stay untouched
            gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            assertMatrixClose(expected, c, cOff, m, n, ldc, 1e-5 * k + 1e-6);
            if (m > 1) {
                assertEquals(before, c.getAtIndex(FLOAT, cOff + n), "padding between rows of C was written");
            }
        }
    }

    @Test
    void denseOverloadWorksOutLeadingDimensions() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, 6 * 4, 4);
            MemorySegment b = random(arena, 4 * 5, 5);
            MemorySegment c = arena.allocate(FLOAT, 6 * 5);
            double[] expected = oracle(false, false, 6, 5, 4, 1f, a, 0, 4, b, 0, 5, 0f, c, 0, 5);
            gemm.sgemm(false, false, 6, 5, 4, 1f, a, 0, b, 0, 0f, c, 0);
            assertMatrixClose(expected, c, 0, 6, 5, 5, 1e-5);
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, 4, 6);
            MemorySegment b = random(arena, 4, 7);
            MemorySegment c = arena.allocate(FLOAT, 4);
            c.fill((byte) 0xFF); // every float is a NaN
            gemm.sgemm(false, false, 2, 2, 1, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2);
            double[] expected = oracle(false, false, 2, 2, 1, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2);
            assertMatrixClose(expected, c, 0, 2, 2, 2, 1e-6);
        }
    }

    @Test
    void zeroKScalesCByBetaAndZeroMOrNIsANoOp() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = arena.allocate(FLOAT, 1);
            MemorySegment c = arena.allocate(FLOAT, 6);
            for (int i = 0; i < 6; i++) {
                c.setAtIndex(FLOAT, i, i + 1f);
            }
            gemm.sgemm(false, false, 2, 3, 0, 1f, empty, 0, 1, empty, 0, 3, 2f, c, 0, 3);
            for (int i = 0; i < 6; i++) {
                assertEquals(2f * (i + 1), c.getAtIndex(FLOAT, i), "C[" + i + "] after k=0, beta=2");
            }
            c.setAtIndex(FLOAT, 0, Float.NaN);
            gemm.sgemm(false, false, 2, 3, 0, 1f, empty, 0, 1, empty, 0, 3, 0f, c, 0, 3);
            for (int i = 0; i < 6; i++) {
                assertEquals(0f, c.getAtIndex(FLOAT, i), "C[" + i + "] after k=0, beta=0");
            }
            c.setAtIndex(FLOAT, 0, 42f);
            MemorySegment b = arena.allocate(FLOAT, 4 * 3);
            gemm.sgemm(false, false, 0, 3, 4, 1f, empty, 0, 4, b, 0, 3, 0f, c, 0, 3);
            assertEquals(42f, c.getAtIndex(FLOAT, 0), "m=0 must not touch C");
        }
    }

    @Test
    void matrixOutsideItsSegmentIsAnExceptionNotANativeRead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(FLOAT, 4 * 4);
            MemorySegment b = arena.allocate(FLOAT, 4 * 4);
            MemorySegment c = arena.allocate(FLOAT, 4 * 4);
            MemorySegment shortA = a.asSlice(0, 15 * Float.BYTES);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> gemm.sgemm(false, false, 4, 4, 4, 1f, shortA, 0, 4, b, 0, 4, 0f, c, 0, 4));
            assertTrue(e.getMessage().contains("A (4 x 4"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class,
                    () -> gemm.sgemm(false, false, 4, 4, 4, 1f, a, 0, 4, b, 1, 4, 0f, c, 0, 4));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> gemm.sgemm(false, false, 4, 4, 4, 1f, a, 0, 4, b, 0, 4, 0f, c, 0, 5));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, true, 4, 4, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 4));
        }
    }

    @Test
    void heapAndReadOnlySegmentsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(new float[16]);
            MemorySegment a = arena.allocate(FLOAT, 16);
            MemorySegment c = arena.allocate(FLOAT, 16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 4, 4, 4, 1f, heap, 0, 4, a, 0, 4, 0f, c, 0, 4));
            assertTrue(e.getMessage().contains("A is a heap segment"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.sgemm(false, false, 4, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c.asReadOnly(), 0, 4));
        }
    }

    @Test
    void closedArenaIsAnExceptionNotAUseAfterFree() {
        Arena arena = Arena.ofConfined();
        MemorySegment m = arena.allocate(FLOAT, 16);
        arena.close();
        assertThrows(IllegalStateException.class,
                () -> gemm.sgemm(false, false, 4, 4, 4, 1f, m, 0, 4, m, 0, 4, 0f, m, 0, 4));
    }

    @Test
    void segmentOfAnotherThreadIsAnExceptionNotARace() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(FLOAT, 16);
            Throwable[] thrown = new Throwable[1];
            Thread other = new Thread(() -> {
                try {
                    gemm.sgemm(false, false, 4, 4, 4, 1f, m, 0, 4, m, 0, 4, 0f, m, 0, 4);
                } catch (Throwable t) {
                    thrown[0] = t;
                }
            });
            other.start();
            other.join();
            assertTrue(thrown[0] instanceof WrongThreadException, String.valueOf(thrown[0]));
        }
    }

    @Test
    void threadCountCanBeSetAndRead() {
        int original = gemm.threads();
        try {
            gemm.setThreads(1);
            assertEquals(1, gemm.threads());
            gemm.setThreads(2);
            assertEquals(2, gemm.threads());
        } finally {
            gemm.setThreads(original);
        }
        assertThrows(IllegalArgumentException.class, () -> gemm.setThreads(0));
    }

    @Test
    void reportsTheLoadedLibrary() {
        assertTrue(gemm.config().startsWith("OpenBLAS"), gemm.config());
        assertTrue(gemm.library().path().getFileName().toString().startsWith("libopenblas"), gemm.library().toString());
        assertEquals("openblas", gemm.name());
    }

    private static MemorySegment random(Arena arena, long floats, long seed) {
        Random random = new Random(seed);
        MemorySegment s = arena.allocate(FLOAT, floats);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(FLOAT, i, random.nextFloat() * 2 - 1);
        }
        return s;
    }

    private static double[] oracle(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                   float beta, MemorySegment c, long cOff, int ldc) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = a.getAtIndex(FLOAT, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    double bv = b.getAtIndex(FLOAT, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    sum += av * bv;
                }
                double old = beta == 0f ? 0 : beta * (double) c.getAtIndex(FLOAT, cOff + (long) i * ldc + j);
                out[i * n + j] = alpha * sum + old;
            }
        }
        return out;
    }

    private static void assertMatrixClose(double[] expected, MemorySegment c, long cOff, int m, int n, int ldc, double tol) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double e = expected[i * n + j];
                float actual = c.getAtIndex(FLOAT, cOff + (long) i * ldc + j);
                if (!(Math.abs(actual - e) <= tol * Math.max(1, Math.abs(e)))) {
                    throw new AssertionError("C differs at (" + i + ", " + j + "): expected " + e + ", got " + actual);
                }
            }
        }
    }
}
