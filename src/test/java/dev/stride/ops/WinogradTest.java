package dev.stride.ops;

import dev.stride.tensor.Tensor;
import dev.stride.testing.DirectConv;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.stride.tensor.Tensor.FLOAT;
import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** F(2x2, 3x3) transforms plus the 16 products, against the direct convolution, both directions. */
class WinogradTest {

    /** n, C, H, W, K, pad. */
    private static final int[][] GEOMETRIES = {
            {1, 1, 4, 4, 1, 0},     // one tile exactly
            {2, 3, 6, 6, 4, 1},     // 'same' padding, even size
            {2, 5, 7, 9, 3, 1},     // odd sizes: the last tiles overhang the output
            {3, 2, 5, 5, 6, 0},     // valid, odd output (3x3)
            {1, 4, 5, 6, 2, 2},     // the input gradient's padding of a valid layer
            {2, 11, 8, 8, 13, 1},   // channels not multiples of anything
            {1, 2, 1, 3, 2, 1},     // one input row
            {2, 3, 24, 22, 4, 1},   // wide enough that V keeps the unused slots
            {1, 2, 23, 25, 3, 0},   // the same with odd outputs
            {1, 2, 17, 17, 3, 1},   // 17 output columns: the 17th from the second half of a vector of tiles
            {1, 2, 9, 34, 2, 1},    // 17 tiles a row: a second vector of tiles, one tile in it
            {2000, 1, 4, 4, 2, 1},  // one channel of the run overflows a transform chunk
            {1, 2, 5, 70, 2, 1},    // rows of 35 column pairs: wide rows, odd tile counts
            {1, 2, 4, 67, 2, 0},    // the same, odd width, no padding
    };

    /** Every geometry with the plain loops and with the Vector API's ({@link VectorLoops}). */
    static Stream<Arguments> geometriesAndLoops() {
        return Stream.of(GEOMETRIES).flatMap(g -> Stream.of(false, true).map(vector ->
                Arguments.of(g[0], g[1], g[2], g[3], g[4], g[5], vector)));
    }

    static Stream<Arguments> geometries() {
        return Stream.of(GEOMETRIES).map(g -> Arguments.of(g[0], g[1], g[2], g[3], g[4], g[5]));
    }

