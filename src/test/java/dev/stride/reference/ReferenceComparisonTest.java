package dev.stride.reference;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ReferenceComparisonTest {

    private static final int[] DIMS = {2, 3, 4, 5};

    @TempDir
    Path tmp;

    @Test
    void theToleranceScalesWithEachValueAndWithTheLargestInTheArray() {
        float[] ref = {1000f, 0.001f, -2f};
        // 0.001 may be off by 1e-4*0.001 + 1e-5*1000 = 0.0100001; -2 by 2e-4 + 0.01.
        ReferenceComparison.assertClose("c", "a", new int[] {3}, ref, new float[] {1000.09f, 0.011f, -2.0101f});
        assertEquals(1, ReferenceComparison.firstMismatch(ref, new float[] {1000f, 0.0111f, -2f}));
        assertEquals(0, ReferenceComparison.firstMismatch(ref, new float[] {1000.12f, 0.001f, -2f}));
        assertEquals(-1, ReferenceComparison.firstMismatch(ref, ref.clone()));
    }

    @Test
    void aFailureNamesTheCaseArrayCoordinatesAndBothValues() {
        float[] ref = new float[120];
        Arrays.fill(ref, 1f);
        float[] got = ref.clone();
        got[71] = 2.5f; // (1, 0, 2, 1)
        got[119] = -1f; // (1, 2, 3, 4)
        AssertionError e = assertThrows(AssertionError.class,
                () -> ReferenceComparison.assertClose("reference case conv2d_pad1 (conv2d)", "dx", DIMS, ref, got));
        String m = e.getMessage();
        for (String part : new String[] {"conv2d_pad1", "array dx [2, 3, 4, 5]", "first mismatch at (1, 0, 2, 1)",
                "got 2.5, expected 1.0", "2 of 120 elements differ"}) {
            assertTrue(m.contains(part), "'" + part + "' missing from: " + m);
        }
    }

    @Test
    void nanAndWrongLengthsFail() {
        float[] ref = {1f, 2f};
        assertThrows(AssertionError.class,
                () -> ReferenceComparison.assertClose("c", "y", new int[] {2}, ref, new float[] {1f, Float.NaN}));
        AssertionError e = assertThrows(AssertionError.class,
                () -> ReferenceComparison.assertClose("c", "y", new int[] {2}, ref, new float[] {1f}));
        assertTrue(e.getMessage().contains("expected 2 values, got 1"), e.getMessage());
    }

    @Test
    void coordinatesFollowRowMajorOrder() {
        assertEquals("(0, 0, 0, 0)", ReferenceComparison.coordinates(DIMS, 0));
        assertEquals("(0, 1, 0, 2)", ReferenceComparison.coordinates(DIMS, 22));
        assertEquals("(1, 2, 3, 4)", ReferenceComparison.coordinates(DIMS, 119));
        assertEquals("(7)", ReferenceComparison.coordinates(new int[] {9}, 7));
    }

    @Test
    void comparesAgainstACaseFileAndChecksTensorShapes() throws IOException {
        ReferenceCase c = ReferenceCase.load(CaseFiles.reluCase(tmp.resolve("r"), "r"));
        ReferenceComparison.assertClose(c, "y", new float[] {0f, 2.0001f});
        AssertionError e = assertThrows(AssertionError.class,
                () -> ReferenceComparison.assertClose(c, "y", new float[] {0f, 2.1f}));
        assertTrue(e.getMessage().contains("reference case r (relu), array y [2]: first mismatch at (1)"), e.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            ReferenceComparison.assertClose(c, "y", Tensor.of(arena, new float[] {0f, 2f}, 2));
            AssertionError shape = assertThrows(AssertionError.class,
                    () -> ReferenceComparison.assertClose(c, "y", Tensor.of(arena, new float[] {0f, 2f}, 1, 2)));
            assertTrue(shape.getMessage().contains("expected shape [2], got [1, 2]"), shape.getMessage());
        }
    }
}
