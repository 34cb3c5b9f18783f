package dev.stride.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A float32 tensor stored row-major in an off-heap {@link MemorySegment}.
 *
 * <p>A tensor never owns its memory: the segment belongs to an {@link Arena} that the caller
 * controls, and every access after that arena closes throws {@link IllegalStateException}. Views
 * ({@link #reshape}, {@link #sample}, {@link #batch}) share the memory of the tensor they come from.
 *
 * <p>Kernels read {@link #segment()} and {@link #offset()} (in floats) directly, so hot loops need
 * no slices and no boxing.
 */
public final class Tensor {
    /** Element layout: 4-byte floats, native byte order. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    /** Alignment of new tensors: a cache line, which also suits every SIMD width. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final long offset;
    private final Shape shape;

    private Tensor(MemorySegment segment, long offset, Shape shape) {
        long floats = segment.byteSize() / Float.BYTES;
        if (offset < 0 || offset + shape.size() > floats) {
            throw new IllegalArgumentException("a tensor of shape " + shape + " at offset " + offset
                    + " does not fit in a segment of " + floats + " floats");
        }
        this.segment = segment;
        this.offset = offset;
        this.shape = shape;
    }

    /**
     * A zero-filled tensor allocated from the arena (freed when the arena closes).
     *
     * @param arena owns the memory
     * @param shape the tensor's shape
     * @return the new tensor
     */
    public static Tensor zeros(Arena arena, Shape shape) {
        return new Tensor(arena.allocate(shape.size() * Float.BYTES, ALIGNMENT), 0, shape);
    }

    /**
     * A zero-filled tensor allocated from the arena (freed when the arena closes).
     *
     * @param arena owns the memory
     * @param dims the dimensions, outermost first
     * @return the new tensor
     */
    public static Tensor zeros(Arena arena, int... dims) {
        return zeros(arena, Shape.of(dims));
    }

    /**
     * A tensor allocated from the arena and filled from {@code values} (row-major).
     *
     * @param arena owns the memory
     * @param values one float per element
     * @param dims the dimensions, outermost first; their product must equal {@code values.length}
     * @return the new tensor
     */
    public static Tensor of(Arena arena, float[] values, int... dims) {
        Tensor t = zeros(arena, Shape.of(dims));
        t.copyFrom(values);
        return t;
    }

    /**
     * A tensor over existing memory, starting {@code offset} floats into the segment.
     *
     * @param segment the memory, owned by the caller
     * @param offset where element 0 is, in floats
     * @param shape the tensor's shape, which must fit in the segment after {@code offset}
     * @return a tensor that shares the segment
     */
    public static Tensor wrap(MemorySegment segment, long offset, Shape shape) {
        return new Tensor(segment, offset, shape);
    }

    /**
     * The memory the elements live in, shared with every view; element 0 is at {@link #offset()}.
     *
     * @return the segment
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Offset of element 0 in the segment, in floats.
     *
     * @return the offset, in floats
     */
    public long offset() {
        return offset;
    }

    /**
     * The tensor's dimensions.
     *
     * @return the shape
     */
    public Shape shape() {
        return shape;
    }

    /**
     * One dimension of {@link #shape()}.
     *
     * @param axis 0 for the outermost
     * @return its size
     */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /**
     * The number of dimensions.
     *
     * @return 1 to {@link Shape#MAX_RANK}
     */
    public int rank() {
        return shape.rank();
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions
     */
    public long size() {
        return shape.size();
    }

    /**
     * One element.
     *
     * @param index one coordinate per dimension, outermost first, each checked
     * @return the element
     */
    public float get(int... index) {
        return segment.getAtIndex(FLOAT, offset + shape.offsetOf(index));
    }

    /**
     * Sets one element.
     *
     * @param value the new value
     * @param index one coordinate per dimension, outermost first, each checked
     */
    public void set(float value, int... index) {
        segment.setAtIndex(FLOAT, offset + shape.offsetOf(index), value);
    }

    /**
     * Element {@code i} in row-major order.
     *
     * @param i the row-major index, below {@link #size()}
     * @return the element
     */
    public float getFlat(long i) {
        checkFlat(i);
        return segment.getAtIndex(FLOAT, offset + i);
    }

    /**
     * Sets element {@code i} in row-major order.
     *
     * @param i the row-major index, below {@link #size()}
     * @param value the new value
     */
    public void setFlat(long i, float value) {
        checkFlat(i);
        segment.setAtIndex(FLOAT, offset + i, value);
    }

    private void checkFlat(long i) {
        if (i < 0 || i >= shape.size()) {
            throw new IndexOutOfBoundsException("flat index " + i + " out of bounds for shape " + shape);
        }
    }

    /**
     * A view with the same elements in another shape of the same size.
     *
     * @param dims the new dimensions; their product must equal {@link #size()}
     * @return a view sharing this tensor's memory
     */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /**
     * A view with the same elements in another shape of the same size.
     *
     * @param newShape a shape with {@link #size()} elements
     * @return a view sharing this tensor's memory
     */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size()
                    + " elements) to " + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(segment, offset, newShape);
    }

    /**
     * Item {@code i} of the outermost dimension as a view with one dimension fewer.
     *
     * @param i the item, below {@code dim(0)}
     * @return a view sharing this tensor's memory
     */
    public Tensor sample(int i) {
        checkBatchIndex(i, i + 1);
        return new Tensor(segment, offset + i * shape.sampleSize(), shape.dropFirst());
    }

    /**
     * Items {@code from} (inclusive) to {@code to} (exclusive) of the outermost dimension, as a view.
     *
     * @param from the first item
     * @param to one past the last item
     * @return a view sharing this tensor's memory
     */
    public Tensor batch(int from, int to) {
        checkBatchIndex(from, to);
        return new Tensor(segment, offset + from * shape.sampleSize(), shape.withBatch(to - from));
    }

    /**
     * The first {@code n} items of the outermost dimension: the view a smaller batch uses.
     *
     * @param n how many items, from 1 to {@code dim(0)}
     * @return a view sharing this tensor's memory
     */
    public Tensor firstBatch(int n) {
        return n == shape.dim(0) ? this : batch(0, n);
    }

    private void checkBatchIndex(int from, int to) {
        if (from < 0 || to > shape.dim(0) || from >= to) {
            throw new IndexOutOfBoundsException(
                    "items [" + from + ", " + to + ") out of range for the outer dimension of " + shape);
        }
    }

    /**
     * Overwrites every element from an array in row-major order.
     *
     * @param values exactly {@link #size()} floats
     */
    public void copyFrom(float[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(
                    "cannot copy " + values.length + " floats into a tensor of shape " + shape + " (" + shape.size() + " elements)");
        }
        MemorySegment.copy(values, 0, segment, FLOAT, offset * Float.BYTES, values.length);
    }

    /**
     * Overwrites every element with another tensor's, in row-major order; the shapes may differ.
     *
     * @param other a tensor with the same number of elements
     */
    public void copyFrom(Tensor other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("cannot copy a tensor of shape " + other.shape + " into one of shape " + shape);
        }
        MemorySegment.copy(other.segment, other.offset * Float.BYTES, segment, offset * Float.BYTES, size() * Float.BYTES);
    }

    /**
     * The elements in row-major order, copied to the heap.
     *
     * @return a new array of {@link #size()} floats
     */
    public float[] toArray() {
        float[] out = new float[Math.toIntExact(shape.size())];
        MemorySegment.copy(segment, FLOAT, offset * Float.BYTES, out, 0, out.length);
        return out;
    }

    /**
     * Sets every element to {@code value}.
     *
     * @param value the new value
     */
    public void fill(float value) {
        fill(segment, offset, size(), value);
    }

    /** Sets every element to 0. */
    public void zero() {
        fill(segment, offset, size(), 0f);
    }

    /**
     * Sets {@code count} floats from {@code offset} (in floats) to {@code value}. A counted loop
     * rather than a slice's fill: C2 vectorises it, and training steps call it without making a
     * slice object each time.
     *
     * @param segment the memory
     * @param offset the first float to set, in floats
     * @param count how many floats
     * @param value the new value
     */
    public static void fill(MemorySegment segment, long offset, long count, float value) {
        for (long i = 0; i < count; i++) {
            segment.setAtIndex(FLOAT, offset + i, value);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape;
    }
}
