package dev.stride.train;

import dev.stride.tensor.Shape;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Validates and parses one checkpoint from a read-only mapping of the file. The order of checks is
 * the point: magic, version and recorded length first, then the CRC over everything, and only then
 * the body, so a flipped byte is reported as corruption rather than as a nonsensical length.
 */
final class CheckpointReader {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CRC_CHUNK = 1 << 30;

    private final Path file;
    private final MemorySegment data;
    private final long end; // where the body stops and the CRC begins
    private long pos;

    private CheckpointReader(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
        this.end = data.byteSize() - CheckpointFile.CRC_BYTES;
    }

    static Checkpoint read(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment data = size == 0 ? MemorySegment.NULL : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            int version = checkFixedHeader(file, data, size);
            return new CheckpointReader(file, data).body(version);
        }
    }

    private static int checkFixedHeader(Path file, MemorySegment data, long size) throws CheckpointException {
        byte[] magic = CheckpointFile.MAGIC;
        byte[] head = new byte[(int) Math.min(size, magic.length)];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, head, 0, head.length);
        if (!Arrays.equals(head, Arrays.copyOf(magic, head.length))) {
            throw new CheckpointException(file, "not a Stride checkpoint: it starts with bytes " + hex(head)
                    + ", a checkpoint starts with \"STRIDECK\"");
        }
        if (size < CheckpointFile.FIXED_HEADER_BYTES) {
            throw new CheckpointException(file, "truncated: the file ends at offset " + size + ", inside the "
                    + CheckpointFile.FIXED_HEADER_BYTES + "-byte fixed header");
        }
        int version = data.get(INT, 8);
        if (version > CheckpointFile.FORMAT_VERSION) {
            throw new CheckpointException(file, "written by a newer Stride: format " + version + ", this build reads up to "
                    + CheckpointFile.FORMAT_VERSION + "; upgrade Stride to read it");
        }
        if (version < 1) {
            throw new CheckpointException(file, "corrupt: format version " + version + " is not a valid version");
        }
        long recorded = data.get(LONG, 12);
        if (size < recorded) {
            throw new CheckpointException(file, "truncated: the data stops at offset " + size + " but the header records "
                    + recorded + " bytes; the file was cut short (copy it again, or use an earlier checkpoint)");
        }
        if (size > recorded) {
            throw new CheckpointException(file, "corrupt: " + (size - recorded) + " unexpected bytes after offset " + recorded
                    + ", where the header says the file ends");
        }
        long body = size - CheckpointFile.CRC_BYTES;
        if (body < CheckpointFile.FIXED_HEADER_BYTES) {
            throw new CheckpointException(file, "corrupt: the header records " + recorded + " bytes, too few for a checkpoint");
        }
        CRC32 crc = new CRC32();
        for (long from = 0; from < body; from += CRC_CHUNK) {
            crc.update(data.asSlice(from, Math.min(CRC_CHUNK, body - from)).asByteBuffer());
        }
        int stored = data.get(INT, body);
        if ((int) crc.getValue() != stored) {
            throw new CheckpointException(file, String.format("corrupt: checksum mismatch (CRC32 of the contents %08x, recorded %08x);"
                    + " the file was damaged after it was written, use an earlier checkpoint", (int) crc.getValue(), stored));
        }
        return version;
    }

    // The CRC has passed, so a bad length here means a writer bug; it is still an error, never an out-of-bounds read.
    private Checkpoint body(int version) throws CheckpointException {
        pos = CheckpointFile.FIXED_HEADER_BYTES;
        String architecture = string("the architecture");
        int entries = count("the metadata entry count");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
            String key = string("metadata key " + i);
            metadata.put(key, string("metadata value '" + key + "'"));
        }
        int n = count("the tensor count");
        List<CheckpointTensor> tensors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tensors.add(tensor(i));
        }
        if (pos != end) {
            throw new CheckpointException(file, "corrupt: " + (end - pos) + " unread bytes at offset " + pos + " before the checksum");
        }
        return new Checkpoint(file, version, architecture, metadata, tensors);
    }

    private CheckpointTensor tensor(int index) throws CheckpointException {
        String name = string("the name of tensor " + index);
        int rank = count("the rank of tensor '" + name + "'");
        if (rank < 1 || rank > Shape.MAX_RANK) {
            throw new CheckpointException(file, "corrupt: tensor '" + name + "' at offset " + pos + " has rank " + rank
                    + ", expected 1 to " + Shape.MAX_RANK);
        }
        int[] dims = new int[rank];
        long bytes = Float.BYTES;
        for (int d = 0; d < rank; d++) {
            dims[d] = count("dimension " + d + " of tensor '" + name + "'");
            try {
                bytes = Math.multiplyExact(bytes, Math.max(dims[d], 1));
            } catch (ArithmeticException e) {
                throw new CheckpointException(file, "corrupt: tensor '" + name + "' has dimensions " + Arrays.toString(dims) + " too large for any file");
            }
        }
        long size = bytes / Float.BYTES;
        need(bytes, "the " + size + " values of tensor '" + name + "'");
        if (size > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(file, "tensor '" + name + "' has " + size + " values, more than a Java array holds");
        }
        Shape shape;
        try {
            shape = Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "corrupt: tensor '" + name + "' has an invalid shape: " + e.getMessage());
        }
        float[] values = new float[(int) size];
        MemorySegment.copy(data, CheckpointWriter.FILE_FLOAT, pos, values, 0, values.length);
        pos += size * Float.BYTES;
        return new CheckpointTensor(name, shape, values);
    }

    private String string(String what) throws CheckpointException {
        int length = count("the length of " + what);
        need(length, what);
        byte[] b = new byte[length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, b, 0, length);
        pos += length;
        return new String(b, StandardCharsets.UTF_8);
    }

    private int count(String what) throws CheckpointException {
        need(4, what);
        int v = data.get(INT, pos);
        if (v < 0) {
            throw new CheckpointException(file, "corrupt: " + what + " at offset " + pos + " is negative (" + v + ")");
        }
        pos += 4;
        return v;
    }

    private void need(long bytes, String what) throws CheckpointException {
        if (bytes > end - pos) {
            throw new CheckpointException(file, "corrupt: " + what + " needs " + bytes + " bytes at offset " + pos
                    + " but the contents end at offset " + end);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.isEmpty() ? "(none: the file is empty)" : s.toString();
    }
}
