package dev.stride.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ReferenceCaseTest {

    @TempDir
    Path tmp;

    private Path demo() throws IOException {
        Path dir = CaseFiles.caseDir(tmp.resolve("demo"),
                "# a comment line, and a blank one, are skipped",
                "",
                "array x float32 x.f32 input 4 1 2 1 2",
                "case demo",
                "param N 1",
                "param slope 0.01",
                "param floor true",
                "param note  free text, with spaces  ",
                "op conv2d",
                "array labels int32 labels.i32 input 1 3",
                "array y float32 y.f32 expected 1 1");
        CaseFiles.floats(dir.resolve("x.f32"), 1.5f, -2f, 3.25f, Float.MIN_VALUE);
        CaseFiles.ints(dir.resolve("labels.i32"), 7, 0, -3);
        CaseFiles.floats(dir.resolve("y.f32"), 42f);
        return dir;
    }

    @Test
    void readsParamsArraysAndLittleEndianValues() throws IOException {
        ReferenceCase c = ReferenceCase.load(demo());
        assertEquals("demo", c.name());
        assertEquals("conv2d", c.op());
        assertEquals(1, c.intParam("N"));
        assertEquals(0.01f, c.floatParam("slope"));
        assertTrue(c.boolParam("floor"));
        assertTrue(c.boolParam("bias", true));
        assertFalse(c.boolParam("bias", false));
        assertEquals("free text, with spaces", c.param("note"));
        assertEquals(List.of("N", "slope", "floor", "note"), List.copyOf(c.params().keySet()));

        assertEquals(List.of("x", "labels", "y"), c.arrays().stream().map(ReferenceArray::name).toList());
        assertEquals(List.of("y"), c.expectedArrays().stream().map(ReferenceArray::name).toList());
        ReferenceArray x = c.array("x");
        assertArrayEquals(new int[] {1, 2, 1, 2}, x.dims());
        assertTrue(x.isInput());
        assertEquals(4, x.size());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE}, c.floats("x"));
        assertArrayEquals(new int[] {7, 0, -3}, c.ints("labels"));
        assertArrayEquals(new float[] {42f}, c.floats("y"));
    }

    @Test
    void typedGettersRejectWhatTheyCannotRead() throws IOException {
        Path dir = demo();
        CaseFiles.caseDir(dir, "case demo", "op relu", "param N two", "param bias yes",
                "array labels int32 labels.i32 input 1 3");
        ReferenceCase c = ReferenceCase.load(dir);
        assertMessage(() -> c.intParam("N"), "param 'N' must be an integer, got 'two'");
        assertMessage(() -> c.boolParam("bias"), "must be true or false, got 'yes'");
        assertMessage(() -> c.floatParam("N"), "must be a number");
        assertMessage(() -> c.param("K"), "has no param 'K'; it has [N, bias]");
        assertMessage(() -> c.floats("labels"), "'labels' is int32");
        assertMessage(() -> c.array("dx"), "has no array 'dx'; it has [labels]");
    }

    @Test
    void aFileWhoseSizeDoesNotMatchItsShapeFailsOnLoad() throws IOException {
        Path dir = CaseFiles.caseDir(tmp.resolve("short"), "case short", "op relu",
                "array x float32 x.f32 input 2 2 2");
        CaseFiles.floats(dir.resolve("x.f32"), 1f, 2f, 3f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCase.load(dir));
        assertTrue(e.getMessage().contains("'x' has shape [2, 2] (4 float32 values = 16 bytes)"), e.getMessage());
        assertTrue(e.getMessage().contains("holds 12 bytes"), e.getMessage());
    }

    @Test
    void aMissingFileOrCaseTxtFailsOnLoad() throws IOException {
        Path dir = CaseFiles.caseDir(tmp.resolve("missing"), "case missing", "op relu",
                "array dy float32 dy.f32 input 1 3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCase.load(dir));
        assertTrue(e.getMessage().contains("array 'dy' names file") && e.getMessage().contains("does not exist"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReferenceCase.load(tmp));
        assertTrue(e.getMessage().contains("has no case.txt"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "frobnicate 3                                   | unknown line kind 'frobnicate'",
            "param N                                        | expected 'param <key> <value...>'",
            "param N 2                                      | param 'N' is given twice",
            "op relu                                        | 'op' is given twice",
            "array x float64 x.f32 input 1 2                | dtype must be float32 or int32",
            "array x float32 x.f32 output 1 2               | role must be input or expected",
            "array x float32 x.f32 input 2 2                | needs exactly that many dimensions",
            "array x float32 x.f32 input 1 2 3              | needs exactly that many dimensions",
            "array x float32 x.f32 input 1 0                | must be at least 1",
            "array x float32 x.f32 input one 2              | ndim must be an integer",
            "array x float32 ../x.f32 input 1 2             | must be a plain name",
            "array x float32 x.f32                          | expected 'array <name>",
    })
    void malformedLinesNameTheFileAndLine(String badLine, String expected) throws IOException {
        Path dir = CaseFiles.caseDir(tmp.resolve("bad"), "case bad", "op relu", "param N 2", badLine.strip());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCase.load(dir));
        assertTrue(e.getMessage().contains("case.txt line 4"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void caseAndOpLinesAreRequired() throws IOException {
        Path dir = CaseFiles.caseDir(tmp.resolve("noop"), "case noop", "param N 1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCase.load(dir));
        assertTrue(e.getMessage().contains("must have a 'case <name>' and an 'op <op>' line"), e.getMessage());
    }

    private static void assertMessage(Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
