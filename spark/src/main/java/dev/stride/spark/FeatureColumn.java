package dev.stride.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A column of samples as floats: {@code array<float>} or {@code array<double>} (C*H*W values in
 * NCHW order), or {@code binary} holding float32 little-endian.
 */
final class FeatureColumn {
    private FeatureColumn() {
    }

    /** Checks the column's type, naming the column and what it takes. */
    static void check(StructType schema, String column) {
        DataType t = schema.apply(schema.fieldIndex(column)).dataType();
        boolean ok = t instanceof BinaryType
                || t instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType));
        if (!ok) {
            throw new IllegalArgumentException("column '" + column + "' is " + t.simpleString()
                    + "; it must be array<float>, array<double> or binary (float32 little-endian), one C*H*W sample a row");
        }
    }

    /** Copies row's sample into {@code out} at {@code offset}; the sample must hold exactly {@code floats} values. */
    static void read(Row row, int field, float[] out, int offset, int floats, String column) {
        Object v = row.get(field);
        if (v == null) {
            throw new IllegalArgumentException("column '" + column + "' is null in a row; drop such rows first");
        }
        if (v instanceof byte[] bytes) {
            if (bytes.length != floats * Float.BYTES) {
                throw wrongSize(column, bytes.length / Float.BYTES, floats);
            }
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, offset, floats);
            return;
        }
        List<Object> values = row.getList(field);
        if (values.size() != floats) {
            throw wrongSize(column, values.size(), floats);
        }
        for (int i = 0; i < floats; i++) {
            out[offset + i] = ((Number) values.get(i)).floatValue();
        }
    }

    private static IllegalArgumentException wrongSize(String column, int got, int floats) {
        return new IllegalArgumentException("column '" + column + "' holds a sample of " + got + " values, but the model takes "
                + floats + " (C*H*W)");
    }
}
