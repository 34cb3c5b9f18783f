package dev.stride.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files of unsigned bytes (the format MNIST ships in), raw or gzip-compressed.
 *
 * <p>Layout: magic {@code 00 00 08 d} (data type 0x08 = unsigned byte, {@code d} dimensions), then
 * {@code d} big-endian 32-bit sizes, then the data. Compression is detected from the gzip magic
 * bytes rather than the file name, because downloads get renamed. Everything is checked: the
 * magic, the data type, the number of dimensions, that the data is exactly as long as the header
 * says, and for labels that each one names a class.
 */
public final class IdxReader {
    /** Magic number of an image file: unsigned bytes, 3 dimensions (count, rows, cols). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of a label file: unsigned bytes, 1 dimension (count). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE = 0x08;
    // Java arrays stop a little short of Integer.MAX_VALUE.
    private static final long MAX_DATA = Integer.MAX_VALUE - 8;

    private IdxReader() {
    }

    /**
     * Images from an IDX image file, raw or gzip-compressed.
     *
     * @param file the file
     * @return the images
     * @throws IOException when the file cannot be read, or an {@link IdxFormatException} naming the offset
     *     where it is malformed
     */
    public static IdxImages readImages(Path file) throws IOException {
        try (Reader in = new Reader(file)) {
            int[] dims = in.header(3, "an image file");
            // Three sizes of up to 2^31 each can overflow a long (and wrap to 0 or below); capping
            // the first product keeps any size over MAX_DATA over it, and refused.
            long size = Math.min((long) dims[0] * dims[1], MAX_DATA + 1) * dims[2];
            return new IdxImages(in.data(size, dims[0] + " images of " + dims[1] + "x" + dims[2]), dims[0], dims[1], dims[2]);
        }
    }

    /**
     * Labels, each checked to lie in {@code [0, classes)}.
     *
     * @param classes number of classes, 1 to 256
     * @param file an IDX label file, raw or gzip-compressed
     * @return the labels
     * @throws IOException when the file cannot be read, or an {@link IdxFormatException} where it is
     *     malformed
     */
    public static int[] readLabels(Path file, int classes) throws IOException {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be 1 to 256 for byte labels, got " + classes);
        }
        try (Reader in = new Reader(file)) {
            int count = in.header(1, "a label file")[0];
            byte[] raw = in.data(count, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = Byte.toUnsignedInt(raw[i]);
                if (labels[i] >= classes) {
                    throw new IdxFormatException(file, in.gzip, 8 + i, "a label 0.." + (classes - 1) + " (label " + i + ")",
                            String.valueOf(labels[i]));
                }
            }
            return labels;
        }
    }

    /**
     * True when the file starts with the gzip magic bytes 1f 8b.
     *
     * @param file the file
     * @return whether it is gzip-compressed
     * @throws IOException when the file cannot be read
     */
    public static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** A stream over the file's uncompressed bytes that knows its offset, for error messages. */
    private static final class Reader implements AutoCloseable {
        private final Path file;
        private final boolean gzip;
        private final InputStream in;
        private final long rawLength; // the file's length when it is not compressed, else -1
        private long offset;

        Reader(Path file) throws IOException {
            this.file = file;
            this.gzip = isGzip(file);
            this.rawLength = gzip ? -1 : Files.size(file);
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            if (gzip) {
                try {
                    raw = new GZIPInputStream(raw, 1 << 16);
                } catch (EOFException | ZipException e) {
                    raw.close();
                    throw new IdxFormatException(file, true, 0, "a valid gzip header", "a corrupt one (" + e.getMessage() + ")");
                }
            }
            this.in = raw;
        }

        int[] header(int expectedDims, String kind) throws IOException {
            byte[] magic = read(4, "the 4-byte IDX magic number");
            if (magic[0] != 0 || magic[1] != 0) {
                throw error(0, "magic bytes 00 00 (an IDX file)", "bytes " + HexFormat.ofDelimiter(" ").formatHex(magic, 0, 2));
            }
            if (magic[2] != UNSIGNED_BYTE) {
                throw error(2, "data type 0x08 (unsigned byte)", String.format("0x%02x", magic[2]));
            }
            if (magic[3] != expectedDims) {
                throw error(3, expectedDims + " dimensions (magic 0x" + String.format("%08x", expectedDims == 3 ? IMAGES_MAGIC : LABELS_MAGIC)
                        + ", " + kind + ")", magic[3] + " dimensions (magic 0x" + HexFormat.of().formatHex(magic) + ")");
            }
            int[] dims = new int[expectedDims];
            for (int d = 0; d < expectedDims; d++) {
                long at = offset;
                byte[] b = read(4, "the size of dimension " + d);
                dims[d] = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
                if (dims[d] < 1) {
                    throw error(at, "a positive size for dimension " + d, Integer.toUnsignedString(dims[d]));
                }
            }
            return dims;
        }

        /** Exactly {@code size} bytes of data and then the end of the file. */
        byte[] data(long size, String what) throws IOException {
            if (size > MAX_DATA) {
                throw error(4, "at most " + MAX_DATA + " data bytes", "more (" + what + ")");
            }
            if (!gzip && size > rawLength - offset) {
                // An uncompressed file's length is known: a header that promises more than is there
                // fails here, before anything that large is allocated.
                throw error(rawLength, size + " data bytes (" + what + ") from offset " + offset, "the end of the file after "
                        + (rawLength - offset) + " of them (the file is truncated)");
            }
            byte[] data = read((int) size, size + " data bytes (" + what + ")");
            int next;
            try {
                next = in.read();
            } catch (EOFException | ZipException e) {
                // The gzip trailer (CRC32 and length of the data) comes after the last data byte.
                throw error(offset, "a valid gzip trailer after " + what, "a corrupt one (" + e.getMessage() + ")");
            }
            if (next != -1) {
                throw error(offset, "the end of the file after " + what, "more bytes");
            }
            return data;
        }

        private byte[] read(int n, String what) throws IOException {
            // Grow as bytes arrive instead of trusting the header's size: a gzip file's length says
            // nothing of its data's, and a corrupt header must not make us allocate gigabytes (or a
            // megabyte for a 30-byte file) before we notice that the data is short.
            byte[] buf = new byte[Math.min(n, 1 << 16)];
            int got = 0;
            long start = offset;
            while (got < n) {
                if (got == buf.length) {
                    buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
                }
                int r;
                try {
                    // Modest reads: a huge one makes the file channel allocate a direct buffer as large.
                    r = in.read(buf, got, Math.min(buf.length - got, 1 << 20));
                } catch (EOFException | ZipException e) {
                    throw error(start + got, what + " from offset " + start, "a corrupt or truncated gzip stream after "
                            + got + " bytes (" + e.getMessage() + ")");
                }
                if (r < 0) {
                    throw error(start + got, what + " from offset " + start, "the end of the file after " + got
                            + " of them (the file is truncated)");
                }
                got += r;
            }
            offset += n;
            return buf;
        }

        private IdxFormatException error(long at, String expected, String found) {
            return new IdxFormatException(file, gzip, at, expected, found);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
