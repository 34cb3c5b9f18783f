package dev.stride.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes TensorProto: dims (1), data_type (2), float_data (4), int32_data (5), int64_data (7),
 * name (8), raw_data (9, little-endian), data_location (14). The element count the dims give must
 * match the data, and only FLOAT, INT32 and INT64 are decoded; anything else is an error naming
 * the tensor.
 */
final class OnnxTensorDecoder {
    private static final int EXTERNAL = 1;

    private OnnxTensorDecoder() {
    }

    static OnnxTensor decode(ProtoReader r) throws OnnxFormatException {
        int start = r.offset();
        String name = "";
        int type = 0;
        long[][] dims = {new long[0]};
        int nd = 0;
        float[][] floats = {new float[0]};
        int nf = 0;
        long[][] ints = {new long[0]};
        int ni = 0;
        byte[] raw = null;
        long location = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nd = r.varints(dims, nd);
                case 2 -> type = (int) OnnxReader.varint(r);
                case 4 -> nf = r.floats(floats, nf);
                case 5, 7 -> ni = r.varints(ints, ni);
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                case 14 -> location = OnnxReader.varint(r);
                default -> r.skip();
            }
        }
        long[] shape = Arrays.copyOf(dims[0], nd);
        String what = "tensor '" + name + "' " + Arrays.toString(shape);
        if (location == EXTERNAL) {
            throw r.error(start, what + " keeps its data in an external file, which Stride does not read; "
                    + "save the model with its weights inside (onnx.save_model(..., save_as_external_data=False))");
        }
        if (type != OnnxTensor.FLOAT && type != OnnxTensor.INT32 && type != OnnxTensor.INT64) {
            throw r.error(start, what + " has element type " + OnnxTensor.typeName(type)
                    + "; Stride reads FLOAT, INT32 and INT64 tensors");
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && count > Integer.MAX_VALUE / d)) {
                throw r.error(start, what + " has an impossible shape");
            }
            count *= d;
        }
        if (raw != null) {
            int width = type == OnnxTensor.INT64 ? 8 : 4;
            if (raw.length != count * width) {
                throw r.error(start, what + " has " + raw.length + " bytes of raw_data where its shape needs " + count * width);
            }
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            if (type == OnnxTensor.FLOAT) {
                float[] v = new float[(int) count];
                b.asFloatBuffer().get(v);
                return new OnnxTensor(name, type, shape, v, null);
            }
            long[] v = new long[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = width == 8 ? b.getLong() : b.getInt();
            }
            return new OnnxTensor(name, type, shape, null, v);
        }
        int have = type == OnnxTensor.FLOAT ? nf : ni;
        if (have != count) {
            throw r.error(start, what + " holds " + have + " values where its shape needs " + count);
        }
        return type == OnnxTensor.FLOAT ? new OnnxTensor(name, type, shape, Arrays.copyOf(floats[0], nf), null)
                : new OnnxTensor(name, type, shape, null, Arrays.copyOf(ints[0], ni));
    }
}
