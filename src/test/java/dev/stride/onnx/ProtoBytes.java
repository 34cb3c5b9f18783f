package dev.stride.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-encodes protocol buffer messages for the reader's tests, field by field, in any wire form. */
final class ProtoBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoBytes varint(int field, long v) {
        key(field, 0);
        raw(v);
        return this;
    }

    ProtoBytes fixed32(int field, int v) {
        key(field, 5);
        le(v, 4);
        return this;
    }

    ProtoBytes fixed64(int field, long v) {
        key(field, 1);
        le(v, 8);
        return this;
    }

    ProtoBytes bytes(int field, byte[] b) {
        key(field, 2);
        raw(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoBytes string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoBytes message(int field, ProtoBytes m) {
        return bytes(field, m.toByteArray());
    }

    /** A group (wire types 3 and 4) holding {@code inside}. */
    ProtoBytes group(int field, ProtoBytes inside) {
        key(field, 3);
        out.writeBytes(inside.toByteArray());
        key(field, 4);
        return this;
    }

    ProtoBytes packedVarints(int field, long... values) {
        ProtoBytes p = new ProtoBytes();
        for (long v : values) {
            p.raw(v);
        }
        return bytes(field, p.toByteArray());
    }

    ProtoBytes packedFloats(int field, float... values) {
        ProtoBytes p = new ProtoBytes();
        for (float v : values) {
            p.le(Float.floatToIntBits(v), 4);
        }
        return bytes(field, p.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void key(int field, int wireType) {
        raw((long) field << 3 | wireType);
    }

    private void raw(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }
}
