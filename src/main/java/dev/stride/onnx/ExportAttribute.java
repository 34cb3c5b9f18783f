package dev.stride.onnx;

import java.util.Arrays;

/**
 * One attribute of an ONNX node (AttributeProto): INT, INTS, FLOAT or STRING, the kinds the
 * exported operators need.
 *
 * @param name the attribute's name, e.g. {@code kernel_shape}
 * @param kind which of the value fields holds the value
 * @param ints an INT's value (one element) or an INTS's values; null otherwise
 * @param f a FLOAT's value
 * @param s a STRING's value; null otherwise
 */
public record ExportAttribute(String name, Kind kind, long[] ints, float f, String s) {
    /** AttributeProto.AttributeType, by its number in onnx.proto. */
    public enum Kind {
        /** One float. */
        FLOAT(1),
        /** One integer. */
        INT(2),
        /** One string. */
        STRING(3),
        /** A list of integers. */
        INTS(7);

        final int number;

        Kind(int number) {
            this.number = number;
        }
    }

    /**
     * An INT attribute.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static ExportAttribute of(String name, long value) {
        return new ExportAttribute(name, Kind.INT, new long[] {value}, 0f, null);
    }

    /**
     * A FLOAT attribute.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static ExportAttribute of(String name, float value) {
        return new ExportAttribute(name, Kind.FLOAT, null, value, null);
    }

    /**
     * A STRING attribute.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static ExportAttribute of(String name, String value) {
        return new ExportAttribute(name, Kind.STRING, null, 0f, value);
    }

    /**
     * An INTS attribute.
     *
     * @param name the attribute's name
     * @param values its values (copied)
     * @return the attribute
     */
    public static ExportAttribute ints(String name, long... values) {
        return new ExportAttribute(name, Kind.INTS, values.clone(), 0f, null);
    }

    /** AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20. */
    ProtoWriter encode() {
        ProtoWriter a = new ProtoWriter().string(1, name);
        switch (kind) {
            case FLOAT -> a.fixed32(2, f);
            case INT -> a.varint(3, ints[0]);
            case STRING -> a.string(4, s);
            case INTS -> a.packedVarints(8, ints);
        }
        return a.varint(20, kind.number);
    }

    @Override
    public String toString() {
        return name + "=" + switch (kind) {
            case FLOAT -> Float.toString(f);
            case INT -> Long.toString(ints[0]);
            case STRING -> s;
            case INTS -> Arrays.toString(ints);
        };
    }
}
