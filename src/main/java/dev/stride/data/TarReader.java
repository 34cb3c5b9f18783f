package dev.stride.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a POSIX (ustar) tar stream entry by entry, checking each header's checksum and that each
 * entry's data is all there. Just enough tar for package archives: regular files and directories,
 * ustar name prefixes and pax "path" records; a GNU or base-256 size field is rejected clearly.
 */
final class TarReader {
    private static final int BLOCK = 512;

    private final InputStream in;
    private final String archive;
    private final byte[] header = new byte[BLOCK];
    private long offset;       // bytes consumed from the (uncompressed) tar stream
    private long remaining;    // data bytes of the current entry not yet read
    private long padding;      // zero bytes after the current entry's data, up to the next block
    private String paxPath;

    /** @param archive named in error messages */
    TarReader(InputStream in, String archive) {
        this.in = in;
        this.archive = archive;
    }

    /** A regular file or directory in the archive. */
    record Entry(String name, long size, boolean isFile) {
    }

    /** The next entry, or null at the end of the archive; skips what is left of the current one. */
    Entry next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        while (true) {
            long at = offset;
            int got = in.readNBytes(header, 0, BLOCK);
            offset += got;
            if (got == 0) {
                return null; // some writers omit the two zero blocks that mark the end
            }
            if (got < BLOCK) {
                throw error(at, "a 512-byte header, found only " + got + " bytes (the archive is truncated)");
            }
            if (isZero(header)) {
                return null;
            }
            verifyChecksum(at);
            String name = text(0, 100);
            String prefix = text(345, 155);
            if (!prefix.isEmpty() && "ustar".equals(text(257, 5))) {
                name = prefix + "/" + name;
            }
            long size = octal(124, 12, at, "size");
            char type = (char) header[156];
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            if (type == 'x') {
                paxPath = paxPath(size, at);
                continue;
            }
            if (type == 'g') {
                skip(remaining + padding);
                remaining = 0;
                padding = 0;
                continue;
            }
            if (paxPath != null) {
                name = paxPath;
                paxPath = null;
            }
            return new Entry(name, size, type == '0' || type == 0);
        }
    }

    /** Reads from the current entry's data; -1 at its end. */
    int read(byte[] buf, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int r = in.read(buf, off, (int) Math.min(len, remaining));
        if (r < 0) {
            throw error(offset, "another " + remaining + " bytes of entry data (the archive is truncated)");
        }
        offset += r;
        remaining -= r;
        return r;
    }

    private String paxPath(long size, long at) throws IOException {
        if (size > 1 << 20) {
            throw error(at, "a pax header under 1 MiB, found " + size + " bytes");
        }
        // Collected as the bytes arrive: a header that claims a megabyte gets no megabyte
        // allocated before the archive turns out to hold 600 bytes.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[(int) Math.min(size, 8192)];
        for (int r; (r = read(chunk, 0, chunk.length)) >= 0; ) {
            bytes.write(chunk, 0, r);
        }
        byte[] data = bytes.toByteArray();
        // Records are "<length> <key>=<value>\n"; the length counts the whole record.
        String path = null;
        int pos = 0;
        while (pos < data.length) {
            int space = indexOf(data, (byte) ' ', pos);
            int len = space < 0 ? -1 : parseDecimal(data, pos, space);
            // The length counts the digits, the space, "key=value" and the newline that ends it.
            if (len < space - pos + 2 || pos + len > data.length || data[pos + len - 1] != '\n') {
                throw error(at + BLOCK + pos, "a pax record '<length> <key>=<value>'");
            }
            String record = new String(data, space + 1, pos + len - space - 2, StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                path = record.substring(5);
            }
            pos += len;
        }
        skip(padding);
        padding = 0;
        return path;
    }

    private void verifyChecksum(long at) throws IOException {
        long stored = octal(148, 8, at, "checksum");
        // The checksum is the sum of the header bytes with its own field read as spaces. POSIX says
        // unsigned; some old writers summed signed bytes, so either is accepted.
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw error(at + 148, "header checksum " + unsigned + ", found " + stored + " (a corrupt archive)");
        }
    }

    private long octal(int from, int len, long at, String field) throws IOException {
        if ((header[from] & 0x80) != 0) {
            throw error(at + from, "an octal " + field + " field, found a base-256 one (entries over 8 GiB are not supported)");
        }
        long v = 0;
        int i = from;
        int end = from + len;
        while (i < end && header[i] == ' ') {
            i++;
        }
        boolean digits = false;
        for (; i < end && header[i] >= '0' && header[i] <= '7'; i++) {
            v = v * 8 + (header[i] - '0');
            digits = true;
        }
        if (!digits || (i < end && header[i] != 0 && header[i] != ' ')) {
            throw error(at + from, "an octal " + field + " field, found '" + new String(header, from, len, StandardCharsets.US_ASCII).trim() + "'");
        }
        return v;
    }

    private String text(int from, int len) {
        int end = from;
        while (end < from + len && header[end] != 0) {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.UTF_8);
    }

    private void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw error(offset, "another " + left + " bytes of entry data or padding (the archive is truncated)");
                }
                s = 1;
            }
            left -= s;
            offset += s;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int parseDecimal(byte[] b, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9' || v > 1 << 20) {
                return -1;
            }
            v = v * 10 + (b[i] - '0');
        }
        return v;
    }

    private IOException error(long at, String expected) {
        return new IOException(archive + ": at byte offset " + at + " of the tar stream: expected " + expected);
    }
}
