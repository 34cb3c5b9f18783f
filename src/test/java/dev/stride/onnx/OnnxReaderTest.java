package dev.stride.onnx;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxReaderTest {
    /** A model around one initializer, with a node and opset 13, and unknown fields of every wire type at every level. */
    private static byte[] model(ProtoBytes tensor) {
        ProtoBytes unknown = new ProtoBytes().varint(90, 7).fixed64(91, -1).fixed32(92, 3).string(93, "x")
                .group(94, new ProtoBytes().varint(1, 1).group(2, new ProtoBytes().fixed32(3, 4)));
        ProtoBytes node = new ProtoBytes().string(1, "x").string(1, "w").string(2, "y").string(3, "relu0").string(4, "Relu")
                .message(5, new ProtoBytes().string(1, "alpha").fixed32(2, Float.floatToIntBits(0.5f)).varint(20, 1)
                        .message(99, unknown))
                .message(5, new ProtoBytes().string(1, "pads").varint(8, 1).varint(8, 2).packedVarints(8, 3, 4).varint(20, 7))
                .message(77, unknown);
        ProtoBytes graph = new ProtoBytes().message(1, node).string(2, "g").message(5, tensor.message(99, unknown))
                .message(11, valueInfo("x", "batch", 3)).message(12, valueInfo("y", null, 10)).message(88, unknown);
        return new ProtoBytes().varint(1, 8).string(2, "pytorch").message(7, graph)
                .message(8, new ProtoBytes().string(1, "").varint(2, 13))
                .message(14, new ProtoBytes().string(1, "stride.classes").string(2, "a,b")).group(50, unknown).toByteArray();
    }

    private static ProtoBytes valueInfo(String name, String batch, long features) {
        ProtoBytes batchDim = batch == null ? new ProtoBytes().varint(1, 2) : new ProtoBytes().string(2, batch);
        ProtoBytes shape = new ProtoBytes().message(1, batchDim).message(1, new ProtoBytes().varint(1, features));
        return new ProtoBytes().string(1, name).message(2, new ProtoBytes().message(1,
                new ProtoBytes().varint(1, OnnxTensor.FLOAT).message(2, shape)));
    }

    private static ProtoBytes floatTensor() {
        return new ProtoBytes().varint(1, 2).varint(1, 3).varint(2, OnnxTensor.FLOAT).string(8, "w");
    }

    @Test
    void decodesEveryMessageAndSkipsUnknownFieldsOfEveryWireType() throws Exception {
        OnnxModel m = OnnxReader.parse("test", model(floatTensor().packedFloats(4, 1, 2, 3, 4, 5, 6)));
        assertEquals(8, m.irVersion());
        assertEquals("pytorch", m.producer());
        assertEquals(13, m.defaultOpset());
        assertEquals("a,b", m.metadata().get("stride.classes"));
        OnnxNode n = m.graph().nodes().getFirst();
        assertEquals("Relu", n.opType());
        assertEquals(java.util.List.of("x", "w"), n.inputs());
        assertEquals(0.5f, n.attribute("alpha").f());
        assertArrayEquals(new long[] {1, 2, 3, 4}, n.attribute("pads").ints(), "unpacked and packed runs of one field add up");
        OnnxTensor t = m.graph().initializers().getFirst();
        assertArrayEquals(new long[] {2, 3}, t.dims());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.floats());
        OnnxValueInfo x = m.graph().inputs().getFirst();
        assertEquals("batch", x.dims().getFirst().symbol());
        assertEquals(3, x.dims().get(1).value());
        assertEquals(2, m.graph().outputs().getFirst().dims().getFirst().value());
    }

    @Test
    void floatDataPackedUnpackedAndRawDataDecodeAlike() throws Exception {
        float[] v = {1.5f, -2, 0, 3e-8f, 7, Float.MAX_VALUE};
        ProtoBytes unpacked = floatTensor();
        byte[] raw = new byte[24];
        for (int i = 0; i < v.length; i++) {
            unpacked.fixed32(4, Float.floatToIntBits(v[i]));
            int bits = Float.floatToIntBits(v[i]);
            for (int b = 0; b < 4; b++) {
                raw[4 * i + b] = (byte) (bits >>> (8 * b));
            }
        }
        for (ProtoBytes t : new ProtoBytes[] {floatTensor().packedFloats(4, v), unpacked, floatTensor().bytes(9, raw)}) {
            assertArrayEquals(v, OnnxReader.parse("test", model(t)).graph().initializers().getFirst().floats());
        }
    }

    @Test
    void int64AndInt32TensorsDecodeFromEveryField() throws Exception {
        ProtoBytes longs = new ProtoBytes().varint(1, 2).varint(2, OnnxTensor.INT64).packedVarints(7, 0, -1);
        assertArrayEquals(new long[] {0, -1}, OnnxReader.parse("t", model(longs)).graph().initializers().getFirst().longs());
        byte[] raw = new byte[8];
        Arrays.fill(raw, 4, 8, (byte) 0xff);
        ProtoBytes ints = new ProtoBytes().varint(1, 2).varint(2, OnnxTensor.INT32).bytes(9, raw);
        assertArrayEquals(new long[] {0, -1}, OnnxReader.parse("t", model(ints)).graph().initializers().getFirst().longs());
    }

    @Test
    void otherElementTypesAndMismatchedSizesAreRefusedNamingTheTensor() {
        ProtoBytes dbl = new ProtoBytes().varint(1, 1).varint(2, 11).string(8, "d").bytes(9, new byte[8]);
        String m = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse("f.onnx", model(dbl))).getMessage();
        assertTrue(m.contains("f.onnx") && m.contains("tensor 'd'") && m.contains("DOUBLE"), m);
        ProtoBytes shortRaw = floatTensor().bytes(9, new byte[20]);
        m = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse("f.onnx", model(shortRaw))).getMessage();
        assertTrue(m.contains("20 bytes of raw_data where its shape needs 24"), m);
        ProtoBytes fewer = floatTensor().packedFloats(4, 1, 2);
        m = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse("f.onnx", model(fewer))).getMessage();
        assertTrue(m.contains("holds 2 values where its shape needs 6"), m);
    }

    /**
     * Protocol buffers have no end marker, so a cut between two top-level fields after the graph
     * reads as a shorter file; every other cut is an error naming the file, and never a graph
     * with parts missing.
     */
    @Test
    void everyTruncationIsAnErrorWithTheOffsetOrLeavesTheGraphWhole() throws Exception {
        byte[] whole = model(floatTensor().packedFloats(4, 1, 2, 3, 4, 5, 6));
        int errors = 0;
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] part = Arrays.copyOf(whole, cut);
            try {
                OnnxGraph g = OnnxReader.parse("cut.onnx", part).graph();
                assertEquals(1, g.nodes().size(), "cut at " + cut);
                assertEquals(6, g.initializers().getFirst().floats().length, "cut at " + cut);
            } catch (OnnxFormatException e) {
                assertTrue(e.getMessage().startsWith("cut.onnx: "), e.getMessage());
                errors++;
            }
        }
        assertTrue(errors > whole.length - 40, errors + " of " + whole.length + " cuts refused");
    }

    @Test
    void aLengthBeyondTheDataIsRefusedBeforeAllocating() {
        byte[] huge = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2};
        String m = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse("big.onnx", huge)).getMessage();
        assertEquals("big.onnx: at byte 1: a field of 2147483647 bytes where 2 remain (the file is truncated or not an ONNX model)", m);
    }

    @Test
    void theTruncatedFixtureNamesTheFileAndTheOffset() throws Exception {
        var file = OnnxFixtures.file("truncated.onnx");
        assertEquals(300, Files.size(file));
        String m = assertThrows(OnnxFormatException.class, () -> OnnxReader.read(file)).getMessage();
        assertTrue(m.startsWith(file + ": at byte "), m);
        assertTrue(m.contains("where") || m.contains("ends inside"), m);
    }
}
