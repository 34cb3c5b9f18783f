package dev.stride.ops;

import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.stream.Stream;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

class Im2colTest {

    /** samples, c, h, w, kH, kW, stride, pad: 1x1, stride > kernel, padding, padding wider than the kernel, rectangles. */
    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of(2, 3, 5, 4, 1, 1, 1, 0),
                Arguments.of(2, 2, 5, 5, 1, 1, 2, 0),
                Arguments.of(3, 2, 8, 8, 2, 2, 3, 0),
                Arguments.of(2, 3, 6, 6, 3, 3, 1, 1),
                Arguments.of(2, 3, 9, 9, 3, 3, 2, 1),
                Arguments.of(2, 2, 8, 8, 3, 3, 3, 2),
                Arguments.of(1, 2, 4, 4, 2, 2, 2, 2),
                Arguments.of(2, 3, 7, 6, 3, 2, 1, 1),
                Arguments.of(2, 1, 7, 7, 3, 3, 3, 0),
                Arguments.of(2, 2, 7, 6, 5, 5, 1, 2),   // 'same' 5x5: two edge columns each side
                Arguments.of(1, 2, 5, 6, 3, 5, 1, 2),   // as wide as the input, but taller
                // Maps too large to gather through: the phased path (see bigMapsGatherFromPhases)
                Arguments.of(1, 2, 230, 229, 7, 7, 2, 3), // ResNet's stem, one column short
                Arguments.of(1, 1, 227, 227, 11, 11, 4, 0), // AlexNet's first layer
                Arguments.of(2, 1, 200, 190, 9, 8, 3, 4)); // rectangular, stride 3, padding past half the kernel
    }

    /** The geometries above that gather from phases do, and the small strided ones do not. */
    @Test
    void bigMapsGatherFromPhases() {
        assertTrue(new WindowPlane(230, 229, 7, 7, 2, 3, 115, 115).isPhased());
        assertTrue(new WindowPlane(227, 227, 11, 11, 4, 0, 55, 55).isPhased());
        assertTrue(new WindowPlane(200, 190, 9, 8, 3, 4, 67, 64).isPhased());
        assertFalse(new WindowPlane(9, 9, 3, 3, 2, 1, 5, 5).isPhased());
        assertFalse(new WindowPlane(224, 224, 3, 3, 2, 1, 112, 112).isPhased()); // MobileNet's stem: the map pays there
        assertFalse(new WindowPlane(224, 224, 3, 3, 1, 1, 224, 224).isPhased()); // stride 1 shifts instead
    }

    private static Im2col geometry(int c, int h, int w, int kH, int kW, int stride, int pad) {
        int outH = OutputSize.of("test", "height", h, kH, stride, pad, true);
        int outW = OutputSize.of("test", "width", w, kW, stride, pad, true);
        return new Im2col(c, h, w, kH, kW, stride, pad, outH, outW);
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} k={4}x{5} s={6} p={7}")
    @MethodSource("geometries")
    void im2colFollowsTheDefinitionAndCol2imIsItsAdjoint(int n, int c, int h, int w, int kH, int kW, int stride, int pad) {
        try (Arena arena = Arena.ofConfined()) {
            Im2col g = geometry(c, h, w, kH, kW, stride, pad);
            int outW = OutputSize.of("test", "width", w, kW, stride, pad, true);
            int p = g.columnsPerSample();
            int outH = p / outW;
            Tensor x = GradientCheck.random(arena, 1, n, c, h, w);
            Tensor col = GradientCheck.random(arena, 2, g.rows(), n * p); // garbage first: im2col overwrites
            g.im2col(x.segment(), x.offset(), n, col.segment(), col.offset());

            float[] expected = new float[g.rows() * n * p];
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < kH; i++) {
                    for (int j = 0; j < kW; j++) {
                        int row = (ch * kH + i) * kW + j;
                        for (int s = 0; s < n; s++) {
                            for (int oh = 0; oh < outH; oh++) {
                                for (int ow = 0; ow < outW; ow++) {
                                    int ih = oh * stride - pad + i;
                                    int iw = ow * stride - pad + j;
                                    boolean inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                                    expected[row * n * p + s * p + oh * outW + ow] = inside ? x.get(s, ch, ih, iw) : 0f;
                                }
                            }
                        }
                    }
                }
            }
            assertClose(expected, col, 0, 0);

            // <im2col(x), d> == <x, col2im(d)> for any d: col2im is exactly the transpose.
            Tensor d = GradientCheck.random(arena, 3, g.rows(), n * p);
            Tensor back = Tensor.zeros(arena, n, c, h, w);
            back.fill(Float.NaN); // overwritten everywhere, also where no window reaches
            g.col2im(d.segment(), d.offset(), n, back.segment(), back.offset(), false);
            assertEquals(dot(col, d), dot(x, back), 1e-4 * Math.max(1, Math.abs(dot(col, d))));
        }
    }

    @Test
    void col2imAccumulatesAndOneSampleRangesMatchTheGroupedLayout() {
        try (Arena arena = Arena.ofConfined()) {
            Im2col g = geometry(3, 6, 6, 3, 3, 2, 1);
            int p = g.columnsPerSample();
            Tensor x = GradientCheck.random(arena, 4, 3, 3, 6, 6);
            Tensor grouped = Tensor.zeros(arena, g.rows(), 3 * p);
            g.im2col(x.segment(), x.offset(), 3, grouped.segment(), grouped.offset());
            Tensor one = Tensor.zeros(arena, g.rows(), p);
            g.im2col(x.segment(), x.offset() + 2 * g.inputSampleSize(), 1, one.segment(), one.offset());
            for (int r = 0; r < g.rows(); r++) {
                for (int q = 0; q < p; q++) {
                    assertEquals(grouped.get(r, 2 * p + q), one.get(r, q));
                }
            }

            Tensor once = Tensor.zeros(arena, 1, 3, 6, 6);
            g.col2im(one.segment(), one.offset(), 1, once.segment(), once.offset(), true);
            Tensor twice = Tensor.zeros(arena, 1, 3, 6, 6);
            g.col2im(one.segment(), one.offset(), 1, twice.segment(), twice.offset(), true);
            g.col2im(one.segment(), one.offset(), 1, twice.segment(), twice.offset(), true);
            float[] doubled = once.toArray();
            for (int i = 0; i < doubled.length; i++) {
                doubled[i] *= 2;
            }
            assertClose(doubled, twice, 1e-6, 0);

            Tensor overwritten = Tensor.zeros(arena, 1, 3, 6, 6);
            overwritten.fill(5f);
            g.col2im(one.segment(), one.offset(), 1, overwritten.segment(), overwritten.offset(), false);
            assertClose(once, overwritten, 0, 0);
        }
    }

    @Test
    void identityOnlyForOneByOneStrideOneWithoutPadding() {
        assertTrue(geometry(3, 5, 5, 1, 1, 1, 0).isIdentity());
        assertFalse(geometry(3, 5, 5, 1, 1, 2, 0).isIdentity());
        assertFalse(geometry(3, 5, 5, 1, 1, 1, 1).isIdentity());
        assertFalse(geometry(3, 5, 5, 3, 3, 1, 1).isIdentity());
    }

    @Test
    void segmentsTooSmallAndImpossibleGeometriesAreClearErrors() {
        try (Arena arena = Arena.ofConfined()) {
            Im2col g = geometry(2, 4, 4, 3, 3, 1, 1);
            Tensor x = Tensor.zeros(arena, 2, 2, 4, 4);
            Tensor small = Tensor.zeros(arena, g.rows(), g.columnsPerSample());
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> g.im2col(x.segment(), 0, 2, small.segment(), 0));
            assertTrue(e.getMessage().contains("column matrix"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> g.col2im(small.segment(), 0, 3, x.segment(), 0, false));
            assertThrows(IllegalArgumentException.class, () -> new Im2col(2, 4, 4, 3, 3, 1, 0, 3, 2));
        }
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (long i = 0; i < a.size(); i++) {
            s += (double) a.getFlat(i) * b.getFlat(i);
        }
        return s;
    }
}
