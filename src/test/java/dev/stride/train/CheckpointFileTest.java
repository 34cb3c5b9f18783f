package dev.stride.train;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointFileTest {

    @TempDir
    Path dir;

    private static final Map<String, String> META = new LinkedHashMap<>(Map.of("epoch", "3", "norm.mean", "0.1307"));

    private static List<NamedTensor> model(Arena arena, float scale) {
        float[] w = new float[6 * 1 * 5 * 5];
        for (int i = 0; i < w.length; i++) w[i] = scale * (i - 70.5f) / 7f;
        return List.of(
                new NamedTensor("conv1.weight", Tensor.of(arena, w, 6, 1, 5, 5)),
                new NamedTensor("conv1.bias", Tensor.of(arena, new float[]{scale, -0f, Float.MIN_VALUE, 1e30f, -2.5f, 0.1f}, 6)),
                new NamedTensor("optim.velocity.0", Tensor.of(arena, new float[]{Float.NaN, Float.NEGATIVE_INFINITY}, 2)));
    }

    /** The test model saved under {@code name} in the temporary directory, with its arena already closed. */
    private Path savedModel(String name) throws IOException {
        Path file = dir.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "lenet5", META, model(arena, 1f));
        }
        return file;
    }

    @Test
    void roundTripKeepsEveryBitAndTheOrder() throws IOException {
        Path file = dir.resolve("model.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            List<NamedTensor> saved = model(arena, 1f);
            Map<String, String> meta = new LinkedHashMap<>(META);
            meta.put("note", "unicode \u00e9\u4e2d and = signs");
            CheckpointFile.save(file, "lenet5", meta, saved);
            assertEquals(CheckpointWriter.totalBytes("lenet5", meta, saved), Files.size(file));

            Checkpoint c = CheckpointFile.read(file);
            assertEquals("lenet5", c.architecture());
            assertEquals(CheckpointFile.FORMAT_VERSION, c.formatVersion());
            assertEquals(List.copyOf(meta.entrySet()), List.copyOf(c.metadata().entrySet()));
            assertEquals(List.of("conv1.weight", "conv1.bias", "optim.velocity.0"), List.copyOf(c.tensors().keySet()));
            assertEquals(Shape.of(6, 1, 5, 5), c.tensor("conv1.weight").shape());

            List<NamedTensor> loaded = model(arena, 0f);
            c.loadInto(loaded);
            for (int i = 0; i < saved.size(); i++) {
                float[] a = saved.get(i).tensor().toArray(), b = loaded.get(i).tensor().toArray();
                for (int j = 0; j < a.length; j++) {
                    assertEquals(Float.floatToRawIntBits(a[j]), Float.floatToRawIntBits(b[j]), saved.get(i).name() + "[" + j + "]");
                }
            }
        }
    }

    @Test
    void layoutIsLittleEndianAsDocumented() throws IOException {
        Path file = dir.resolve("tiny.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "a", Map.of(), List.of(new NamedTensor("x", Tensor.of(arena, new float[]{1.5f}, 1))));
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("STRIDECK", new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(2, b.getInt(8));
        assertEquals(b.capacity(), b.getLong(12));
        // architecture "a" (4 + 1), no metadata (4), one tensor (4), name "x" (4 + 1), rank 1 (4), dim 1 (4), 1.5f (4), CRC (4).
        assertEquals(20 + 5 + 4 + 4 + 5 + 4 + 4 + 4 + 4, b.capacity());
        assertEquals(1.5f, b.getFloat(b.capacity() - 8));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 0, b.capacity() - 4);
        assertEquals((int) crc.getValue(), b.getInt(b.capacity() - 4));
    }

    @Test
    void truncatedFilesNameTheFileAndOffset() throws IOException {
        Path file = savedModel("full.ckpt");
        byte[] full = Files.readAllBytes(file);
        for (int cut : new int[]{0, 5, 8, 15, 19, 20, 40, full.length / 2, full.length - 4, full.length - 1}) {
            Path t = dir.resolve("cut" + cut + ".ckpt");
            Files.write(t, java.util.Arrays.copyOf(full, cut));
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(t), "cut at " + cut);
            assertTrue(e.getMessage().contains(t.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), "cut at " + cut + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("offset " + cut), "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void aFlippedByteIsAChecksumError() throws IOException {
        Path file = savedModel("flip.ckpt");
        byte[] good = Files.readAllBytes(file);
        for (int at : new int[]{20, 24, 60, good.length / 2, good.length - 5, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            Files.write(file, bad);
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file), "flip at " + at);
            assertTrue(e.getMessage().contains("checksum mismatch"), "flip at " + at + ": " + e.getMessage());
        }
    }

    @Test
    void newerVersionAndWrongMagicAreClearErrors() throws IOException {
        Path file = savedModel("v.ckpt");
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, CheckpointFile.FORMAT_VERSION + 1);
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("written by a newer Stride: format 3, this build reads up to 2"), e.getMessage());

        Path png = dir.resolve("image.png");
        Files.write(png, new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0});
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(png));
        assertTrue(e.getMessage().contains("not a Stride checkpoint") && e.getMessage().contains("89504e47"), e.getMessage());
    }

    @Test
    void aFailureMidWriteLeavesThePreviousCheckpointAndNoTempFile() throws IOException {
        Path file = dir.resolve("model.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "lenet5", META, model(arena, 1f));
            byte[] before = Files.readAllBytes(file);
            for (long failAfter : new long[]{0, 10, 300, before.length - 2}) {
                IOException e = assertThrows(IOException.class, () -> CheckpointFile.save(file, "lenet5", META, model(arena, 2f),
                        channel -> new FailingChannel(channel, failAfter)));
                assertTrue(e.getMessage().contains("disk full"), e.getMessage());
                assertArrayEquals(before, Files.readAllBytes(file), "fail after " + failAfter);
                try (Stream<Path> files = Files.list(dir)) {
                    assertEquals(List.of(file), files.toList(), "only the checkpoint remains after a failure at " + failAfter);
                }
            }
            List<NamedTensor> into = model(arena, 0f);
            CheckpointFile.read(file).loadInto(into);
            assertEquals(1f, into.get(1).tensor().getFlat(0));
        }
    }

    @Test
    void shapeMismatchAndMissingTensorsNameBoth() throws IOException {
        Path file = dir.resolve("m.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "lenet5", META, model(arena, 1f));
            Checkpoint c = CheckpointFile.read(file);
            Tensor wrong = Tensor.zeros(arena, 6, 3, 5, 5);
            Tensor bias = Tensor.zeros(arena, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.loadInto(List.of(new NamedTensor("conv1.bias", bias), new NamedTensor("conv1.weight", wrong))));
            assertTrue(e.getMessage().contains("'conv1.weight' has shape [6, 1, 5, 5] in the checkpoint but [6, 3, 5, 5] in the model"), e.getMessage());
            assertEquals(0f, bias.getFlat(0), "nothing is loaded when any tensor mismatches");

            e = assertThrows(IllegalArgumentException.class, () -> c.loadInto(List.of(new NamedTensor("fc1.weight", wrong))));
            assertTrue(e.getMessage().contains("no tensor 'fc1.weight'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.meta("seed"));
            assertTrue(e.getMessage().contains("[epoch, norm.mean]") || e.getMessage().contains("[norm.mean, epoch]"), e.getMessage());
        }
    }

    @Test
    void duplicateNamesAreRefusedBeforeAnythingIsWritten() {
        Path file = dir.resolve("dup.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CheckpointFile.save(file, "x", Map.of(), List.of(new NamedTensor("weight", t), new NamedTensor("weight", t))));
            assertTrue(e.getMessage().contains("'weight' appears twice"), e.getMessage());
            assertFalse(Files.exists(file));
        }
    }

    /** A channel that accepts {@code limit} bytes and then fails as a full disk would. */
    private static final class FailingChannel implements WritableByteChannel {
        private final WritableByteChannel inner;
        private long left;

        FailingChannel(WritableByteChannel inner, long limit) {
            this.inner = inner;
            this.left = limit;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (left <= 0) {
                throw new IOException("disk full (simulated)");
            }
            ByteBuffer part = src.duplicate();
            part.limit((int) Math.min(src.limit(), src.position() + left));
            int n = inner.write(part);
            src.position(src.position() + n);
            left -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
