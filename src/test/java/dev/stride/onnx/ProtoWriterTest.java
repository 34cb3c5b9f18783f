package dev.stride.onnx;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The wire format against the examples of the protobuf encoding guide and hand-worked bytes. */
class ProtoWriterTest {
    private static String hex(ProtoWriter w) {
        return HexFormat.of().formatHex(w.toByteArray());
    }

    @Test
    void varints() {
        assertEquals("089601", hex(new ProtoWriter().varint(1, 150)));
        assertEquals("1000", hex(new ProtoWriter().varint(2, 0)));
        // negative int64: ten bytes, two's complement
        assertEquals("08ffffffffffffffffff01", hex(new ProtoWriter().varint(1, -1)));
        // field 20, wire type 0: tag (20 << 3) = 160 takes two bytes
        assertEquals("a00107", hex(new ProtoWriter().varint(20, 7)));
    }

    @Test
    void lengthDelimitedAndFixed32() {
        assertEquals("120774657374696e67", hex(new ProtoWriter().string(2, "testing")));
        assertEquals("1d0000803f", hex(new ProtoWriter().fixed32(3, 1f)));
        assertEquals("1a03089601", hex(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150))));
    }

    @Test
    void packedRepeated() {
        // the guide's example: field 4, values 3, 270, 86942
        assertEquals("2206038e029ea705", hex(new ProtoWriter().packedVarints(4, new long[] {3, 270, 86942})));
        assertEquals("0a00", hex(new ProtoWriter().packedVarints(1, new long[0])));
    }

    @Test
    void refusesFieldNumbersOutsideTheRange() {
        assertThrows(IllegalArgumentException.class, () -> new ProtoWriter().varint(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ProtoWriter().varint(1 << 29, 1));
    }
}
