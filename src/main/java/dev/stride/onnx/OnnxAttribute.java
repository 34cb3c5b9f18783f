package dev.stride.onnx;

/**
 * A node attribute. Only the field its {@link #type} names is meaningful; graph-valued attributes
 * (the bodies of If and Loop) are recorded by type only, since no operator Stride imports has one.
 *
 * @param type    onnx.proto's AttributeType: {@link #FLOAT}, {@link #INT}, {@link #STRING},
 *                {@link #TENSOR}, {@link #FLOATS}, {@link #INTS}, or another (kept, not decoded)
 * @param s       a STRING attribute's bytes, as text
 * @param name the attribute's name
 * @param f a FLOAT attribute's value
 * @param i an INT attribute's value
 * @param t a TENSOR attribute's value, or null
 * @param floats a FLOATS attribute's values, or null
 * @param ints an INTS attribute's values, or null
 */
public record OnnxAttribute(String name, int type, float f, long i, String s, OnnxTensor t, float[] floats, long[] ints) {
    public static final int FLOAT = 1;
    public static final int INT = 2;
    public static final int STRING = 3;
    public static final int TENSOR = 4;
    public static final int FLOATS = 6;
    public static final int INTS = 7;
}
