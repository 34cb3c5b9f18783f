package dev.stride.reference;

import dev.stride.tensor.Shape;

import java.util.Arrays;

/**
 * One {@code array} line of a reference case: a raw little-endian file of {@code float32} or
 * {@code int32} values, row-major, that is either fed to the op ({@code input}) or compared with
 * its result ({@code expected}).
 *
 * @param name  the array's name within its case ({@code x}, {@code dw}, {@code grad_fc1_w})
 * @param dtype {@code float32} or {@code int32}
 * @param file  the file's name, relative to the case directory
 * @param role  {@code input} or {@code expected}
 * @param dims  the shape, outermost first
 */
public record ReferenceArray(String name, String dtype, String file, String role, int[] dims) {
    public static final String FLOAT32 = "float32";
    public static final String INT32 = "int32";
    public static final String INPUT = "input";
    public static final String EXPECTED = "expected";

    public ReferenceArray {
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** The shape as a tensor shape; arrays of rank above {@link Shape#MAX_RANK} have none. */
    public Shape shape() {
        return Shape.of(dims);
    }

    public long size() {
        long s = 1;
        for (int d : dims) {
            s = Math.multiplyExact(s, d);
        }
        return s;
    }

    /** Both dtypes are four bytes an element. */
    public long byteSize() {
        return Math.multiplyExact(size(), 4L);
    }

    public boolean isInput() {
        return INPUT.equals(role);
    }

    public boolean isExpected() {
        return EXPECTED.equals(role);
    }

    public boolean isInt() {
        return INT32.equals(dtype);
    }

    public String dimsString() {
        return Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReferenceArray a && name.equals(a.name) && dtype.equals(a.dtype)
                && file.equals(a.file) && role.equals(a.role) && Arrays.equals(dims, a.dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + role + " " + dimsString() + " (" + file + ")";
    }
}
