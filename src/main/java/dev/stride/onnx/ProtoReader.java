package dev.stride.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the protocol buffers wire format from a byte array, one field at a time: varints, fixed
 * 32- and 64-bit values and length-delimited fields (sub-messages, strings, bytes, packed repeated
 * numbers). Every length is checked against what remains of its enclosing message before anything
 * is allocated, so a truncated or corrupt file ends in an {@link OnnxFormatException} naming the
 * file and the byte offset, never in an exception from deep inside or an OutOfMemoryError.
 *
 * <p>Use: {@code while (r.next()) switch (r.field()) { case 1 -> ...; default -> r.skip(); }}.
 * Not thread-safe: a reader is a cursor.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private final String source;
    private final byte[] data;
    private final int limit;        // end of this message in data (exclusive)
    private int pos;
    private int field;              // the current field's number and wire type, set by next()
    private int wireType;

    ProtoReader(String source, byte[] data) {
        this(source, data, 0, data.length);
    }

    private ProtoReader(String source, byte[] data, int from, int limit) {
        this.source = source;
        this.data = data;
        this.pos = from;
        this.limit = limit;
    }

    /** Reads the next field's key; false at the end of the message. */
    boolean next() throws OnnxFormatException {
        if (pos >= limit) {
            return false;
        }
        int at = pos;
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field == 0 || key >>> 3 > Integer.MAX_VALUE || wireType > FIXED32) {
            throw error(at, "invalid field key " + key + " (field " + (key >>> 3) + ", wire type " + (key & 7) + ")");
        }
        return true;
    }

    int field() {
        return field;
    }

    int wireType() {
        return wireType;
    }

    /** The byte offset of the cursor in the file. */
    int offset() {
        return pos;
    }

    long varint() throws OnnxFormatException {
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw error(at, "the data ends inside a varint");
            }
            byte b = data[pos++];
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw error(at, "a varint longer than 10 bytes");
    }

    int fixed32() throws OnnxFormatException {
        need(4, "a fixed 32-bit value");
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16 | (data[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    long fixed64() throws OnnxFormatException {
        long lo = fixed32() & 0xffffffffL;
        long hi = fixed32() & 0xffffffffL;
        return lo | hi << 32;
    }

    /** The current length-delimited field as a reader of its own (a sub-message). */
    ProtoReader message() throws OnnxFormatException {
        int length = length();
        ProtoReader sub = new ProtoReader(source, data, pos, pos + length);
        pos += length;
        return sub;
    }

    byte[] bytes() throws OnnxFormatException {
        int length = length();
        byte[] b = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return b;
    }

    String string() throws OnnxFormatException {
        int length = length();
        String s = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** Skips the current field, whatever its wire type (groups included, nested ones too). */
    void skip() throws OnnxFormatException {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> skipBytes(8);
            case LENGTH_DELIMITED -> skipBytes(length());
            case FIXED32 -> skipBytes(4);
            case START_GROUP -> skipGroup(field);
            default -> throw error(pos, "an end-group marker for field " + field + " with no group open");
        }
    }

    private void skipGroup(int group) throws OnnxFormatException {
        int at = pos;
        while (next()) {
            if (wireType == END_GROUP) {
                if (field != group) {
                    throw error(at, "group " + group + " closed by an end marker for field " + field);
                }
                return;
            }
            skip();
        }
        throw error(at, "the data ends inside group " + group);
    }

    /**
     * Appends the current field's integers to {@code out}: one varint (unpacked repeated, or a
     * single value) or a packed run of them; returns the new count.
     */
    int varints(long[][] out, int count) throws OnnxFormatException {
        if (wireType == VARINT) {
            return append(out, count, varint());
        }
        expect(LENGTH_DELIMITED, "integers");
        ProtoReader packed = message();
        while (packed.pos < packed.limit) {
            count = append(out, count, packed.varint());
        }
        return count;
    }

    /** Appends the current field's floats to {@code out}: one fixed32 or a packed run; returns the new count. */
    int floats(float[][] out, int count) throws OnnxFormatException {
        if (wireType == FIXED32) {
            out[0] = grow(out[0], count + 1);
            out[0][count] = Float.intBitsToFloat(fixed32());
            return count + 1;
        }
        expect(LENGTH_DELIMITED, "floats");
        int length = length();
        if (length % 4 != 0) {
            throw error(pos, "packed floats of " + length + " bytes, not a multiple of 4");
        }
        out[0] = grow(out[0], count + length / 4);
        for (int i = 0; i < length / 4; i++) {
            out[0][count++] = Float.intBitsToFloat(fixed32());
        }
        return count;
    }

    void expect(int type, String what) throws OnnxFormatException {
        if (wireType != type) {
            throw error(pos, "field " + field + " should hold " + what + " but has wire type " + wireType);
        }
    }

    /** An error at {@code offset} naming the file. */
    OnnxFormatException error(int offset, String message) {
        return new OnnxFormatException(source + ": at byte " + offset + ": " + message
                + " (the file is truncated or not an ONNX model)");
    }

    private int length() throws OnnxFormatException {
        expect(LENGTH_DELIMITED, "a length-delimited value");
        int at = pos;
        long length = varint();
        if (length < 0 || length > limit - pos) {
            throw error(at, "a field of " + Long.toUnsignedString(length) + " bytes where " + (limit - pos) + " remain");
        }
        return (int) length;
    }

    private void need(int bytes, String what) throws OnnxFormatException {
        if (limit - pos < bytes) {
            throw error(pos, "the data ends inside " + what);
        }
    }

    private void skipBytes(int n) throws OnnxFormatException {
        need(n, "a field");
        pos += n;
    }

    private static int append(long[][] out, int count, long v) {
        out[0] = grow(out[0], count + 1);
        out[0][count] = v;
        return count + 1;
    }

    // Doubling, so a long unpacked run costs amortised O(1) per value; sizes stay within the
    // file's own length because every value read consumed at least one byte of it.
    private static long[] grow(long[] a, int need) {
        return need <= a.length ? a : Arrays.copyOf(a, Math.max(need, Math.max(8, 2 * a.length)));
    }

    private static float[] grow(float[] a, int need) {
        return need <= a.length ? a : Arrays.copyOf(a, Math.max(need, Math.max(8, 2 * a.length)));
    }
}
