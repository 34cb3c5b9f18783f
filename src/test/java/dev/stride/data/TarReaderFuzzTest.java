package dev.stride.data;

import java.nio.file.Path;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fuzzes {@link TarReader} (the npm package's archive, after gunzip): any bytes, read entry by entry
 * to the end with every entry's data, end in an {@link IOException} naming the archive or in the
 * end of the archive, and the reader's heap stays within a few times the archive's length.
 *
 * <p>Each input is read twice: as it is, and sealed (each header's checksum made right), since a
 * checksum in octal text is more than the fuzzer's comparison tricks can forge, and without it the
 * names, sizes, types and pax records behind it would go unexplored.
 */
class TarReaderFuzzTest {
    private static final int BLOCK = 512;
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(IOException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("tar");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void readEveryEntry(byte[] input) throws Exception {
        readAll(input);
        readAll(sealed(input));
    }

    private static void readAll(byte[] archive) throws Exception {
        byte[] buf = new byte[4096];
        FuzzInput.parse((1 << 18) + 8L * archive.length, () -> {
            TarReader tar = new TarReader(new ByteArrayInputStream(archive), "fuzz.tar");
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                long read = 0;
                for (int r; (r = tar.read(buf, 0, buf.length)) >= 0; ) {
                    read += r;
                }
                if (read != e.size()) {
                    throw new AssertionError("entry " + e.name() + " of " + e.size() + " bytes gave " + read);
                }
            }
        }, DOCUMENTED);
    }

    /** The input with the checksum of every header, found as the reader walks them, recomputed. */
    static byte[] sealed(byte[] input) {
        byte[] b = input.clone();
        long at = 0;
        while (at + BLOCK <= b.length && !zeroBlock(b, (int) at)) {
            int h = (int) at;
            int sum = 0;
            for (int i = 0; i < BLOCK; i++) {
                sum += (i >= 148 && i < 156) ? ' ' : b[h + i] & 0xff;
            }
            System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, b, h + 148, 8);
            long size = 0;
            for (int i = h + 124; i < h + 136 && b[i] >= '0' && b[i] <= '7'; i++) {
                size = size * 8 + b[i] - '0';
            }
            at += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
        }
        return b;
    }

    private static boolean zeroBlock(byte[] b, int from) {
        for (int i = from; i < from + BLOCK; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The generated seeds are valid archives, each with a file in it. */
    @Test
    void everyOkSeedReads() throws Exception {
        for (Path seed : FuzzInput.seedFiles("tar").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            TarReader tar = new TarReader(Files.newInputStream(seed), seed.toString());
            int files = 0;
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                files += e.isFile() ? 1 : 0;
            }
            if (files == 0) {
                throw new AssertionError(seed + ": no file entries");
            }
        }
    }
}
