package dev.stride.train;

import dev.stride.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Streams one checkpoint through a fixed buffer, computing the CRC32 on the way. */
final class CheckpointWriter {
    static final ValueLayout.OfFloat FILE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BUFFER_BYTES = 1 << 16;

    private final WritableByteChannel out;
    private final byte[] bytes = new byte[BUFFER_BYTES];
    private final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufferSegment = MemorySegment.ofArray(bytes);
    private final CRC32 crc = new CRC32();

    CheckpointWriter(WritableByteChannel out) {
        this.out = out;
    }

    void write(String architecture, Map<String, String> metadata, List<NamedTensor> tensors) throws IOException {
        buffer.put(CheckpointFile.MAGIC);
        buffer.putInt(CheckpointFile.FORMAT_VERSION);
        buffer.putLong(totalBytes(architecture, metadata, tensors));
        putString(architecture);
        room(4);
        buffer.putInt(metadata.size());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            putString(e.getKey());
            putString(e.getValue());
        }
        room(4);
        buffer.putInt(tensors.size());
        for (NamedTensor t : tensors) {
            putString(t.name());
            int[] dims = t.tensor().shape().dims();
            room(4 + 4 * dims.length);
            buffer.putInt(dims.length);
            for (int d : dims) {
                buffer.putInt(d);
            }
            putFloats(t.tensor());
        }
        flush();
        ByteBuffer tail = ByteBuffer.allocate(CheckpointFile.CRC_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        tail.putInt((int) crc.getValue()).flip();
        drain(tail);
    }

    /** The file's size, computed up front so the header can record it and a reader can spot truncation first. */
    static long totalBytes(String architecture, Map<String, String> metadata, List<NamedTensor> tensors) {
        long n = CheckpointFile.FIXED_HEADER_BYTES + stringBytes(architecture) + 4;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            n += stringBytes(e.getKey()) + stringBytes(e.getValue());
        }
        n += 4;
        for (NamedTensor t : tensors) {
            n += stringBytes(t.name()) + 4 + 4L * t.tensor().rank() + 4 * t.tensor().size();
        }
        return n + CheckpointFile.CRC_BYTES;
    }

    private static long stringBytes(String s) {
        return 4 + s.getBytes(StandardCharsets.UTF_8).length;
    }

    private void putString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        room(4);
        buffer.putInt(b.length);
        for (int from = 0; from < b.length; ) {
            room(1);
            int n = Math.min(buffer.remaining(), b.length - from);
            buffer.put(b, from, n);
            from += n;
        }
    }

    // Bulk copy from the tensor's native-order memory into little-endian file order.
    private void putFloats(Tensor t) throws IOException {
        long done = 0, size = t.size();
        while (done < size) {
            room(4);
            int n = (int) Math.min(buffer.remaining() / 4, size - done);
            MemorySegment.copy(t.segment(), Tensor.FLOAT, (t.offset() + done) * Float.BYTES,
                    bufferSegment, FILE_FLOAT, buffer.position(), n);
            buffer.position(buffer.position() + n * Float.BYTES);
            done += n;
        }
    }

    private void room(int n) throws IOException {
        if (buffer.remaining() < n) {
            flush();
        }
    }

    private void flush() throws IOException {
        buffer.flip();
        crc.update(buffer.duplicate());
        drain(buffer);
        buffer.clear();
    }

    private void drain(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
