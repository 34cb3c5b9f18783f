package dev.stride.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes ustar archives for the tests, following the header layout of POSIX.1-1988. */
public final class TarTestWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TarTestWriter file(String name, byte[] data) {
        return entry(name, '0', data);
    }

    public TarTestWriter entry(String name, char type, byte[] data) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0001750");
        put(h, 116, "0001750");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[155] = ' ';
        out.writeBytes(h);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    /** A pax extended header giving the next entry a long path. */
    public TarTestWriter paxPath(String path) {
        String body = " path=" + path + "\n";
        int len = body.length() + 1;
        while ((len + body).length() != len) {
            len++;
        }
        return entry("PaxHeader", 'x', (len + body).getBytes(StandardCharsets.UTF_8));
    }

    /** The archive with its end marker of two zero blocks. */
    public byte[] finish() throws IOException {
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