    @ParameterizedTest(name = "n {0}, C {1}, {2}x{3}, K {4}, pad {5}, Vector API {6}")
    @MethodSource("geometriesAndLoops")
    void forwardAndInputGradientMatchTheDirectConvolution(int n, int c, int h, int w, int k, int pad, boolean vector) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 1, n, c, h, w);
            Tensor weights = GradientCheck.random(arena, 2, k, c, 3, 3);
            Tensor bias = GradientCheck.random(arena, 3, k);
            Winograd forward = new Winograd(c, h, w, pad, vector);
            DirectConv oracle = new DirectConv(n, c, h, w, k, 3, 3, 1, pad, forward.outH(), forward.outW());

            Tensor y = Tensor.zeros(arena, n, k, forward.outH(), forward.outW());
            y.fill(Float.NaN); // every output is written
            run(arena, forward, x, weights, false, c, k, n, bias, y);
            assertClose(oracle.forward(x.toArray(), weights.toArray(), bias.toArray()), y, 1e-5, 1e-5);

            // dX: the same algorithm over dY with padding 2 - pad and the filters rotated and transposed.
            Tensor dy = GradientCheck.random(arena, 4, n, k, forward.outH(), forward.outW());
            Winograd backward = new Winograd(k, forward.outH(), forward.outW(), 2 - pad, vector);
            assertEquals(h, backward.outH());
            assertEquals(w, backward.outW());
            Tensor dx = Tensor.zeros(arena, n, c, h, w);
            run(arena, backward, dy, weights, true, k, c, n, null, dx);
            assertClose(oracle.inputGrad(dy.toArray(), weights.toArray()), dx, 1e-5, 1e-5);

            // dW = G^T (sum over tiles of dM V^T) G with dM = A dY A^T; dB = the sums of dY.
            Tensor dw = Tensor.zeros(arena, k, c, 3, 3);
            dw.fill(1f); // accumulates onto what is there
            Tensor db = Tensor.zeros(arena, k);
            db.fill(2f);
            weightGradient(arena, forward, x, dy, c, k, n, dw, db);
            float[] expectedDw = oracle.weightGrad(dy.toArray(), x.toArray());
            for (int i = 0; i < expectedDw.length; i++) {
                expectedDw[i] += 1f;
            }
            float[] expectedDb = oracle.biasGrad(dy.toArray());
            for (int i = 0; i < expectedDb.length; i++) {
                expectedDb[i] += 2f;
            }
            assertClose(expectedDw, dw, 1e-5, 1e-5);
            assertClose(expectedDb, db, 1e-5, 1e-5);
        }
    }

    /** The weight and bias gradients through the transforms, with the 16 products as plain loops in double. */
    private static void weightGradient(Arena arena, Winograd g, Tensor x, Tensor dy, int c, int k, int n, Tensor dw, Tensor db) {
        int tiles = n * g.tilesPerSample();
        MemorySegment v = arena.allocate(FLOAT, 16L * c * tiles);
        MemorySegment dm = arena.allocate(FLOAT, 16L * k * tiles);
        MemorySegment du = arena.allocate(FLOAT, 16L * k * c);
        g.transformInput(x.segment(), x.offset(), n, v, 0);
        WinogradGradient.transformOutputGradient(g, dy.segment(), dy.offset(), n, k, dm, 0, db.segment(), db.offset());
        for (int e = 0; e < 16; e++) {
            for (int o = 0; o < k; o++) {
                for (int i = 0; i < c; i++) {
                    double sum = 0;
                    for (int t = 0; t < tiles; t++) {
                        sum += (double) dm.getAtIndex(FLOAT, ((long) e * k + o) * tiles + t)
                                * v.getAtIndex(FLOAT, ((long) e * c + i) * tiles + t);
                    }
                    du.setAtIndex(FLOAT, ((long) e * k + o) * c + i, (float) sum);
                }
            }
        }
        WinogradFilters.transformGradient(du, 0, k, c, dw.segment(), dw.offset(), true);
    }

    /**
     * The Vector API loops do the plain loops' float operations in the same order: V, Y and dM
     * (with dB) agree to the bit, on every geometry.
     */
    @ParameterizedTest(name = "n {0}, C {1}, {2}x{3}, K {4}, pad {5}")
    @MethodSource("geometries")
    void theVectorApiLoopsGiveThePlainLoopsBits(int n, int c, int h, int w, int k, int pad) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 1, n, c, h, w);
            Winograd plain = new Winograd(c, h, w, pad, false);
            Winograd vector = new Winograd(c, h, w, pad, true);
            int tiles = n * plain.tilesPerSample();
            assertArrayEquals(transformed(arena, plain, x, tiles), transformed(arena, vector, x, tiles));

            MemorySegment m = GradientCheck.random(arena, 5, 16, k, tiles).segment();
            assertArrayEquals(output(arena, plain, m, n, k), output(arena, vector, m, n, k));

            Tensor dy = GradientCheck.random(arena, 4, n, k, plain.outH(), plain.outW());
            assertArrayEquals(outputGradient(arena, plain, dy, n, k, tiles, true), outputGradient(arena, vector, dy, n, k, tiles, true));
            // Without a bias, planes of whole blocks split straight from dY (VectorPairs, on AVX-512).
            assertArrayEquals(outputGradient(arena, plain, dy, n, k, tiles, false), outputGradient(arena, vector, dy, n, k, tiles, false));
        }
    }

    private static float[] transformed(Arena arena, Winograd g, Tensor x, int tiles) {
        Tensor v = Tensor.zeros(arena, 16 * x.dim(1), tiles);
        v.fill(Float.NaN); // every slot is written
        g.transformInput(x.segment(), x.offset(), x.dim(0), v.segment(), v.offset());
        return v.toArray();
    }

    private static float[] output(Arena arena, Winograd g, MemorySegment m, int n, int k) {
        Tensor bias = GradientCheck.random(arena, 3, k);
        Tensor y = Tensor.zeros(arena, n, k, g.outH(), g.outW());
        y.fill(Float.NaN);
        WinogradOutput.transform(g, m, 0, n, k, bias.segment(), bias.offset(), y.segment(), y.offset());
        return y.toArray();
    }

    /** dM, then dB (which started at 2; stays 2 without {@code bias}), in one array. */
    private static float[] outputGradient(Arena arena, Winograd g, Tensor dy, int n, int k, int tiles, boolean bias) {
        Tensor dm = Tensor.zeros(arena, 16 * k, tiles);
        dm.fill(Float.NaN);
        Tensor db = Tensor.zeros(arena, k);
        db.fill(2f);
        WinogradGradient.transformOutputGradient(g, dy.segment(), dy.offset(), n, k, dm.segment(), dm.offset(),
                bias ? db.segment() : null, db.offset());
        float[] dmAndDb = Arrays.copyOf(dm.toArray(), 16 * k * tiles + k);
        System.arraycopy(db.toArray(), 0, dmAndDb, 16 * k * tiles, k);
        return dmAndDb;
    }

    /** The test JVM resolves the Vector API's module (the build passes it), so the cases above run both paths. */
    @Test
    void theTestsRunWithTheVectorApi() {
        assertTrue(VectorSupport.present(), "run the tests with --add-modules " + VectorSupport.MODULE + " (pom.xml passes it)");
    }

    /** Both layouts of V and M are in the cases above: with the unused slots, and without them. */
    @Test
    void smallPlanesLeaveOutTheUnusedSlots() {
        assertEquals(4 * 4, new Winograd(64, 8, 8, 1).tilesPerSample());
        assertEquals(8 * 8, new Winograd(64, 16, 16, 1).tilesPerSample());
        assertEquals(13 * 12, new Winograd(3, 24, 22, 1).tilesPerSample());
        assertEquals(17 * 17, new Winograd(64, 32, 32, 1).tilesPerSample());
    }

    @Test
    void onlyThreeByThreeAtStrideOneWithPaddingUpToTwo() {
        assertTrue(Winograd.supports(3, 3, 1, 1));
        assertTrue(Winograd.supports(3, 3, 1, 0));
        assertFalse(Winograd.supports(3, 3, 2, 1));
        assertFalse(Winograd.supports(5, 5, 1, 2));
        assertFalse(Winograd.supports(3, 3, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> new Winograd(3, 1, 1, 0));
    }

    /**
     * Transforms the filters and {@code in}'s tiles, multiplies the 16 element matrices with plain
     * loops in double (the layer uses GEMM), and transforms back into {@code out}.
     */
    private static void run(Arena arena, Winograd g, Tensor in, Tensor weights, boolean flip, int inChannels,
                            int outChannels, int n, Tensor bias, Tensor out) {
        int tiles = n * g.tilesPerSample();
        MemorySegment u = arena.allocate(FLOAT, 16L * inChannels * outChannels);
        MemorySegment v = arena.allocate(FLOAT, 16L * inChannels * tiles);
        MemorySegment m = arena.allocate(FLOAT, 16L * outChannels * tiles);
        // U is [16][K][C] of the layer's filters; the input gradient's direction reads it transposed
        // (its input channels are the layer's K) at the rotated element.
        int fk = flip ? inChannels : outChannels;
        int fc = flip ? outChannels : inChannels;
        WinogradFilters.transform(weights.segment(), weights.offset(), fk, fc, u, 0);
        g.transformInput(in.segment(), in.offset(), n, v, 0);
        for (int e = 0; e < 16; e++) {
            for (int o = 0; o < outChannels; o++) {
                for (int t = 0; t < tiles; t++) {
                    double sum = 0;
                    for (int i = 0; i < inChannels; i++) {
                        long ui = flip ? ((long) WinogradFilters.rotatedElement(e) * inChannels + i) * outChannels + o
                                : ((long) e * outChannels + o) * inChannels + i;
                        sum += (double) u.getAtIndex(FLOAT, ui) * v.getAtIndex(FLOAT, ((long) e * inChannels + i) * tiles + t);
                    }
                    m.setAtIndex(FLOAT, ((long) e * outChannels + o) * tiles + t, (float) sum);
                }
            }
        }
        WinogradOutput.transform(g, m, 0, n, outChannels, bias == null ? null : bias.segment(), bias == null ? 0 : bias.offset(),
                out.segment(), out.offset());
    }
}
