package dev.stride.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first (NCHW for images). Immutable; at most 4 dimensions,
 * each at least 1.
 */
public final class Shape {
    /** The most dimensions a shape may have. */
    public static final int MAX_RANK = 4;

    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        if (dims.length == 0 || dims.length > MAX_RANK) {
            throw new IllegalArgumentException(
                    "a shape has 1 to " + MAX_RANK + " dimensions, got " + Arrays.toString(dims));
        }
        long s = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("every dimension must be at least 1, got " + Arrays.toString(dims));
            }
            s = Math.multiplyExact(s, d);
        }
        this.dims = dims;
        this.size = s;
    }

    /**
     * A shape with these dimensions, outermost first.
     *
     * @param dims one to {@link #MAX_RANK} dimensions, each at least 1 (copied)
     * @return the shape
     * @throws IllegalArgumentException when there are no dimensions, too many, or one below 1
     */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /**
     * The number of dimensions.
     *
     * @return 1 to {@link #MAX_RANK}
     */
    public int rank() {
        return dims.length;
    }

    /**
     * One dimension.
     *
     * @param axis 0 for the outermost
     * @return its size
     * @throws IndexOutOfBoundsException when {@code axis} is not below {@link #rank()}
     */
    public int dim(int axis) {
        if (axis < 0 || axis >= dims.length) {
            throw new IndexOutOfBoundsException("axis " + axis + " out of range for shape " + this);
        }
        return dims[axis];
    }

    /**
     * The dimensions, outermost first.
     *
     * @return a copy the caller may change
     */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * Number of elements.
     *
     * @return the product of the dimensions
     */
    public long size() {
        return size;
    }

    /**
     * Elements in one item of the outermost dimension (one sample of a batch).
     *
     * @return the product of every dimension but the first
     */
    public long sampleSize() {
        return size / dims[0];
    }

    /**
     * The same shape with the outermost dimension replaced (a different batch size).
     *
     * @param n the new outermost dimension
     * @return the new shape
     */
    public Shape withBatch(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    /**
     * Everything but the outermost dimension.
     *
     * @return the shape without its first dimension
     */
    public Shape dropFirst() {
        if (dims.length == 1) {
            throw new IllegalArgumentException("cannot drop the only dimension of " + this);
        }
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /**
     * Row-major offset of an index, each coordinate checked against its dimension.
     *
     * @param index one coordinate per dimension, outermost first
     * @return the offset, in elements
     */
    public long offsetOf(int... index) {
        if (index.length != dims.length) {
            throw new IllegalArgumentException(
                    "index " + Arrays.toString(index) + " has " + index.length + " coordinates, shape " + this + " has " + dims.length);
        }
        long off = 0;
        for (int i = 0; i < dims.length; i++) {
            if (index[i] < 0 || index[i] >= dims[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape " + this);
            }
            off = off * dims[i] + index[i];
        }
        return off;
    }

    /**
     * Row-major coordinates of a flat offset: the inverse of {@link #offsetOf}.
     *
     * @param offset an element offset below {@link #size()}
     * @return one coordinate per dimension, outermost first
     */
    public int[] indexOf(long offset) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException("offset " + offset + " out of bounds for shape " + this);
        }
        int[] index = new int[dims.length];
        for (int i = dims.length - 1; i >= 0; i--) {
            index[i] = (int) (offset % dims[i]);
            offset /= dims[i];
        }
        return index;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
