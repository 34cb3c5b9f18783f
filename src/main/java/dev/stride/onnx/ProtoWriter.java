package dev.stride.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, write side, for the few ONNX messages Stride exports: varints (wire
 * type 0), fixed32 floats (type 5) and length-delimited fields (type 2: strings, bytes, nested
 * messages, packed repeated numbers). A message is written into its own writer and then embedded in
 * its parent with {@link #message}, which needs its length up front. Not thread-safe: one writer per
 * message being built.
 */
public final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final Buffer out = new Buffer();

    /** An empty message. */
    public ProtoWriter() {
    }

    /**
     * An int32, int64 or enum field (negative values take ten bytes, as protobuf encodes them).
     *
     * @param field the field number
     * @param value the value
     * @return this writer
     */
    public ProtoWriter varint(int field, long value) {
        tag(field, VARINT);
        rawVarint(value);
        return this;
    }

    /**
     * A float field, little-endian.
     *
     * @param field the field number
     * @param value the value
     * @return this writer
     */
    public ProtoWriter fixed32(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    /**
     * A string field, UTF-8.
     *
     * @param field the field number
     * @param value the text
     * @return this writer
     */
    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A bytes field.
     *
     * @param field the field number
     * @param value the bytes
     * @return this writer
     */
    public ProtoWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    /**
     * A nested message, copied from its own writer.
     *
     * @param field the field number
     * @param message the nested message's writer
     * @return this writer
     */
    public ProtoWriter message(int field, ProtoWriter message) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(message.size());
        out.write(message.out.array(), 0, message.size());
        return this;
    }

    /**
     * A packed repeated int64 field (proto3's default for repeated scalars; proto2 parsers accept it too).
     *
     * @param field the field number
     * @param values the values
     * @return this writer
     */
    public ProtoWriter packedVarints(int field, long[] values) {
        ProtoWriter body = new ProtoWriter();
        for (long v : values) {
            body.rawVarint(v);
        }
        tag(field, LENGTH_DELIMITED);
        rawVarint(body.size());
        out.write(body.out.array(), 0, body.size());
        return this;
    }

    /**
     * Bytes written so far.
     *
     * @return the byte count
     */
    public int size() {
        return out.size();
    }

    /**
     * The message's bytes.
     *
     * @return a copy of the bytes written so far
     */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /**
     * Writes the message's bytes to a stream.
     *
     * @param stream the destination; not closed
     * @throws IOException when the stream cannot be written
     */
    public void writeTo(OutputStream stream) throws IOException {
        out.writeTo(stream);
    }

    private void tag(int field, int wireType) {
        if (field < 1 || field > (1 << 29) - 1) {
            throw new IllegalArgumentException("protobuf field numbers run from 1 to 2^29 - 1, got " + field);
        }
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** A ByteArrayOutputStream whose array a parent can copy from without the defensive copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        byte[] array() {
            return buf;
        }
    }
}
