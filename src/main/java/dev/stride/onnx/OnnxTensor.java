package dev.stride.onnx;

import java.util.Arrays;

/**
 * A constant tensor of an ONNX graph (an initializer, or a Constant node's value), decoded from
 * whichever field held it (raw_data, float_data, int32_data or int64_data). FLOAT tensors keep
 * their values in {@link #floats}, INT32 and INT64 tensors in {@link #longs}; the other element
 * types are refused when the file is read.
 *
 * @param name     the tensor's name in the graph
 * @param dataType {@link #FLOAT}, {@link #INT32} or {@link #INT64}
 * @param dims     the shape; empty for a scalar
 * @param floats   the values of a FLOAT tensor, row-major; null for integer types
 * @param longs    the values of an integer tensor, row-major; null for FLOAT
 */
public record OnnxTensor(String name, int dataType, long[] dims, float[] floats, long[] longs) {
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    /**
     * The number of elements the dims describe.
     *
     * @return the product of the dims (1 for a scalar)
     */
    public long size() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /**
     * The shape as text, e.g. "[6, 1, 5, 5]".
     *
     * @return the text
     */
    public String shapeText() {
        return Arrays.toString(dims);
    }

    /**
     * Whether the shape is exactly {@code expected}.
     *
     * @param expected the dims
     * @return true when the dims equal them
     */
    public boolean hasShape(long... expected) {
        return Arrays.equals(dims, expected);
    }

    /**
     * The integer values, for a FLOAT tensor the floats truncated (shape tensors are INT64 in practice).
     *
     * @return the values: {@link #longs} itself for an integer tensor, else a new array
     */
    public long[] asLongs() {
        if (longs != null) {
            return longs;
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) floats[i];
        }
        return out;
    }

    /**
     * The values as floats, integer types converted.
     *
     * @return the values: {@link #floats} itself for a FLOAT tensor, else a new array
     */
    public float[] asFloats() {
        if (floats != null) {
            return floats;
        }
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = longs[i];
        }
        return out;
    }

    /**
     * "FLOAT", "INT64", ... for the element types of onnx.proto's TensorProto.DataType.
     *
     * @param dataType the element type's number
     * @return its name, or {@code "type N"} for one without a name
     */
    public static String typeName(int dataType) {
        String[] names = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
            "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
        return dataType >= 0 && dataType < names.length ? names[dataType] : "type " + dataType;
    }
}
